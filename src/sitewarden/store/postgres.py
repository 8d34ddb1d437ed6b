"""The PostgreSQL backend: the same table groups as SQLite, over a connection pool,
with events in weekly partitions per retention category, batches landing by COPY,
and retention dropping whole weeks."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from sitewarden.db.database import (
    EVENT_INSERT_COLUMNS,
    KIND,
    OCCURRED_AT,
    Connection,
    EventRow,
)
from sitewarden.db.postgres import PostgresConnection, PostgresDatabase
from sitewarden.errors import StoreError
from sitewarden.events.model import to_micros
from sitewarden.store.core_tables import CoreTables
from sitewarden.store.postgres_partitions import (
    drop_weeks,
    ensure_category_partitions,
    ensure_week_partitions,
    ensure_weeks_ahead,
    expired_weeks,
)

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


class PostgresStore(CoreTables, PostgresDatabase):
    """Implements :class:`sitewarden.store.base.Store` on a PostgreSQL database."""

    def _after_migrations(self, conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            ensure_category_partitions(conn)
            ensure_weeks_ahead(conn, time.time_ns() // 1000)

    def _insert_event_rows(self, conn: Connection, rows: Sequence[EventRow]) -> None:
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
