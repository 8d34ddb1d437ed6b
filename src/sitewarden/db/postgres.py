"""PostgreSQL connections (psycopg 3 and a pool) and migrations, for the features' tables.

Each feature's tables write SQL with ``?`` placeholders; ``postgres_sql`` turns each
statement into psycopg's ``%s`` form once (cached). Write transactions take one
transaction-scoped advisory lock, so that writers are serialised across every
sitewarden node exactly as SQLite serialises them: the tables' read-modify-
write transactions (audit chain, parking sessions, alert de-duplication) stay
correct without a second, PostgreSQL-only copy of each. Reads never take it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from sitewarden.database_url import redact
from sitewarden.db.database import (
    EVENT_INSERT_COLUMNS,
    KIND,
    OCCURRED_AT,
    Connection,
    Database,
    EventRow,
    Rows,
)
from sitewarden.db.migrations import applied_versions, pending_migrations, split_sql
from sitewarden.db.postgres_jobs import JobOwnership
from sitewarden.db.postgres_notify import NodeListener, notify_sql
from sitewarden.db.postgres_partitions import (
    drop_weeks,
    ensure_category_partitions,
    ensure_week_partitions,
    ensure_weeks_ahead,
    expired_weeks,
)
from sitewarden.errors import ConfigError, DatabaseUnavailable, StoreError
from sitewarden.events.model import to_micros

log = logging.getLogger(__name__)

# Advisory lock keys (any two 64-bit numbers no other application on the server uses).
WRITE_LOCK = 0x5357_0001  # "SW" 1: one writer transaction at a time, on every node
MIGRATE_LOCK = 0x5357_0002  # one node migrates; the others wait and find it done
# How long a caller waits for a pooled connection (while the server is away, for one to
# be made) before DatabaseUnavailable: a request is answered 503 rather than hang.
POOL_WAIT_S = 5.0
OUTAGE_WAIT_S = 0.5  # the same wait while the last attempt failed (fail fast, not hang)
# The pool's background reconnection gives up this soon; the next caller that waits
# starts a fresh one. So a server that is back is found within a second or two, not
# after the pool's doubling back-off (which reaches minutes in a long outage).
RECONNECT_GIVE_UP_S = 2.0


@lru_cache(maxsize=2048)
def postgres_sql(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresConnection:
    """A pooled connection inside a write transaction, speaking the ``?`` dialect."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Rows:
        return self.raw.execute(postgres_sql(sql), parameters)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> None:
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(postgres_sql(sql), rows)


