"""Ingest throughput: NDJSON batches over HTTP to a real ``sitewarden serve`` on SQLite.

Several client threads, each a site gateway relaying for its devices, post batches of
1,000 realistic events for a fixed time. Only ids the server returns in ``accepted``
count. Then the very rows the server stored are copied into a fresh SQLite file with
``executemany`` (the store's schema and PRAGMAs, 1,000 rows a transaction): the
ceiling the HTTP path is compared with.

Sealing cannot be turned off (only sealed bytes reach a store), so "sealing off" is a
second pass on a fresh server with the same events stripped of their personal parts:
nothing to seal, no subjects to look up. The issue holds sealed ingest to 0.7 of it.

    python -m bench.ingest [--seconds 20] [--clients 4] [--batch 1000] [--quick]
    python -m bench.ingest --profile server.svg   # py-spy the server (figures skewed)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import (
    INGEST_PATH,
    NDJSON,
    EventMaker,
    Figure,
    ProcessWatch,
    SiteFleet,
    connect_like_store,
    fresh_settings,
    machine_busy_seconds,
    percentile,
    planned_devices,
    print_machine,
    print_table,
    register_site,
    running_server,
)
from sitewarden.config import Settings
from sitewarden.events.model import family_of
from sitewarden.runtime.storage import Storage, open_storage

TARGET_EVENTS_PER_S = 20_000
TARGET_RATIO = 0.4
TARGET_SEALED_RATIO = 0.7
TARGET_RSS_MB = 300
BODIES_PER_SITE = 8
WARMUP_BATCHES = 2
RAW_TRANSACTION = 1_000
TIME_MARK = "@TIME@"


@dataclass(frozen=True)
class IngestConfig:
    seconds: float = 20.0
    clients: int = 4
    batch: int = 1_000
    sites: int = 3
    seed: int = 7
    profile: Path | None = None
    personal: bool = True  # False: the same events without personal parts (nothing sealed)


@dataclass(frozen=True)
class Batch:
    """One NDJSON body, prepared once, stamped with fresh event times at each send.

    Devices send events as they happen, so each request carries times just before
    it; reusing fixed times would make every insert land mid-index instead.
    """

    site: SiteFleet
    lines: list[tuple[bytes, bytes]]  # each event's JSON around its time value
    ages_us: list[int]  # how long before the send each event happened

    def body(self) -> bytes:
        now = datetime.now(UTC)
        parts: list[bytes] = []
        for (before, after), age in zip(self.lines, self.ages_us, strict=True):
            parts += (before, (now - timedelta(microseconds=age)).isoformat().encode(), after)
        return b"".join(parts)


@dataclass
class ClientTally:
    latencies_s: list[float] = field(default_factory=list)
    warmup_accepted: int = 0
    accepted: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class HttpResult:
    seconds: float
    accepted: int
    warmup_accepted: int
    rejected: int
    latencies_s: list[float]
    peak_rss_bytes: int
    server_cores: float
    client_cores: float
    other_cores: float  # CPU other processes on the machine used meanwhile
    stored: int
    database: Path | None  # the SQLite file; None on PostgreSQL
    problems: list[str]

    @property
    def events_per_s(self) -> float:
        return self.accepted / self.seconds


# --- the events posted ------------------------------------------------------------------------
def make_introductions(fleets: Sequence[SiteFleet], size: int, rng: random.Random) -> list[Batch]:
    """Bodies that show each site its enrolled people and regular vehicles once."""
    maker = EventMaker(rng)
    now = datetime.now(UTC)
    batches = []
    for fleet in fleets:
        events = maker.introductions(fleet.devices, now)
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            lines = [_split_at_time(event) for event in chunk]
            batches.append(Batch(fleet, lines, _ages(rng, len(chunk))))
    return batches


def make_batches(
    fleets: Sequence[SiteFleet], size: int, rng: random.Random, personal: bool = True
) -> tuple[list[Batch], Counter[str]]:
    """``BODIES_PER_SITE`` NDJSON bodies per site, and how many events of each family
    they hold (``personal``: how many carry a personal part). With ``personal=False``
    the same events (same seed) leave their personal parts out."""
    maker = EventMaker(rng)
    now = datetime.now(UTC)
    batches = []
    mix: Counter[str] = Counter()
    for fleet in fleets:
        weights = maker.device_weights(fleet.devices)
        for _ in range(BODIES_PER_SITE):
            devices = rng.choices(fleet.devices, weights, k=size)
            events = [maker.posted(device, now) for device in devices]
            if not personal:
                for event in events:
                    event.pop("personal", None)
            mix.update(family_of(event["kind"]) for event in events)
            mix["personal"] += sum("personal" in event for event in events)
            batches.append(Batch(fleet, [_split_at_time(e) for e in events], _ages(rng, size)))
    return batches, mix


def _split_at_time(event: dict[str, Any]) -> tuple[bytes, bytes]:
    line = orjson.dumps({**event, "time": TIME_MARK}) + b"\n"
    before, after = line.split(TIME_MARK.encode())
    return before, after


def _ages(rng: random.Random, size: int) -> list[int]:
    """Newest last: most events of the last two seconds, one in a hundred up to 5 min late."""
    ages = [
        rng.randint(0, 300_000_000) if rng.random() < 0.01 else rng.randint(0, 2_000_000)
        for _ in range(size)
    ]
    return sorted(ages, reverse=True)


def describe_mix(mix: Counter[str]) -> str:
    total = sum(count for family, count in mix.items() if family != "personal")
    shares = [
        f"{family} {100 * count / total:.{0 if count / total >= 0.01 else 1}f}%"
        for family, count in mix.most_common()
        if family != "personal"
    ]
    return ", ".join(shares) + f"; {100 * mix['personal'] / total:.0f}% with personal fields"


# --- posting over HTTP ------------------------------------------------------------------------
def _post(client: httpx.Client, body: bytes, tally: ClientTally, *, timed: bool) -> None:
    started = time.perf_counter()
    response = client.post(INGEST_PATH, content=body, headers={"content-type": NDJSON})
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 207):
        tally.problems.append(f"HTTP {response.status_code}: {response.text[:300]}")
        return
    answer = orjson.loads(response.content)
    accepted = len(answer["accepted"])
    tally.rejected += len(answer["rejected"])
    tally.problems.extend(f"rejected: {r}" for r in answer["rejected"][:3])
    if timed:
        tally.latencies_s.append(elapsed)
        tally.accepted += accepted
    else:
        tally.warmup_accepted += accepted


def _client_loop(
    url: str, batches: list[Batch], seconds: float, start: threading.Barrier, tally: ClientTally
) -> None:
    headers = {"Authorization": f"Bearer {batches[0].site.gateway_token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
        for batch in batches[:WARMUP_BATCHES]:
            _post(client, batch.body(), tally, timed=False)
        start.wait()
        deadline = time.monotonic() + seconds
        turn = 0
        while time.monotonic() < deadline and len(tally.problems) < 10:
            _post(client, batches[turn % len(batches)].body(), tally, timed=True)
            turn += 1


def introduce(url: str, batches: Sequence[Batch]) -> ClientTally:
    """Post the introductions, one site after the other, untimed."""
    tally = ClientTally()
    for batch in batches:
        headers = {"Authorization": f"Bearer {batch.site.gateway_token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            _post(client, batch.body(), tally, timed=False)
    return tally


def post_for(
    url: str, batches: list[Batch], config: IngestConfig
) -> tuple[float, list[ClientTally]]:
    """Run the clients; the time from the common start until the last answer arrived."""
    sites = sorted({batch.site.site_id for batch in batches})
    start = threading.Barrier(config.clients + 1)
    tallies = [ClientTally() for _ in range(config.clients)]
    threads = []
    for index, tally in enumerate(tallies):
        site = sites[index % len(sites)]
        own = [batch for batch in batches if batch.site.site_id == site]
        own = own[index // len(sites) :] + own[: index // len(sites)]  # clients of a site differ
        args = (url, own, config.seconds, start, tally)
        threads.append(threading.Thread(target=_client_loop, args=args, name=f"client-{index}"))
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, tallies


def run_http(root: Path, config: IngestConfig, database_url: str | None = None) -> HttpResult:
    settings = fresh_settings(root, database_url)
    fleets = register_fleets(settings, config.sites)
    batches, mix = make_batches(fleets, config.batch, random.Random(config.seed), config.personal)
    print(f"  event mix: {describe_mix(mix)}")
    introductions = (
        make_introductions(fleets, config.batch, random.Random(config.seed + 1))
        if config.personal
        else []
    )
    with running_server(settings, root / "server.log") as server:
        known = introduce(server.url, introductions)
        print(f"  introduced {known.warmup_accepted:,} people and vehicles (untimed)")
        busy_before = machine_busy_seconds()
        with (
            ProcessWatch(server.pid, with_children=True) as watch,
            ProcessWatch(os.getpid()) as clients,
            profiling(server.pid, config.profile),
        ):
            seconds, tallies = post_for(server.url, batches, config)
        machine_cores = (machine_busy_seconds() - busy_before) / watch.wall_s
        log_tail = server.log_tail(1500)
    problems = [problem for tally in (known, *tallies) for problem in tally.problems]
    if problems:
        problems.append("server log tail:\n" + log_tail)
    return HttpResult(
        seconds=seconds,
        accepted=sum(t.accepted for t in tallies),
        warmup_accepted=sum(t.warmup_accepted for t in (known, *tallies)),
        rejected=sum(t.rejected for t in (known, *tallies)),
        latencies_s=[latency for t in tallies for latency in t.latencies_s],
        peak_rss_bytes=watch.peak_bytes,
        server_cores=watch.cores,
        client_cores=clients.cores,
        other_cores=max(0.0, machine_cores - watch.cores - clients.cores),
        stored=count_stored(settings),
        database=None if settings.uses_postgres else settings.sqlite_path,
        problems=problems,
    )


@contextmanager
def profiling(pid: int, output: Path | None) -> Iterator[None]:
    """Sample ``pid`` with py-spy into ``output`` (.svg flame graph, .txt collapsed stacks)."""
    if output is None:
        yield
        return
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        raise RuntimeError("--profile needs py-spy: pip install py-spy")
    kind = "raw" if output.suffix == ".txt" else "flamegraph"
    command = [py_spy, "record", "--threads", "--nonblocking", "--rate", "250"]
    command += ["--format", kind, "--output", str(output.resolve()), "--pid", str(pid)]
    recorder = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        _, errors = recorder.communicate(timeout=60)
        if recorder.returncode not in (0, -2, 130):
            print(f"  py-spy failed: {errors.decode(errors='replace')[-500:]}")
        else:
            print(f"  server profile written to {output}")


def register_fleets(settings: Settings, sites: int) -> list[SiteFleet]:
    store = open_storage(settings)
    try:
        return [register_site(store, f"site-{number}") for number in range(1, sites + 1)]
    finally:
        store.close()


def count_stored(settings: Settings) -> int:
    store = open_storage(settings)
    try:
        return store.events.count_events()
    finally:
        store.close()


# --- the raw ceiling --------------------------------------------------------------------------
@dataclass(frozen=True)
class RawResult:
    rows: int
    seconds: float
    commit_seconds: float  # of which COMMIT, where synchronous=FULL waits for the disk

    @property
    def events_per_s(self) -> float:
        return self.rows / self.seconds


def run_raw(root: Path, source: Path) -> RawResult:
    """Copy every event row of ``source`` into a fresh store, 1,000 rows a transaction.

    The rows are the ones the server built and stored, so they are shaped exactly as
    the store shapes them; only the ``executemany`` and ``COMMIT`` calls are timed.
    """
    path = root / "raw" / "raw.db"
    Storage.sqlite(path).close()  # the schema, exactly as the store creates it
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    columns = ", ".join(row[1] for row in reader.execute("PRAGMA table_info(events)"))
    marks = ", ".join("?" * len(columns.split(", ")))
    insert = f"INSERT INTO events ({columns}) VALUES ({marks})"
    rows = reader.execute(f"SELECT {columns} FROM events ORDER BY id")
    writer = connect_like_store(path)
    spent = committing = 0.0
    inserted = 0
    try:
        while chunk := rows.fetchmany(RAW_TRANSACTION):
            began = time.perf_counter()
            writer.execute("BEGIN IMMEDIATE")
            writer.executemany(insert, chunk)
            commit_began = time.perf_counter()
            writer.execute("COMMIT")
            ended = time.perf_counter()
            spent += ended - began
            committing += ended - commit_began
            inserted += len(chunk)
        stored = writer.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        writer.close()
        reader.close()
    if stored != inserted:
        raise RuntimeError(f"raw insert stored {stored} rows, expected {inserted}")
    return RawResult(inserted, spent, committing)


# --- report -----------------------------------------------------------------------------------
def figures(http: HttpResult, raw: RawResult, unsealed: HttpResult) -> list[Figure]:
    ratio = http.events_per_s / raw.events_per_s
    sealed_ratio = http.events_per_s / unsealed.events_per_s
    rss_mb = http.peak_rss_bytes / 2**20
    stored_ok = http.stored == http.accepted + http.warmup_accepted
    return [
        Figure(
            "HTTP events/s acknowledged",
            http.events_per_s,
            "ev/s",
            f">= {TARGET_EVENTS_PER_S:,}",
            http.events_per_s >= TARGET_EVENTS_PER_S,
        ),
        Figure("raw executemany events/s", raw.events_per_s, "ev/s"),
        Figure("  raw time spent in COMMIT", 100 * raw.commit_seconds / raw.seconds, "%"),
        Figure("ratio HTTP / raw", ratio, "", f">= {TARGET_RATIO}", ratio >= TARGET_RATIO),
        Figure("HTTP events/s, personal parts left out", unsealed.events_per_s, "ev/s"),
        Figure(
            "ratio sealed / nothing to seal",
            sealed_ratio,
            "",
            f">= {TARGET_SEALED_RATIO}",
            sealed_ratio >= TARGET_SEALED_RATIO,
        ),
        Figure("request latency p50", percentile(http.latencies_s, 0.50) * 1000, "ms"),
        Figure("request latency p99", percentile(http.latencies_s, 0.99) * 1000, "ms"),
        Figure("server CPU, writer process in (1.0 = one core)", http.server_cores, "cores"),
        Figure("client CPU (same machine)", http.client_cores, "cores"),
        Figure("other processes' CPU meanwhile", http.other_cores, "cores"),
        Figure(
            "server peak RSS, writer process in",
            rss_mb,
            "MB",
            f"<= {TARGET_RSS_MB}",
            rss_mb <= TARGET_RSS_MB,
        ),
        Figure("events acknowledged (timed)", http.accepted, ""),
        Figure("events rejected", http.rejected, "", "0", http.rejected == 0),
        Figure("events in database", http.stored, "", "= acknowledged", stored_ok),
        Figure(
            "events in database, pass without personal parts",
            unsealed.stored,
            "",
            "= acknowledged",
            _stored_all(unsealed),
        ),
    ]


def _stored_all(http: HttpResult) -> bool:
    return http.rejected == 0 and http.stored == http.accepted + http.warmup_accepted


def run(config: IngestConfig) -> bool:
    """Run the ingest benchmark, print its table; False if a correctness check failed."""
    print(
        f"ingest: {config.clients} clients, {config.batch}-event NDJSON batches, "
        f"{config.seconds:.0f} s, {config.sites} sites each with a gateway relaying for "
        f"{len(planned_devices('site'))} devices"
    )
    with tempfile.TemporaryDirectory(prefix="sitewarden-bench-ingest-") as folder:
        root = Path(folder)
        http = run_http(root, config)
        print(f"  HTTP: {http.accepted:,} events acknowledged in {http.seconds:.1f} s")
        if http.accepted == 0:
            raise RuntimeError("no event was acknowledged: " + "; ".join(http.problems[:3]))
        assert http.database is not None
        raw = run_raw(root, http.database)
        print(f"  raw:  {raw.rows:,} rows inserted in {raw.seconds:.1f} s of SQLite time")
        print("  again on a fresh server, the same events without personal parts:")
        (root / "unsealed").mkdir()
        unsealed = run_http(root / "unsealed", replace(config, personal=False, profile=None))
        print(f"  HTTP: {unsealed.accepted:,} events acknowledged in {unsealed.seconds:.1f} s")
    table = figures(http, raw, unsealed)
    print_table("ingest over HTTP (sitewarden serve, SQLite)", table)
    for problem in (http.problems + unsealed.problems)[:10]:
        print(f"  problem: {problem}")
    return _stored_all(http) and _stored_all(unsealed) and not (http.problems + unsealed.problems)


def parse_args(argv: Sequence[str] | None) -> IngestConfig:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="timed posting (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--batch", type=int, default=1_000, help="events per request")
    parser.add_argument("--sites", type=int, default=3, help="sites, one gateway each")
    parser.add_argument("--quick", action="store_true", help="a short run (5 s) to check it works")
    parser.add_argument(
        "--profile", type=Path, help="record the server with py-spy (.svg, or .txt stacks)"
    )
    args = parser.parse_args(argv)
    return IngestConfig(
        seconds=5.0 if args.quick else args.seconds,
        clients=args.clients,
        batch=args.batch,
        sites=args.sites,
        profile=args.profile,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    print_machine()
    try:
        return 0 if run(config) else 1
    except RuntimeError as exc:
        print(f"ingest: FAILED: {exc}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
