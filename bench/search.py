"""Operator search latency over a large SQLite event table, through the real store code.

Builds (once, cached under ``bench/.data/``) a database of N events spread over 30
days, 3 sites and about 200 devices with a realistic kind mix, loaded with bulk
``executemany`` into the schema the migrations create. Then times
``EventTables.query_events`` for the searches operators make most:

(a) one site, the last hour; (b) one site and device, one day; (c) one site and kind
family over one week, first page and the next five via the keyset cursor.

    python -m bench.search [--events 10000000] [--picks 200] [--rebuild] [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import orjson

from bench.common import (
    ACTIVITY,
    KIND_MIX,
    EventMaker,
    Figure,
    percentile,
    planned_devices,
    print_machine,
    print_table,
)
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import family_of, from_micros
from sitewarden.events.query import EventPage, EventQuery
from sitewarden.runtime.storage import Storage

DATA_DIR = Path(__file__).parent / ".data"
TARGET_P95_MS = 50.0
DAYS = 30
SITES = ("site-1", "site-2", "site-3")
PAGE = 100
NEXT_PAGES = 5
CHUNK = 50_000
COMMIT_EVERY = 1_000_000
CONTENT_VARIANTS = 256
BYTES_PER_EVENT = 700  # a generous estimate of table plus indexes, to check free disk
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US

# The columns the loader fills, in the order its rows hold them. Any other column of the
# events table must be nullable (it is left NULL); the loader refuses to run otherwise.
ROW_COLUMNS = (
    "id",
    "site_id",
    "zone_id",
    "device_id",
    "kind",
    "family",
    "severity",
    "occurred_at",
    "received_at",
    "attributes",
    "personal",
    "note",
    "subject_id",
)
EventRow = tuple[object, ...]
PERSONS_PER_SITE = 5_000
VEHICLES_PER_SITE = 3_000
SEAL_OVERHEAD = 1 + 12 + 16  # format byte, AES-GCM nonce and tag (privacy/sealing.py)


@dataclass(frozen=True)
class Profile:
    """One device sending one kind: everything about its rows but time and content."""

    site: str
    zone: str | None
    device: str
    kind: str
    family: str
    severity: str
    subjects: tuple[str, ...]  # whom its personal part is about; empty if it has none


@dataclass(frozen=True)
class Layout:
    """What was loaded: the queries pick their sites, devices and times from it."""

    events: int
    start_us: int
    end_us: int
    devices: dict[str, list[str]]
    families: dict[str, list[str]]


# --- loading ---------------------------------------------------------------------------------
def _subjects(prefix: str, count: int, rng: random.Random) -> tuple[str, ...]:
    return tuple(f"{prefix}-{rng.getrandbits(128):032x}" for _ in range(count))


def profiles(rng: random.Random) -> tuple[list[Profile], list[float]]:
    """Every (device, kind) pair that occurs, and how often relative to the others."""
    found: list[Profile] = []
    weights: list[float] = []
    for site in SITES:
        persons = _subjects("p", PERSONS_PER_SITE, rng)
        vehicles = _subjects("v", VEHICLES_PER_SITE, rng)
        for device in planned_devices(site):
            mix = KIND_MIX[device.kind]
            total = sum(weight for _, weight in mix)
            for kind, weight in mix:
                family = family_of(kind)
                subjects = {"access": persons, "plate": vehicles, "parking": vehicles}
                found.append(
                    Profile(
                        site,
                        device.zone_id,
                        device.device_id,
                        kind,
                        family,
                        KINDS[kind].severity.value,
                        subjects.get(family, ()),
                    )
                )
                weights.append(ACTIVITY[device.kind] * weight / total)
    return found, weights


Stored = tuple[str, bytes | None, str | None]  # attributes JSON, personal, note


def content_pool(rng: random.Random, day: str, sealed: bool) -> dict[str, list[Stored]]:
    """Stored attribute/personal/note variants per kind, drawn from the event maker.

    With ``sealed`` the personal part is opaque bytes of the size sealing makes it.
    """
    maker = EventMaker(rng, day)
    pool: dict[str, list[Stored]] = {}
    for kind in sorted({kind for mix in KIND_MIX.values() for kind, _ in mix}):
        variants = []
        for _ in range(CONTENT_VARIANTS):
            attributes, personal, note = maker.content(kind)
            stored = None if personal is None else orjson.dumps(personal)
            if stored is not None and sealed:
                stored = b"\x01" + rng.randbytes(len(stored) + SEAL_OVERHEAD - 1)
            variants.append((orjson.dumps(attributes).decode(), stored, note))
        pool[kind] = variants
    return pool


def generate_rows(
    events: int, start_us: int, rng: random.Random, sealed: bool
) -> Iterator[list[EventRow]]:
    """Chunks of rows in :data:`ROW_COLUMNS` order, oldest first."""
    found, weights = profiles(rng)
    cumulative = list(itertools.accumulate(weights))
    pool = content_pool(rng, from_micros(start_us).date().isoformat(), sealed)
    step = DAYS * DAY_US / events
    for first in range(0, events, CHUNK):
        count = min(CHUNK, events - first)
        picks = rng.choices(found, cum_weights=cumulative, k=count)
        rows: list[EventRow] = []
        for offset, pick in enumerate(picks):
            occurred = start_us + int((first + offset + rng.random()) * step)
            received = occurred + rng.randint(50_000, 2_000_000)
            attributes, personal, note = pool[pick.kind][rng.getrandbits(8)]
            subject = pick.subjects[rng.randrange(len(pick.subjects))] if pick.subjects else None
            rows.append(
                (
                    _uuid7(received // 1000, first + offset, rng),
                    pick.site,
                    pick.zone,
                    pick.device,
                    pick.kind,
                    pick.family,
                    pick.severity,
                    occurred,
                    received,
                    attributes,
                    personal,
                    note,
                    subject,
                )
            )
        yield rows


def _uuid7(ms: int, sequence: int, rng: random.Random) -> bytes:
    """The id layout ``EventIdFactory`` issues: time, version, counter, variant, random."""
    value = (ms << 80) | (0x7 << 76) | ((sequence & 0xFFF) << 64) | (0b10 << 62)
    return (value | rng.getrandbits(62)).to_bytes(16, "big")


def schema_key() -> str:
    """A short hash of the events table and its indexes as the store creates them now,
    so that a schema change (and only one that touches events) rebuilds the cache."""
    with tempfile.TemporaryDirectory(prefix="sitewarden-schema-") as folder:
        path = Path(folder) / "schema.db"
        Storage.sqlite(path).close()
        conn = sqlite3.connect(path)
        try:
            statements = conn.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'events' AND sql IS NOT NULL "
                "ORDER BY name"
            ).fetchall()
        finally:
            conn.close()
    text = "\n".join(statement for (statement,) in statements)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cache_path(events: int) -> Path:
    return DATA_DIR / f"events-{events}-{schema_key()}.db"


def cached_database(events: int, rebuild: bool) -> tuple[Path, Layout]:
    """The cached database for ``events`` rows, built first if missing."""
    path = cache_path(events)
    sidecar = path.with_suffix(".json")
    if path.exists() and sidecar.exists() and not rebuild:
        print(f"search: using cached {path} ({path.stat().st_size / 2**30:.2f} GiB)")
        return path, Layout(**json.loads(sidecar.read_text()))
    layout = build_database(path, events)
    sidecar.write_text(json.dumps(asdict(layout)))
    return path, layout


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_database(path: Path, events: int) -> Layout:
    """Load ``events`` rows into a fresh store schema, building its indexes after the load."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(DATA_DIR).free
    if free < events * BYTES_PER_EVENT:
        raise RuntimeError(
            f"{free / 2**30:.1f} GiB free under {DATA_DIR}; {events:,} events need "
            f"about {events * BYTES_PER_EVENT / 2**30:.1f} GiB. Use --events with fewer."
        )
    partial = path.with_name(path.name + ".partial")
    _remove_database(partial)
    Storage.sqlite(partial).close()  # the schema, exactly as the store creates it
    conn = sqlite3.connect(partial, isolation_level=None)
    # A cache we can rebuild: no journal, no fsync, a big page cache for the index builds.
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1048576"):
        conn.execute(f"PRAGMA {pragma}")
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
        "AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    start_us = _day_start_us(datetime.now(UTC) - timedelta(days=DAYS))
    _load_rows(conn, events, start_us, InsertPlan.for_table(conn))
    for name, sql in indexes:
        began = time.perf_counter()
        conn.execute(sql)
        print(f"  index {name} built in {time.perf_counter() - began:.0f} s")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    partial.rename(path)
    _remove_database(partial)
    return layout_for(events, start_us)


