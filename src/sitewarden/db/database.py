"""What the features' tables need from a database, whichever backend it is.

Each feature's tables (``registry/tables.py``, ``alerts/tables.py``, ...) write their
SQL once, with ``?`` placeholders, against these few primitives. ``SQLiteDatabase``
and ``PostgresDatabase`` implement them; the PostgreSQL one translates the
placeholders once per statement. What differs between the dialects beyond that (index
hints, case-insensitive LIKE, how a batch of events lands, the PostgreSQL partitions of
events and their retention) lives in the backends, behind the hooks below.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson

from sitewarden.errors import AlreadyExists, UnsealedPersonalData
from sitewarden.events.model import Event, family_of, from_micros, to_micros

T = TypeVar("T")

# One event's values in ``EVENT_INSERT_COLUMNS`` order, as :func:`event_row` makes them.
EventRow = tuple[Any, ...]
KIND, OCCURRED_AT = 4, 7  # positions in an EventRow

# Column order of every event insert (executemany on SQLite, COPY on PostgreSQL).
EVENT_INSERT_COLUMNS = (
    "id, site_id, zone_id, device_id, kind, family, severity, occurred_at, received_at, "
    "attributes, personal, note, subject_id, media"
)


class Rows(Protocol):
    """The result of one statement: what both sqlite3 and psycopg cursors offer."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A connection inside a write transaction."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Rows: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]], /) -> Any: ...


class Database(ABC):
    """The primitives the features' tables are written against."""

    # Case-insensitive substring match (SQLite's LIKE is already, for ASCII).
    LIKE = "LIKE"

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Connection]:
        """One write transaction; writers are serialised, as SQLite does it."""

    @abstractmethod
    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    @abstractmethod
    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement in its own transaction; returns the rows it changed. A unique or
        foreign key refusal is :class:`AlreadyExists`."""
        try:
            with self.transaction() as conn:
                return int(conn.execute(sql, params).rowcount)
        except self.integrity_errors as exc:
            raise AlreadyExists(f"already exists or still referenced: {exc}") from exc

    @abstractmethod
    def index_hint(self, index: str) -> str:
        """`` INDEXED BY index`` where the planner needs telling (SQLite), else ``""``."""

    @abstractmethod
    def append_events(self, conn: Connection, rows: Sequence[EventRow]) -> None:
        """Append a batch of events (as :func:`event_row` made them) inside the caller's
        transaction."""

    def delete_events_before(self, kinds: frozenset[str], before: datetime, limit: int) -> int:
        """Delete up to ``limit`` of the oldest events of ``kinds`` that occurred before
        (PostgreSQL drops whole expired weeks first)."""
        marks = ", ".join("?" * len(kinds))
        with self.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM events WHERE id IN (SELECT id FROM events"
                f"{self.index_hint('events_time')} WHERE occurred_at < ? AND kind IN ({marks}) "
                "LIMIT ?)",
                (to_micros(before), *sorted(kinds), limit),
            )
            return int(cursor.rowcount)

    @abstractmethod
    def backup_to(self, target: Path) -> None:
        """A consistent copy of the database (sealed fields stay sealed; keys are not in it)."""

    # What the driver raises when a unique or foreign key constraint refuses a write.
    # Each backend names its own, so a SQLite server never imports psycopg (25 MB).
    integrity_errors: tuple[type[Exception], ...]

    # Whether other nodes listen to :meth:`broadcast` (worth building its messages).
    broadcasts = False
    # Tells this node's broadcasts from other nodes' (PostgreSQL); one SQLite file has one.
    node_id: str | None = None

    def broadcast(self, conn: Connection, messages: Sequence[dict[str, Any]]) -> None:
        """Tell the other nodes (alert changes, rules changed) once ``conn`` commits."""
        return None  # one SQLite file serves one node: nobody else to tell

    def listen_to_other_nodes(
        self, deliver: Callable[[list[dict[str, Any]]], None]
    ) -> Callable[[], None]:
        """Pass other nodes' broadcasts to ``deliver``; returns a stopper.
        One SQLite file has one node, so there is nothing to listen to."""
        return lambda: None

    def owns_job(self, job: str) -> bool:
        """Whether this node runs ``job`` (work that must happen once); one SQLite file
        has one node, which runs everything."""
        return True

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def schema_version(self) -> int: ...


def event_rows(events: Sequence[Event]) -> list[EventRow]:
    """The rows of ``events``; refuses any event whose personal part is not sealed."""
    if any(e.personal is not None and e.sealed_personal is None for e in events):
        raise UnsealedPersonalData("refusing to store personal fields unsealed; seal events first")
    return [event_row(event) for event in events]


def event_row(event: Event) -> EventRow:
    """The values of one event, in ``EVENT_INSERT_COLUMNS`` order."""
    return (
        event.id.bytes,
        event.site_id,
        event.zone_id,
        event.device_id,
        event.kind,
        family_of(event.kind),
        event.severity.value,
        to_micros(event.occurred_at),
        to_micros(event.received_at),
        orjson.dumps(event.attributes).decode(),
        event.sealed_personal,
        event.note,
        event.subject_id,
        event.sealed_media,
    )


def _t(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _dt(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def _must_dt(micros: int) -> datetime:
    return from_micros(micros)


def value_rows(width: int, count: int) -> str:
    """``(?, ?), (?, ?)`` for ``count`` rows of ``width`` values: one statement for a
    chunk of rows, where each statement would be a round trip on PostgreSQL."""
    row = f"({', '.join('?' * width)})"
    return ", ".join([row] * count)


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in slices of at most ``size`` (bound parameters per statement are finite)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert_sql(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """``INSERT ... ON CONFLICT (key) DO UPDATE`` of every other column: a replace that
    both dialects understand and that keeps the row (no delete and re-insert)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )
