"""The migrations build the same schema on SQLite and on PostgreSQL.

A fresh SQLite file and a fresh PostgreSQL database are migrated by the real stores,
then read back from each catalogue and compared table by table, column by column:
column names and order, a type family per column, nullability, defaults, primary
keys, unique constraints, foreign keys and the indexes the migrations create.

Where the two differ on purpose the difference is listed below with its reason; any
other difference, or a listed one that no longer happens, fails the test. Only the
spelling is normalised away: type names to a family (BIGINT and INTEGER are both
integer), 'x'::text to 'x', != to <>, and SQLite's legacy NULL-able key columns to
NOT NULL. Not compared: CHECK constraints (SQLite keeps them only as SQL text).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass, field, replace
from itertools import zip_longest
from pathlib import Path

import psycopg
import pytest

from sitewarden.db.migrations import DIALECTS, PLACEHOLDERS, load_migrations, render_sql
from sitewarden.runtime.storage import Storage
from tests.postgres_server import PostgresServer

# --- what differs on purpose ------------------------------------------------------------

# PostgreSQL partitions events by retention category, then by week; every table only it
# has must be such a partition (events_other takes kinds no category lists).
PARTITIONED = "events"

# A partitioned table's key must carry the partition columns, and site_id is in it for
# Citus to shard by site (0001). SQLite's events is WITHOUT ROWID, keyed by id alone.
INTENDED_PRIMARY_KEYS = {
    "events": {"sqlite": ("id",), "postgres": ("id", "site_id", "kind", "occurred_at")}
}

# The entries of a SQLite index end with the table's key (id) implicitly; the PostgreSQL
# indexes name it, so that they serve the same keyset pages (0001, 0002, 0015).
INTENDED_INDEX_TAIL = {
    name: ("id",)
    for name in (
        "events_site_time",
        "events_device_time",
        "events_family_time",
        "events_time",
        "events_subject_time",
        "events_note_time",
        "events_site_note_time",
        "events_kind_time",
        "events_severe_time",
        "events_site_severe_time",
    )
}

# Integer columns are 64-bit on both (SQLite's INTEGER always is; {bigint} renders
# BIGINT on PostgreSQL). 0012 wrote plain INTEGER, a 4-byte integer on PostgreSQL: it
# holds 0..270 and has shipped, so it stays; a new 4-byte column fails here.
INTENDED_POSTGRES_INT4 = {("devices", "rotation")}

# --- reading a schema ---------------------------------------------------------------------

FAMILIES = {
    "integer": "integer",
    "bigint": "integer",
    "smallint": "integer",
    "text": "text",
    "character varying": "text",
    "real": "real",
    "double precision": "real",
    "blob": "blob",
    "bytea": "blob",
    "json": "json",
    "jsonb": "json",
    "boolean": "boolean",
    "timestamp with time zone": "timestamp",
    "timestamp without time zone": "timestamp",
    "timestamp": "timestamp",
}


def family(declared: str) -> str:
    """The type family of a declared (SQLite) or catalogue (PostgreSQL) type name."""
    name = declared.strip().lower()
    assert name in FAMILIES, f"no type family for {declared!r}: add it to FAMILIES"
    return FAMILIES[name]


def normal_default(default: str | None) -> str | None:
    """'unknown'::text (PostgreSQL) and 'unknown' (SQLite) alike."""
    return None if default is None else re.sub(r"::[a-z ]+$", "", default.strip())


def normal_predicate(predicate: str | None) -> str | None:
    """A partial index's WHERE as both catalogues spell it: PostgreSQL's
    (state <> 'resolved'::text) is SQLite's state != 'resolved', and its
    severity = ANY (ARRAY['major'::text, ...]) is severity IN ('major', ...)."""
    if predicate is None:
        return None
    text = re.sub(r"::[a-z ]+", "", " ".join(predicate.split())).replace("!=", "<>")
    text = re.sub(r"(\w+) = ANY \(ARRAY\[(.*?)\]\)", r"\1 IN (\2)", text)
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


@dataclass(frozen=True)
class Column:
    name: str
    family: str
    nullable: bool
    default: str | None


@dataclass(frozen=True)
class Index:
    table: str
    unique: bool
    where: str | None  # a partial index's predicate, normalised
    columns: tuple[str, ...]


@dataclass
class Table:
    columns: list[Column]
    primary_key: tuple[str, ...]
    uniques: set[tuple[str, ...]] = field(default_factory=set)
    foreign_keys: set[tuple[tuple[str, ...], str, tuple[str, ...], str]] = field(
        default_factory=set
    )


@dataclass
class Schema:
    tables: dict[str, Table]
    indexes: dict[str, Index]  # those the migrations create by name (CREATE INDEX)


def sqlite_schema(path: Path) -> Schema:
    conn = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
        ]
        tables: dict[str, Table] = {}
        indexes: dict[str, Index] = {}
        for name in names:
            info = conn.execute("SELECT * FROM pragma_table_info(?)", (name,)).fetchall()
            # SQLite lets a key column of a rowid table hold NULL (a documented legacy
            # quirk); the schema means it as on PostgreSQL, so a key column is NOT NULL.
            columns = [
                Column(col, family(kind), not notnull and not pk, normal_default(default))
                for _, col, kind, notnull, default, pk in info
            ]
            key = tuple(row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5]))
            table = Table(columns, key)
            for _, index, unique, origin, partial in conn.execute(
                "SELECT * FROM pragma_index_list(?)", (name,)
            ):
                cols = tuple(
                    row[0]
                    for row in conn.execute(
                        "SELECT name FROM pragma_index_info(?) ORDER BY seqno", (index,)
                    )
                )
                if origin == "u":
                    table.uniques.add(cols)
                elif origin == "c":
                    where = None
                    if partial:
                        (sql,) = conn.execute(
                            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?",
                            (index,),
                        ).fetchone()
                        where = normal_predicate(re.split(r"\bWHERE\b", sql, maxsplit=1)[1])
                    indexes[index] = Index(name, bool(unique), where, cols)
            fks: dict[int, list[tuple[str, str, str, str]]] = {}
            for fk_id, _, target, source, to, _, on_delete, _ in conn.execute(
                "SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", (name,)
            ):
                fks.setdefault(fk_id, []).append((source, target, to, on_delete))
            for parts in fks.values():
                table.foreign_keys.add(
                    (
                        tuple(p[0] for p in parts),
                        parts[0][1],
                        tuple(p[2] for p in parts),
                        parts[0][3].lower(),
                    )
                )
            tables[name] = table
        return Schema(tables, indexes)
    finally:
        conn.close()


ON_DELETE = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}


def postgres_schema(url: str) -> tuple[Schema, set[str]]:
    """The schema, and the tables that are partitions of PARTITIONED (PostgreSQL only)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT c.relname, c.relispartition, "
            "c.relispartition AND pg_partition_root(c.oid) = %s::regclass "
            "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            (PARTITIONED,),
        ).fetchall()
        stray = [name for name, is_partition, of_events in rows if is_partition and not of_events]
        assert not stray, f"partitions of something other than {PARTITIONED}: {stray}"
        partitions = {name for name, is_partition, _ in rows if is_partition}
        tables: dict[str, Table] = {}
        for (name,) in ((row[0],) for row in rows if not row[1]):
            columns = [
                Column(col, family(kind), nullable == "YES", normal_default(default))
                for col, kind, nullable, default in conn.execute(
                    "SELECT column_name, data_type, is_nullable, column_default "
                    "FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name = %s ORDER BY ordinal_position",
                    (name,),
                )
            ]
            constraints = conn.execute(
                "SELECT c.contype, c.confrelid::regclass::text, c.confdeltype, "
                "array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i), "
                "array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) "
                "JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i) "
                "FROM pg_constraint c WHERE c.conrelid = %s::regclass",
                (name,),
            ).fetchall()
            key = next((tuple(cols) for kind, _, _, cols, _ in constraints if kind == "p"), ())
            table = Table(columns, key)
            for kind, target, on_delete, cols, target_cols in constraints:
                if kind == "u":
                    table.uniques.add(tuple(cols))
                elif kind == "f":
                    table.foreign_keys.add(
                        (tuple(cols), target, tuple(target_cols), ON_DELETE[on_delete])
                    )
            tables[name] = table
        indexes = {
            index: Index(table, unique, normal_predicate(where), tuple(cols))
            for index, table, unique, where, cols in conn.execute(
                "SELECT ic.relname, tc.relname, i.indisunique, pg_get_expr(i.indpred, i.indrelid), "
                "array(SELECT pg_get_indexdef(i.indexrelid, k, true) "
                "FROM generate_series(1, i.indnkeyatts) k) "
                "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
                "JOIN pg_class tc ON tc.oid = i.indrelid "
                "WHERE tc.relnamespace = 'public'::regnamespace AND NOT tc.relispartition "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
                "AND c.conrelid = i.indrelid)"
            )
        }
        return Schema(tables, indexes), partitions