class PostgresDatabase(Database):
    """One PostgreSQL database shared by any number of nodes."""

    LIKE = "ILIKE"

    def __init__(self, url: str, *, pool_size: int = 8, node_id: str | None = None) -> None:
        self.url = url
        # Tells this node's notifications from others' (its writer process shares it).
        self.node_id: str = node_id or uuid.uuid4().hex
        self._jobs = JobOwnership(url)
        self._checking = threading.Lock()  # held while idle connections are checked
        self._failing = False  # the last connection failed: the server may be away
        try:  # one plain connection first, so that a refusal says why
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise ConfigError(f"cannot connect to PostgreSQL at {redact(url)}: {exc}") from exc
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            timeout=POOL_WAIT_S,
            reconnect_timeout=RECONNECT_GIVE_UP_S,
            kwargs={"autocommit": True},
            open=False,
            name="sitewarden",
        )
        try:
            self._pool.open(wait=True, timeout=15)
        except PoolTimeout as exc:
            raise ConfigError(f"PostgreSQL at {redact(url)} did not accept connections") from exc
        self._migrate()

    # --- primitives ------------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection; losing the server (or finding none) is DatabaseUnavailable.

        Once that happened, callers wait only briefly for a connection until one works
        again: during an outage each would otherwise hold its thread a full wait."""
        wait = OUTAGE_WAIT_S if self._failing else POOL_WAIT_S
        try:
            with self._pool.connection(timeout=wait) as raw:
                yield raw
            self._failing = False
        except psycopg.OperationalError as exc:  # PoolTimeout is one too
            self._failing = True
            self._check_idle_connections()
            raise DatabaseUnavailable(
                f"the database is unavailable ({type(exc).__name__}); try again shortly"
            ) from exc

    def _check_idle_connections(self) -> None:
        """Test the pool's idle connections in the background, dropping the dead ones.

        The pool throws a broken connection away when its user gives it back; after a
        server restart every idle one is dead too, and each would fail one more request
        once the server is back."""
        if not self._checking.acquire(blocking=False):
            return  # a check is running

        def check() -> None:
            try:
                self._pool.check()
            except Exception:  # the pool is closing; nothing to keep
                log.debug("pool check failed", exc_info=True)
            finally:
                self._checking.release()

        threading.Thread(target=check, name="pool-check", daemon=True).start()

    @contextmanager
    def _raw_transaction(self) -> Iterator[psycopg.Connection[Any]]:
        with self._connection() as raw, raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield raw

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._raw_transaction() as raw:
            yield PostgresConnection(raw)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._connection() as raw:
            return raw.execute(postgres_sql(sql), params).fetchall()

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._connection() as raw:
            return raw.execute(postgres_sql(sql), params).fetchone()

    def index_hint(self, index: str) -> str:
        return ""  # PostgreSQL's planner picks the matching index by itself

    integrity_errors = (psycopg.IntegrityError,)
    broadcasts = True

    def broadcast(self, conn: Connection, messages: Sequence[dict[str, Any]]) -> None:
        conn.execute(*notify_sql(self.node_id, messages))

    def listen_to_other_nodes(
        self, deliver: Callable[[list[dict[str, Any]]], None]
    ) -> Callable[[], None]:
        listener = NodeListener(self.url, self.node_id, deliver)
        listener.start()
        return listener.stop

    def owns_job(self, job: str) -> bool:
        return self._jobs.owns(job)

    def close(self) -> None:
        self._jobs.close()
        self._pool.close()

    # --- schema ----------------------------------------------------------------------
    def _migrate(self) -> None:
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
            try:
                self._apply_migrations(conn)
                self._after_migrations(conn)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))

    def _apply_migrations(self, conn: psycopg.Connection[Any]) -> None:
        applied = applied_versions(conn, "postgres")
        for migration in pending_migrations("postgres", applied, redact(self.url)):
            try:
                with conn.transaction():
                    for statement in split_sql(migration.sql):
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO schema_migrations VALUES (%s, %s, %s)",
                        (migration.version, migration.name, time.time_ns() // 1000),
                    )
            except psycopg.Error as exc:
                raise StoreError(
                    f"migration {migration.version} ({migration.name}) failed: {exc}"
                ) from exc

    def _after_migrations(self, conn: psycopg.Connection[Any]) -> None:
        """Schema work done in code after the SQL migrations: the events partitions."""
        with conn.transaction():
            ensure_category_partitions(conn)
            ensure_weeks_ahead(conn, time.time_ns() // 1000)

    def schema_version(self) -> int:
        row = self.read_one("SELECT max(version) FROM schema_migrations")
        return int(row[0] or 0)

    # --- events: weekly partitions per retention category ------------------------------
    def append_events(self, conn: Connection, rows: Sequence[EventRow]) -> None:
        """COPY the batch in (binary), inside the caller's transaction."""
        if not rows:
            return
        assert isinstance(conn, PostgresConnection)
        raw = conn.raw
        ensure_week_partitions(raw, [(row[KIND], row[OCCURRED_AT]) for row in rows])
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY events ({EVENT_INSERT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(_EVENT_COPY_TYPES)
            for row in rows:
                copy.write_row(row)

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int:
        """Drop the whole weeks of these kinds that end before ``before``, then delete up to
        ``limit`` of the rows left before it (in the week that straddles the horizon)."""
        before_us = to_micros(before)
        marks = ", ".join("%s" for _ in kinds)
        with self._raw_transaction() as raw:
            removed = drop_weeks(raw, expired_weeks(raw, kinds, before_us))
            cursor = raw.execute(
                f"DELETE FROM events WHERE kind IN ({marks}) AND occurred_at < %s AND "
                "(id, site_id, kind, occurred_at) IN (SELECT id, site_id, kind, occurred_at "
                f"FROM events WHERE kind IN ({marks}) AND occurred_at < %s LIMIT %s)",
                (*sorted(kinds), before_us, *sorted(kinds), before_us, limit),
            )
            return removed + cursor.rowcount

    def backup_to(self, target: Path) -> None:
        """A consistent copy with ``pg_dump`` (custom format; restore with pg_restore).

        The password travels in the environment, never on the command line."""
        params = conninfo_to_dict(self.url)
        password = params.pop("password", None)
        env = dict(os.environ)
        if password is not None:
            env["PGPASSWORD"] = str(password)
        try:
            subprocess.run(
                [_pg_dump(), "--format=custom", f"--file={target}", make_conninfo("", **params)],
                check=True,
                env=env,
                capture_output=True,
            )
        except FileNotFoundError as exc:
            raise StoreError("pg_dump is not installed; install postgresql-client") from exc
        except subprocess.CalledProcessError as exc:
            raise StoreError(f"pg_dump failed: {exc.stderr.decode(errors='replace')}") from exc


# Binary COPY needs the PostgreSQL type of each column, in EVENT_INSERT_COLUMNS order.
_EVENT_COPY_TYPES = (
    "bytea",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
    "int8",
    "int8",
    "text",
    "bytea",
    "text",
    "text",
    "bytea",
)


def _pg_dump() -> str:
    """Debian's newest pg_dump (its /usr/bin wrapper wants a local cluster's config)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), key=lambda p: p.parts[-3])
    return str(found[-1]) if found else "pg_dump"
