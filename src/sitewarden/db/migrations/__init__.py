"""Versioned schema migrations, written once for both backends.

Each version is one file, ``NNNN_name.sql`` in this folder, applied in order by each
backend's runner (``db/sqlite.py``, ``db/postgres.py``), which records the version and
name in ``schema_migrations``. The file is written in one SQL and rendered for a
dialect in two ways:

* **Placeholders** stand for what is spelled differently: ``{bigint}`` (a 64-bit
  integer: times in microseconds, counts, flags), ``{bytes}`` (sealed values, hashes,
  ids), ``{double}`` (a float) and ``{now_us}`` (the current time in microseconds, an
  expression). :data:`PLACEHOLDERS` maps each to its text per dialect; TEXT needs none.
  An unknown ``{word}`` is an error, so a typo fails at load, not on a database.
* **Dialect blocks** hold what truly differs, whole lines at a time::

      -- @sqlite
      ...lines only SQLite runs...
      -- @postgres
      ...lines only PostgreSQL runs...
      -- @end

  A ``-- @<dialect>`` line starts (or switches to) lines for that dialect only, and
  ``-- @end`` goes back to lines for both. Keep blocks for real differences: the
  PostgreSQL ``events`` table is partitioned (its key carries the partition columns,
  its indexes end with ``id`` where SQLite's do implicitly) and SQLite's is WITHOUT
  ROWID (0001, 0002).

To change the schema, add the next version, e.g. ``0013_what_it_does.sql``, using the
placeholders for types; run ``tests/test_schema_parity.py``, which migrates a SQLite
file and a PostgreSQL database and compares them column by column. Never edit a file
that has shipped: databases that ran it will not run it again.

Versions 0001..0012 were first written as one folder per dialect; each renders byte
for byte as that dialect's file did, so databases they built are what these build.
One quirk stays for that reason: 0012 writes plain ``INTEGER``, a 4-byte integer on
PostgreSQL (the parity test lists it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from sitewarden.errors import ConfigError

Dialect = Literal["sqlite", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres")

PLACEHOLDERS: dict[Dialect, dict[str, str]] = {
    "sqlite": {
        "bigint": "INTEGER",
        "bytes": "BLOB",
        "double": "REAL",
        "now_us": "CAST(strftime('%s', 'now') AS INTEGER) * 1000000",
    },
    "postgres": {
        "bigint": "BIGINT",
        "bytes": "BYTEA",
        "double": "DOUBLE PRECISION",
        "now_us": "(EXTRACT(EPOCH FROM now()) * 1000000)::BIGINT",
    },
}

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
_BLOCK_MARK = "-- @"
_BLOCK_END = "end"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str  # rendered for the dialect it was loaded for


def render_sql(script: str, dialect: Dialect) -> str:
    """A migration file's text as ``dialect`` runs it: its dialect blocks kept or dropped
    (with their marker lines) and its placeholders filled in."""
    kept: list[str] = []
    only: str | None = None  # the dialect of the block we are in; None: both
    for number, line in enumerate(script.splitlines(keepends=True), start=1):
        mark = line.strip()
        if mark.startswith(_BLOCK_MARK):
            word = mark.removeprefix(_BLOCK_MARK)
            if word == _BLOCK_END:
                if only is None:
                    raise ValueError(f"line {number}: '-- @end' outside a dialect block")
                only = None
            elif word in DIALECTS:
                only = word
            else:
                raise ValueError(f"line {number}: unknown dialect block {mark!r}")
            continue
        if only is None or only == dialect:
            kept.append(line)
    if only is not None:
        raise ValueError(f"dialect block '-- @{only}' has no '-- @end'")
    values = PLACEHOLDERS[dialect]

    def fill(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise ValueError(f"unknown placeholder {match.group(0)} (known: {sorted(values)})")
        return values[match.group(1)]

    return _PLACEHOLDER.sub(fill, "".join(kept))


def load_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """Every ``NNNN_name.sql`` file of this folder, by version, rendered for ``dialect``."""
    found = []
    for entry in resources.files(__package__).iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            try:
                sql = render_sql(entry.read_text(), dialect)
            except ValueError as exc:
                raise ValueError(f"migration {entry.name}: {exc}") from None
            found.append(Migration(int(number), rest.removesuffix(".sql"), sql))
    found.sort(key=lambda migration: migration.version)
    return found


def applied_versions(conn: Any, dialect: Dialect) -> set[int]:
    """The versions ``conn``'s database has applied (``schema_migrations``, made if new).
    ``conn`` is a sqlite3 or psycopg connection: both run a plain statement alike."""
    conn.execute(
        render_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version {bigint} PRIMARY KEY, name TEXT NOT NULL, applied_at {bigint} NOT NULL)",
            dialect,
        )
    )
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def pending_migrations(dialect: Dialect, applied: set[int], database: str) -> list[Migration]:
    """The migrations ``database`` (named in messages) has not applied yet, in order; a
    database from a newer sitewarden is refused."""
    known = load_migrations(dialect)
    newest = max((m.version for m in known), default=0)
    if applied and max(applied) > newest:
        raise ConfigError(
            f"database {database} has schema version {max(applied)}, newer than this "
            f"sitewarden knows ({newest}); upgrade sitewarden"
        )
    return [migration for migration in known if migration.version not in applied]


def split_sql(script: str) -> list[str]:
    """Statements of a migration file; its SQL keeps ``--`` and ``;`` out of string literals."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