# --- the databases ------------------------------------------------------------------------


@dataclass
class Migrated:
    sqlite: Schema
    postgres: Schema
    partitions: set[str]  # PostgreSQL's partitions of PARTITIONED
    postgres_url: str


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer) -> Migrated:
    path = tmp_path_factory.mktemp("parity") / "parity.db"
    Storage.sqlite(path).close()
    name = f"parity_{secrets.token_hex(4)}"
    postgres_server.execute(f"CREATE DATABASE {name}")  # empty: migrated here, not copied
    url = postgres_server.url(name)
    Storage.postgres(url).close()
    postgres, partitions = postgres_schema(url)
    return Migrated(sqlite_schema(path), postgres, partitions, url)


# --- the comparison -----------------------------------------------------------------------


def test_the_same_tables(migrated: Migrated) -> None:
    assert sorted(migrated.sqlite.tables) == sorted(migrated.postgres.tables)
    assert "events_other" in migrated.partitions  # and the store's category and week tables


def test_the_same_columns_in_the_same_order(migrated: Migrated) -> None:
    differing = {}
    for name, table in migrated.sqlite.tables.items():
        theirs = migrated.postgres.tables[name].columns
        pairs = list(zip_longest(table.columns, theirs))
        if any(ours != other for ours, other in pairs):
            differing[name] = [pair for pair in pairs if pair[0] != pair[1]]
    assert not differing, f"columns differ (sqlite, postgres): {differing}"