def layout_for(events: int, start_us: int) -> Layout:
    """What ``generate_rows`` produced, for picking searches that find something."""
    devices = {site: [d.device_id for d in planned_devices(site)] for site in SITES}
    families = sorted({family_of(kind) for mix in KIND_MIX.values() for kind, _ in mix})
    return Layout(
        events, start_us, start_us + DAYS * DAY_US, devices, dict.fromkeys(SITES, families)
    )


def _day_start_us(moment: datetime) -> int:
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return int(midnight.timestamp()) * 1_000_000


@dataclass(frozen=True)
class InsertPlan:
    """How generated rows map onto the events table the store created."""

    sql: str
    keep: tuple[int, ...] | None  # positions in ROW_COLUMNS to keep; None: all
    sealed: bool  # the table keeps personal parts sealed (it has subject_id)

    @classmethod
    def for_table(cls, conn: sqlite3.Connection) -> InsertPlan:
        table = {row[1]: row for row in conn.execute("PRAGMA table_info(events)")}
        unknown = [
            name
            for name, row in table.items()
            if name not in ROW_COLUMNS and row[3] and row[4] is None
        ]
        if unknown:
            raise RuntimeError(
                f"the events table has required columns {unknown} that bench/search.py does "
                "not fill; add them to ROW_COLUMNS and generate_rows"
            )
        used = [name for name in ROW_COLUMNS if name in table]
        keep = None if len(used) == len(ROW_COLUMNS) else tuple(map(ROW_COLUMNS.index, used))
        marks = ", ".join("?" * len(used))
        sql = f"INSERT INTO events ({', '.join(used)}) VALUES ({marks})"
        return cls(sql, keep, "subject_id" in table)

    def shape(self, rows: list[EventRow]) -> list[EventRow]:
        if self.keep is None:
            return rows
        return [tuple(row[index] for index in self.keep) for row in rows]


