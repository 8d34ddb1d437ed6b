"""The partitions of the PostgreSQL events table.

``events`` is partitioned by list of kinds, one partition per retention category
(``events_heartbeats``, ``events_plate_reads``, ...), and each of those by range of
``occurred_at``, one table per UTC week starting on Monday
(``events_heartbeats_20261102``). Retention then drops the whole weeks of a category
that lie before its horizon, instead of deleting their rows one by one, and a query
with a time range reads only the weeks it touches.

Week tables are created as rows arrive (one catalogue look-up per batch) and ahead
for this week and the next when the store opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from sitewarden.events.categories import CATEGORIES
from sitewarden.events.model import to_micros

WEEK_US = 7 * 24 * 3600 * 1_000_000
_MONDAY_US = to_micros(datetime(1970, 1, 5, tzinfo=UTC))  # the first Monday of the epoch
CATEGORY_OF_KIND = {kind: category for category, kinds in CATEGORIES.items() for kind in kinds}


def week_start(micros: int) -> int:
    return micros - (micros - _MONDAY_US) % WEEK_US


def category_table(category: str) -> str:
    return f"events_{category}"


def week_table(category: str, start_us: int) -> str:
    day = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=start_us)
    return f"events_{category}_{day:%Y%m%d}"


def week_of_table(name: str) -> int:
    """The first microsecond of the week a ``week_table`` name covers."""
    day = datetime.strptime(name.rsplit("_", 1)[1], "%Y%m%d").replace(tzinfo=UTC)
    return to_micros(day)


def ensure_category_partitions(conn: psycopg.Connection[Any]) -> None:
    """One list partition per retention category (idempotent; run after migrations)."""
    for category, kinds in CATEGORIES.items():
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF events FOR VALUES IN ({}) "
                "PARTITION BY RANGE (occurred_at)"
            ).format(
                sql.Identifier(category_table(category)),
                sql.SQL(", ").join(sql.Literal(kind) for kind in sorted(kinds)),
            )
        )


def ensure_week_partitions(
    conn: psycopg.Connection[Any], kinds_and_times: Iterable[tuple[str, int]]
) -> None:
    """Create the week tables that rows of these (kind, occurred_at) need."""
    weeks = {(CATEGORY_OF_KIND.get(kind), week_start(micros)) for kind, micros in kinds_and_times}
    wanted = {
        week_table(category, start): (category, start)
        for category, start in weeks
        if category is not None
    }
    if not wanted:
        return
    missing = conn.execute(
        "SELECT name FROM unnest(%s::text[]) AS name WHERE to_regclass(name) IS NULL",
        (list(wanted),),
    ).fetchall()
    for (name,) in missing:
        category, start = wanted[name]
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(name),
                sql.Identifier(category_table(category)),
                sql.Literal(start),
                sql.Literal(start + WEEK_US),
            )
        )


def ensure_weeks_ahead(conn: psycopg.Connection[Any], now_us: int) -> None:
    """This week's and next week's table of every category, before the first event."""
    ensure_week_partitions(
        conn,
        [
            (next(iter(kinds)), at)
            for kinds in CATEGORIES.values()
            for at in (now_us, now_us + WEEK_US)
        ],
    )


def expired_weeks(
    conn: psycopg.Connection[Any], kinds: frozenset[str], before_us: int
) -> list[str]:
    """Week tables of the categories made only of ``kinds`` that end before ``before_us``."""
    categories = [c for c, members in CATEGORIES.items() if members <= kinds]
    if not categories:
        return []
    rows = conn.execute(
        "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = inhrelid "
        "JOIN pg_class parent ON parent.oid = inhparent WHERE parent.relname = ANY(%s)",
        ([category_table(c) for c in categories],),
    ).fetchall()
    return sorted(name for (name,) in rows if week_of_table(name) + WEEK_US <= before_us)


def drop_weeks(conn: psycopg.Connection[Any], names: list[str]) -> int:
    """Drop whole week tables; returns how many events they held."""
    dropped = 0
    for name in names:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
        dropped += int(row.fetchone()[0])  # type: ignore[index]
        conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
    return dropped
