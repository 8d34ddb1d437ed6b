"""Copy the SQLite write-ahead log back into the database off the write path.

By default the connection whose commit makes the WAL pass 1,000 pages copies it back
itself, inside that ``COMMIT``: under ingest that is the event writer, which then holds
the write lock (and keeps every waiting request waiting) while it copies. Here the
writer checkpoints only as a safety net, far later, and a thread of its own does it
every half second with a ``PASSIVE`` checkpoint, which never blocks writers or readers.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_S = 0.5
# The writer's own checkpoint, should the thread fall behind: about 80 MB of WAL.
WRITER_AUTOCHECKPOINT_PAGES = 20_000


class WalCheckpointer:
    """One thread running ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection."""

    def __init__(
        self, connect: Callable[[], sqlite3.Connection], interval_s: float = CHECKPOINT_INTERVAL_S
    ) -> None:
        self._connect = connect
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = self._connect()
        try:
            while not self._stopping.wait(self._interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # busy or closing: the next round tries again
                    log.warning("WAL checkpoint skipped: %s", exc)
        finally:
            conn.close()
