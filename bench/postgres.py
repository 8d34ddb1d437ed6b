"""The PostgreSQL backend: HTTP bulk ingest (COPY, sealing on) and search latency.

Starts a PostgreSQL cluster from Debian's binaries on this machine, durable (fsync and
synchronous commit on, the defaults), on a free loopback port. Then:

1. ingest: the same clients, batches and checks as ``bench/ingest.py`` against a real
   ``sitewarden serve`` whose database is that PostgreSQL (personal fields sealed;
   each batch lands by COPY in the writer's transaction);
2. search: loads N events (the rows ``bench/search.py`` generates, 30 days, 3 sites)
   by COPY into the partitioned events table, builds the indexes, ANALYZEs, and times
   the same operator searches through ``EventTables.query_events``.

    python -m bench.postgres [--seconds 20] [--events 10000000] [--picks 200] [--quick]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.postgres_server import PostgresServer, start_postgres

from bench import ingest, search
from bench.common import Figure, percentile, print_machine, print_table
from sitewarden.db.database import EVENT_INSERT_COLUMNS
from sitewarden.db.postgres import _EVENT_COPY_TYPES
from sitewarden.db.postgres_partitions import ensure_week_partitions
from sitewarden.runtime.storage import Storage

TARGET_EVENTS_PER_S = 15_000
# A server sized for a small dedicated machine, not the 128 MB default.
SERVER_SETTINGS = ("shared_buffers=512MB", "max_wal_size=4GB", "maintenance_work_mem=256MB")
SECONDARY_INDEXES = (
    "events_site_time",
    "events_device_time",
    "events_family_time",
    "events_time",
    "events_subject_time",
)


def run_ingest(server: PostgresServer, config: ingest.IngestConfig) -> list[Figure]:
    server.execute("CREATE DATABASE bench_ingest")
    with tempfile.TemporaryDirectory(prefix="sitewarden-bench-pg-") as folder:
        http = ingest.run_http(Path(folder), config, server.url("bench_ingest"))
    print(f"  HTTP: {http.accepted:,} events acknowledged in {http.seconds:.1f} s")
    for problem in http.problems[:10]:
        print(f"  problem: {problem}")
    stored_ok = http.stored == http.accepted + http.warmup_accepted
    return [
        Figure(
            "HTTP events/s acknowledged (PostgreSQL, COPY, sealed)",
            http.events_per_s,
            "ev/s",
            f">= {TARGET_EVENTS_PER_S:,}",
            http.events_per_s >= TARGET_EVENTS_PER_S,
        ),
        Figure("request latency p50", percentile(http.latencies_s, 0.50) * 1000, "ms"),
        Figure("request latency p99", percentile(http.latencies_s, 0.99) * 1000, "ms"),
        Figure("server CPU (1.0 = one core)", http.server_cores, "cores"),
        Figure("client CPU (same machine)", http.client_cores, "cores"),
        Figure("other CPU meanwhile (PostgreSQL...)", http.other_cores, "cores"),
        Figure("events rejected", http.rejected, "", "0", http.rejected == 0),
        Figure("events in database", http.stored, "", "= acknowledged", stored_ok),
    ]


def load_events(store: Storage, events: int) -> search.Layout:
    """COPY ``events`` generated rows in, then build the secondary indexes and ANALYZE."""
    start_us = search._day_start_us(datetime.now(UTC) - timedelta(days=search.DAYS))
    began = time.perf_counter()
    with store.db._pool.connection() as raw:
        for name in SECONDARY_INDEXES:
            raw.execute(f"DROP INDEX {name}")  # type: ignore[arg-type]
        loaded = 0
        for rows in search.generate_rows(events, start_us, random.Random(events), sealed=True):
            with raw.transaction():
                ensure_week_partitions(raw, [(row[4], row[7]) for row in rows])  # type: ignore[misc]
                with (
                    raw.cursor() as cursor,
                    cursor.copy(
                        f"COPY events ({EVENT_INSERT_COLUMNS}) FROM STDIN (FORMAT BINARY)"
                    ) as copy,
                ):
                    copy.set_types(_EVENT_COPY_TYPES)
                    for row in rows:
                        copy.write_row((*row, None))  # no media
            loaded += len(rows)
            if loaded % 1_000_000 == 0 or loaded == events:
                elapsed = time.perf_counter() - began
                print(f"  {loaded:>12,} events  {loaded / elapsed:>9,.0f} ev/s", flush=True)
        loading = time.perf_counter() - began
        indexing = time.perf_counter()
        _create_indexes(raw)
        raw.execute("ANALYZE events")
        print(f"  indexes and ANALYZE in {time.perf_counter() - indexing:.0f} s")
    print(f"search: loaded {events:,} events by COPY in {loading:.0f} s")
    return search.layout_for(events, start_us)


def _create_indexes(raw: object) -> None:
    """The secondary indexes exactly as the PostgreSQL migrations declare them."""
    from sitewarden.db.migrations import load_migrations, split_sql

    for migration in load_migrations("postgres"):
        for statement in split_sql(migration.sql):
            if any(f"INDEX {name} " in statement for name in SECONDARY_INDEXES):
                began = time.perf_counter()
                raw.execute(statement)  # type: ignore[attr-defined]
                print(f"  {statement.split(' ON ')[0]} in {time.perf_counter() - began:.0f} s")


def run_search(server: PostgresServer, events: int, picks: int) -> list[Figure]:
    server.execute("CREATE DATABASE bench_search")
    store = Storage.postgres(server.url("bench_search"))
    try:
        layout = load_events(store, events)
        print(f"search: {picks} random picks of each query, {search.PAGE} events a page")
        result = search.time_store_queries(store, layout, picks)
        size = store.db.read_one("SELECT pg_database_size(current_database())")[0]
    finally:
        store.close()
    return [
        Figure("events in database", layout.events, ""),
        Figure("database size", size / 2**30, "GiB"),
        *result.hour.figures("(a) site, last hour"),
        *result.device.figures("(b) site + device, one day"),
        *result.family_first.figures("(c) site + family, week: 1st page"),
        *result.family_next.figures("(c) ... next pages by cursor"),
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="timed ingest (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--events", type=int, default=10_000_000, help="events to search")
    parser.add_argument("--picks", type=int, default=200, help="random picks of each query")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--quick", action="store_true", help="5 s ingest, 200,000 events")
    parser.add_argument(
        "--profile", type=Path, help="record the server with py-spy (.svg, or .txt stacks)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.events, args.picks = 5.0, 200_000, 50
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print_machine()
    server = start_postgres(durable=True, settings=SERVER_SETTINGS)
    ok = True
    try:
        if not args.skip_ingest:
            config = replace(
                ingest.IngestConfig(),
                seconds=args.seconds,
                clients=args.clients,
                profile=args.profile,
            )
            table = run_ingest(server, config)
            print_table("ingest over HTTP (sitewarden serve, PostgreSQL, durable)", table)
            ok = all(f.met is not False for f in table[-2:])  # correctness, not speed
        if not args.skip_search:
            table = run_search(server, args.events, args.picks)
            print_table(f"search through EventTables.query_events ({args.events:,})", table)
    except RuntimeError as exc:
        print(f"postgres: FAILED: {exc}")
        return 1
    finally:
        server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