def _load_rows(conn: sqlite3.Connection, events: int, start_us: int, plan: InsertPlan) -> None:
    print(f"search: loading {events:,} events into a fresh database (once; then cached)")
    began = time.perf_counter()
    loaded = 0
    conn.execute("BEGIN")
    for rows in generate_rows(events, start_us, random.Random(events), plan.sealed):
        conn.executemany(plan.sql, plan.shape(rows))
        loaded += len(rows)
        if loaded % COMMIT_EVERY == 0 or loaded == events:
            conn.execute("COMMIT")
            elapsed = time.perf_counter() - began
            remaining = (events - loaded) * elapsed / loaded
            print(
                f"  {loaded:>12,} events  {loaded / elapsed:>9,.0f} ev/s  "
                f"{elapsed:>6.0f} s elapsed  ~{remaining:.0f} s to go",
                flush=True,
            )
            if loaded < events:
                conn.execute("BEGIN")


# --- querying -----------------------------------------------------------------------------------
Cursor = tuple[datetime, UUID]


@dataclass
class Timings:
    """Latencies of one kind of query, and how many events the pages held."""

    seconds: list[float] = field(default_factory=list)
    rows: int = 0

    def figures(self, name: str) -> list[Figure]:
        p95 = percentile(self.seconds, 0.95) * 1000
        pages = len(self.seconds)
        return [
            Figure(f"{name} p50", percentile(self.seconds, 0.50) * 1000, "ms"),
            Figure(f"{name} p95", p95, "ms", f"<= {TARGET_P95_MS:.0f} ms", p95 <= TARGET_P95_MS),
            Figure(f"{name} max", max(self.seconds, default=0.0) * 1000, "ms"),
            Figure(
                f"{name} events a page", self.rows / pages if pages else 0.0, f"({pages} pages)"
            ),
        ]


def timed(store: Storage, query: EventQuery, timings: Timings) -> Cursor | None:
    """Run one query through the store, timing it; the cursor to the next page."""
    began = time.perf_counter()
    page = store.events.query_events(query)
    timings.seconds.append(time.perf_counter() - began)
    timings.rows += len(page.events)
    check_page(query, page)
    return page.next_cursor


