"""The embedded SQLite backend: one file, WAL, one writer, readers per thread."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sitewarden.db.sqlite import SQLiteDatabase
from sitewarden.store.core_tables import CoreTables


class SQLiteStore(CoreTables, SQLiteDatabase):
    """Implements :class:`sitewarden.store.base.Store` on one SQLite file."""

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the database (sealed fields stay sealed; keys are not in it)."""
        with self._write_lock:
            destination = sqlite3.connect(target)
            try:
                self._writer.backup(destination)
            finally:
                destination.close()