@pytest.mark.parametrize("facet", ["primary_key", "uniques", "foreign_keys"])
def test_the_same_keys(migrated: Migrated, facet: str) -> None:
    differing = {}
    for name, table in migrated.sqlite.tables.items():
        pair = (getattr(table, facet), getattr(migrated.postgres.tables[name], facet))
        if facet == "primary_key" and name in INTENDED_PRIMARY_KEYS:
            intended = INTENDED_PRIMARY_KEYS[name]
            assert pair == (intended["sqlite"], intended["postgres"]), name
        elif pair[0] != pair[1]:
            differing[name] = pair
    assert not differing, f"{facet} differ (sqlite, postgres): {differing}"


def test_the_same_indexes(migrated: Migrated) -> None:
    sqlite, postgres = migrated.sqlite.indexes, migrated.postgres.indexes
    assert sorted(sqlite) == sorted(postgres)
    for name, index in sqlite.items():
        tail = INTENDED_INDEX_TAIL.get(name, ())
        assert postgres[name] == replace(index, columns=index.columns + tail), name


def test_postgres_integers_are_64_bit(migrated: Migrated) -> None:
    with psycopg.connect(migrated.postgres_url) as conn:
        narrow = set(
            conn.execute(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c "
                "JOIN pg_class t ON t.relname = c.table_name "
                "AND t.relnamespace = 'public'::regnamespace "
                "WHERE c.table_schema = 'public' AND NOT t.relispartition "
                "AND c.data_type IN ('integer', 'smallint')"
            ).fetchall()
        )
    assert narrow == INTENDED_POSTGRES_INT4


# --- the files themselves -----------------------------------------------------------------


def test_every_placeholder_has_a_value_in_every_dialect() -> None:
    keys = [set(PLACEHOLDERS[dialect]) for dialect in DIALECTS]
    assert all(each == keys[0] for each in keys)


def test_dialect_blocks_and_placeholders_render() -> None:
    script = "A {bigint};\n-- @sqlite\nB;\n-- @postgres\nC {bytes};\n-- @end\nD;\n"
    assert render_sql(script, "sqlite") == "A INTEGER;\nB;\nD;\n"
    assert render_sql(script, "postgres") == "A BIGINT;\nC BYTEA;\nD;\n"
    for broken in ("{biginteger}", "-- @end\n", "-- @sqlite\nX;\n", "-- @mysql\n-- @end\n"):
        with pytest.raises(ValueError):
            render_sql(broken, "sqlite")


def test_rendered_migrations_name_no_other_dialect() -> None:
    """What a dialect runs holds none of the other's type names."""
    foreign = {
        "sqlite": ("BIGINT", "BYTEA", "DOUBLE PRECISION", "PARTITION"),
        "postgres": ("BLOB", "WITHOUT ROWID", "strftime"),
    }
    for dialect in DIALECTS:
        for migration in load_migrations(dialect):
            for word in foreign[dialect]:
                assert word not in migration.sql, (dialect, migration.version, word)