def check_page(query: EventQuery, page: EventPage) -> None:
    """The page answers the query: its filters hold and it runs newest first."""
    keys = [(event.occurred_at, event.id.bytes) for event in page.events]
    if keys != sorted(keys, reverse=True):
        raise RuntimeError(f"page not newest first for {query}")
    for event in page.events:
        wrong = (
            event.site_id != query.site_id
            or (query.device_id is not None and event.device_id != query.device_id)
            or (query.family is not None and event.family != query.family)
            or (query.since is not None and event.occurred_at < query.since)
            or (query.until is not None and event.occurred_at >= query.until)
        )
        if wrong:
            raise RuntimeError(f"event {event.id} does not match {query}")


def last_hour(layout: Layout, rng: random.Random) -> EventQuery:
    site = rng.choice(list(layout.devices))
    now = rng.randint(layout.start_us + HOUR_US, layout.end_us)
    return EventQuery(
        site_id=site, since=from_micros(now - HOUR_US), until=from_micros(now), limit=PAGE
    )


def device_day(layout: Layout, rng: random.Random) -> EventQuery:
    site = rng.choice(list(layout.devices))
    since = rng.randint(layout.start_us, layout.end_us - DAY_US)
    return EventQuery(
        site_id=site,
        device_id=rng.choice(layout.devices[site]),
        since=from_micros(since),
        until=from_micros(since + DAY_US),
        limit=PAGE,
    )


def family_week(layout: Layout, rng: random.Random) -> EventQuery:
    site = rng.choice(list(layout.devices))
    since = rng.randint(layout.start_us, layout.end_us - 7 * DAY_US)
    return EventQuery(
        site_id=site,
        family=rng.choice(layout.families[site]),
        since=from_micros(since),
        until=from_micros(since + 7 * DAY_US),
        limit=PAGE,
    )


def page_through(store: Storage, query: EventQuery, first: Timings, later: Timings) -> None:
    """The first page, then up to ``NEXT_PAGES`` more by keyset cursor."""
    cursor = timed(store, query, first)
    for _ in range(NEXT_PAGES):
        if cursor is None:
            return
        cursor = timed(store, replace(query, after=cursor), later)


@dataclass(frozen=True)
class SearchResult:
    hour: Timings
    device: Timings
    family_first: Timings
    family_next: Timings


def time_queries(path: Path, layout: Layout, picks: int, seed: int = 11) -> SearchResult:
    """``picks`` random searches of each kind after a short untimed warm-up."""
    store = Storage.sqlite(path)
    try:
        return time_store_queries(store, layout, picks, seed)
    finally:
        store.close()


def time_store_queries(store: Storage, layout: Layout, picks: int, seed: int = 11) -> SearchResult:
    """The searches through any store (``bench/postgres.py`` times PostgreSQL with it)."""
    rng = random.Random(seed)
    result = SearchResult(Timings(), Timings(), Timings(), Timings())
    if store.events.count_events() != layout.events:
        raise RuntimeError(
            f"the store holds {store.events.count_events():,} events, not {layout.events:,}"
        )
    warm = Timings()
    for _ in range(20):
        timed(store, last_hour(layout, rng), warm)
    for _ in range(picks):
        timed(store, last_hour(layout, rng), result.hour)
        timed(store, device_day(layout, rng), result.device)
        page_through(store, family_week(layout, rng), result.family_first, result.family_next)
    return result


# --- report ---------------------------------------------------------------------------------------
def run(events: int, picks: int, rebuild: bool) -> bool:
    """Build or reuse the database, time the searches and print the table."""
    path, layout = cached_database(events, rebuild)
    print(f"search: {picks} random picks of each query, {PAGE} events a page")
    result = time_queries(path, layout, picks)
    table = [
        Figure("events in database", layout.events, ""),
        Figure("database size", path.stat().st_size / 2**30, "GiB"),
        *result.hour.figures("(a) site, last hour"),
        *result.device.figures("(b) site + device, one day"),
        *result.family_first.figures("(c) site + family, week: 1st page"),
        *result.family_next.figures("(c) ... next pages by cursor"),
    ]
    print_table(f"search through EventTables.query_events ({layout.events:,} events)", table)
    return all(figure.met is not False for figure in table)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000, help="events to load")
    parser.add_argument("--picks", type=int, default=200, help="random picks of each query")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached database")
    parser.add_argument("--quick", action="store_true", help="200,000 events, 50 picks")
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.picks = 200_000, 50
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print_machine()
    try:
        run(args.events, args.picks, args.rebuild)
    except RuntimeError as exc:
        print(f"search: FAILED: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
