"""SQLite connection handling and migrations, shared by the features' tables."""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sitewarden.db.database import EVENT_INSERT_COLUMNS, Connection, Database, EventRow
from sitewarden.db.migrations import applied_versions, pending_migrations, split_sql
from sitewarden.db.sqlite_checkpoint import WRITER_AUTOCHECKPOINT_PAGES, WalCheckpointer
from sitewarden.errors import ConfigError, StoreError

# Every connection, reader or writer. The benchmarks open theirs with these too.
CONNECTION_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # FULL: a commit is on disk before we acknowledge it, even on power loss.
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-32768",
)


# Rows per INSERT statement: a few fixed sizes, so each compiled statement is reused
# from the connection's cache (14 values a row stays far below SQLite's 32,766).
INSERT_CHUNK_SIZES = (500, 100, 20, 5, 1)


def insert_chunks(count: int) -> list[int]:
    """Split ``count`` rows into statement sizes from :data:`INSERT_CHUNK_SIZES`."""
    sizes = []
    for size in INSERT_CHUNK_SIZES:
        whole, count = divmod(count, size)
        sizes += [size] * whole
    return sizes


@functools.cache
def _multi_row_insert(rows: int) -> str:
    marks = "(" + ", ".join("?" * len(EVENT_INSERT_COLUMNS.split(", "))) + ")"
    return f"INSERT INTO events ({EVENT_INSERT_COLUMNS}) VALUES " + ", ".join([marks] * rows)


class SQLiteDatabase(Database):
    """One SQLite file: WAL, one writer connection behind a lock, a reader per thread."""

    integrity_errors = (sqlite3.IntegrityError,)

    def __init__(self, path: Path, *, checkpoint_thread: bool = True) -> None:
        """``checkpoint_thread=False`` where another connection to the file runs one
        already (the server's event writer process: the server checkpoints for it)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._writer = self._connect(readonly=False)
        self._migrate()
        self._writer.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
        self._checkpointer: WalCheckpointer | None = None
        if checkpoint_thread:
            self._checkpointer = WalCheckpointer(lambda: self._connect(readonly=False))
            self._checkpointer.start()

    # --- connections -----------------------------------------------------------
    def _connect(self, *, readonly: bool) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=10.0
            )
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open database {self.path}: {exc}") from exc
        for pragma in CONNECTION_PRAGMAS:
            conn.execute(pragma)
        if readonly:
            conn.execute("PRAGMA query_only=1")
        return conn

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(readonly=True)
            self._local.conn = conn
            readers: list[sqlite3.Connection] = self.__dict__.setdefault("_readers", [])
            readers.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._reader().execute(sql, params).fetchall()

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._reader().execute(sql, params).fetchone()

    def index_hint(self, index: str) -> str:
        return f" INDEXED BY {index}"

    def append_events(self, conn: Connection, rows: Sequence[EventRow]) -> None:
        # Many rows a statement, not executemany: sqlite3 lets go of the interpreter lock
        # around every step, and taking it back while the event loop validates the next
        # request costs up to a switch interval each time (see docs/benchmarks.md).
        start = 0
        for size in insert_chunks(len(rows)):
            chunk = rows[start : start + size]
            conn.execute(_multi_row_insert(size), [value for row in chunk for value in row])
            start += size

    def backup_to(self, target: Path) -> None:
        """A consistent copy of the database (sealed fields stay sealed; keys are not in it)."""
        with self._write_lock:
            destination = sqlite3.connect(target)
            try:
                self._writer.backup(destination)
            finally:
                destination.close()

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._writer.close()
        for conn in self.__dict__.get("_readers", []):
            conn.close()

    # --- schema ----------------------------------------------------------------
    def _migrate(self) -> None:
        conn = self._writer
        with self._write_lock:
            applied = applied_versions(conn, "sqlite")
            for migration in pending_migrations("sqlite", applied, str(self.path)):
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    for statement in split_sql(migration.sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                        (migration.version, migration.name, time.time_ns() // 1000),
                    )
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    conn.execute("ROLLBACK")
                    raise StoreError(
                        f"migration {migration.version} ({migration.name}) failed: {exc}"
                    ) from exc

    def schema_version(self) -> int:
        row = self.read_one("SELECT max(version) FROM schema_migrations")
        return int(row[0] or 0)
