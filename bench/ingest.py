"""Ingest throughput: NDJSON batches over HTTP to a real ``sitewarden serve`` on SQLite.

Several client threads, each a site gateway relaying for its devices, post batches of
1,000 realistic events for a fixed time. Only ids the server returns in ``accepted``
count. The same events are then inserted straight into a fresh SQLite file with
``executemany`` (the store's schema, PRAGMAs and row shape, 1,000 rows a transaction)
to give the ceiling the HTTP path is compared with.

    python -m bench.ingest [--seconds 20] [--clients 4] [--batch 1000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.common import (
    INGEST_PATH,
    INSERT_EVENT_SQL,
    NDJSON,
    DeviceRef,
    EventMaker,
    Figure,
    ProcessWatch,
    SiteFleet,
    connect_like_store,
    event_row,
    fresh_settings,
    percentile,
    print_machine,
    print_table,
    register_site,
    running_server,
)
from sitewarden.config import Settings
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.store import open_store
from sitewarden.store.sqlite import SQLiteStore

TARGET_EVENTS_PER_S = 20_000
TARGET_RATIO = 0.4
TARGET_RSS_MB = 300
BODIES_PER_SITE = 8
WARMUP_BATCHES = 2
RAW_TRANSACTION = 1_000


@dataclass(frozen=True)
class IngestConfig:
    seconds: float = 20.0
    clients: int = 4
    batch: int = 1_000
    sites: int = 3
    seed: int = 7


@dataclass(frozen=True)
class Batch:
    """One posted body and the events in it, kept to insert the same rows raw."""

    site: SiteFleet
    events: list[dict[str, Any]]
    body: bytes


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
    stored: int
    problems: list[str]

    @property
    def events_per_s(self) -> float:
        return self.accepted / self.seconds


# --- the events posted ------------------------------------------------------------------------
def make_batches(fleets: Sequence[SiteFleet], size: int, rng: random.Random) -> list[Batch]:
    """``BODIES_PER_SITE`` NDJSON bodies per site, events of the last two minutes in order."""
    maker = EventMaker(rng)
    now = datetime.now(UTC)
    batches = []
    for fleet in fleets:
        weights = maker.device_weights(fleet.devices)
        for _ in range(BODIES_PER_SITE):
            devices = rng.choices(fleet.devices, weights, k=size)
            moments = sorted(now - timedelta(seconds=rng.uniform(0, 120)) for _ in range(size))
            events = [maker.posted(d, at) for d, at in zip(devices, moments, strict=True)]
            body = b"\n".join(orjson.dumps(event) for event in events) + b"\n"
            batches.append(Batch(fleet, events, body))
    return batches


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
            _post(client, batch.body, tally, timed=False)
        start.wait()
        deadline = time.monotonic() + seconds
        turn = 0
        while time.monotonic() < deadline and len(tally.problems) < 10:
            _post(client, batches[turn % len(batches)].body, tally, timed=True)
            turn += 1


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


def run_http(root: Path, config: IngestConfig) -> tuple[HttpResult, list[Batch]]:
    settings = fresh_settings(root)
    fleets = register_fleets(settings, config.sites)
    batches = make_batches(fleets, config.batch, random.Random(config.seed))
    with running_server(settings, root / "server.log") as server:
        with ProcessWatch(server.pid) as watch, ProcessWatch(os.getpid()) as clients:
            seconds, tallies = post_for(server.url, batches, config)
        log_tail = server.log_tail(1500)
    stored = count_stored(settings)
    problems = [problem for tally in tallies for problem in tally.problems]
    if problems:
        problems.append("server log tail:\n" + log_tail)
    result = HttpResult(
        seconds=seconds,
        accepted=sum(t.accepted for t in tallies),
        warmup_accepted=sum(t.warmup_accepted for t in tallies),
        rejected=sum(t.rejected for t in tallies),
        latencies_s=[latency for t in tallies for latency in t.latencies_s],
        peak_rss_bytes=watch.peak_bytes,
        server_cores=watch.cores,
        client_cores=clients.cores,
        stored=stored,
        problems=problems,
    )
    return result, batches


def register_fleets(settings: Settings, sites: int) -> list[SiteFleet]:
    store = open_store(settings)
    try:
        return [register_site(store, f"site-{number}") for number in range(1, sites + 1)]
    finally:
        store.close()


def count_stored(settings: Settings) -> int:
    store = open_store(settings)
    try:
        return store.count_events()
    finally:
        store.close()


# --- the raw ceiling --------------------------------------------------------------------------
def _stored_event(
    posted: dict[str, Any], device: DeviceRef, event_id: Any, received: datetime
) -> Event:
    spec = KINDS[posted["kind"]]
    return Event(
        id=event_id,
        site_id=device.site_id,
        zone_id=device.zone_id,
        device_id=device.device_id,
        kind=spec.name,
        severity=spec.severity,
        occurred_at=datetime.fromisoformat(posted["time"]),
        received_at=received,
        attributes=posted["attributes"],
        personal=posted.get("personal"),
        note=posted.get("note"),
    )


def raw_rows(batch: Batch, ids: EventIdFactory) -> list[tuple[Any, ...]]:
    """The rows the store would write for one batch, with fresh ids."""
    devices = {device.device_id: device for device in batch.site.devices}
    received = datetime.now(UTC)
    event_ids = ids.new_batch(len(batch.events))
    return [
        event_row(_stored_event(posted, devices[posted["device"]], event_id, received))
        for posted, event_id in zip(batch.events, event_ids, strict=True)
    ]


@dataclass(frozen=True)
class RawResult:
    rows: int
    seconds: float
    commit_seconds: float  # of which COMMIT, where synchronous=FULL waits for the disk

    @property
    def events_per_s(self) -> float:
        return self.rows / self.seconds


def run_raw(root: Path, batches: list[Batch], total: int) -> RawResult:
    """Insert ``total`` rows in transactions of 1,000, timing only the SQLite calls."""
    path = root / "raw" / "raw.db"
    SQLiteStore(path).close()  # the schema, exactly as the store creates it
    conn = connect_like_store(path)
    ids = EventIdFactory()
    spent = committing = 0.0
    inserted = turn = 0
    try:
        while inserted < total:
            rows = raw_rows(batches[turn % len(batches)], ids)[: total - inserted]
            turn += 1
            for start in range(0, len(rows), RAW_TRANSACTION):
                chunk = rows[start : start + RAW_TRANSACTION]
                began = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(INSERT_EVENT_SQL, chunk)
                commit_began = time.perf_counter()
                conn.execute("COMMIT")
                ended = time.perf_counter()
                spent += ended - began
                committing += ended - commit_began
                inserted += len(chunk)
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        conn.close()
    if stored != inserted:
        raise RuntimeError(f"raw insert stored {stored} rows, expected {inserted}")
    return RawResult(inserted, spent, committing)


# --- report -----------------------------------------------------------------------------------
def figures(http: HttpResult, raw: RawResult) -> list[Figure]:
    ratio = http.events_per_s / raw.events_per_s
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
        Figure("request latency p50", percentile(http.latencies_s, 0.50) * 1000, "ms"),
        Figure("request latency p99", percentile(http.latencies_s, 0.99) * 1000, "ms"),
        Figure("server CPU (1.0 = one core)", http.server_cores, "cores"),
        Figure("client CPU (same machine)", http.client_cores, "cores"),
        Figure("server peak RSS", rss_mb, "MB", f"<= {TARGET_RSS_MB}", rss_mb <= TARGET_RSS_MB),
        Figure("events acknowledged (timed)", http.accepted, ""),
        Figure("events rejected", http.rejected, "", "0", http.rejected == 0),
        Figure("events in database", http.stored, "", "= acknowledged", stored_ok),
    ]


def run(config: IngestConfig) -> bool:
    """Run the ingest benchmark, print its table; False if a correctness check failed."""
    print(
        f"ingest: {config.clients} clients, {config.batch}-event NDJSON batches, "
        f"{config.seconds:.0f} s, {config.sites} sites each with a gateway relaying for "
        "67 devices"
    )
    with tempfile.TemporaryDirectory(prefix="sitewarden-bench-ingest-") as folder:
        root = Path(folder)
        http, batches = run_http(root, config)
        print(f"  HTTP: {http.accepted:,} events acknowledged in {http.seconds:.1f} s")
        raw_total = max(http.accepted + http.warmup_accepted, 50_000)
        raw = run_raw(root, batches, raw_total)
        print(f"  raw:  {raw.rows:,} rows inserted in {raw.seconds:.1f} s of SQLite time")
    table = figures(http, raw)
    print_table("ingest over HTTP (sitewarden serve, SQLite)", table)
    for problem in http.problems[:10]:
        print(f"  problem: {problem}")
    correct = http.rejected == 0 and http.stored == http.accepted + http.warmup_accepted
    return correct and not http.problems


def parse_args(argv: Sequence[str] | None) -> IngestConfig:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="timed posting (default 20)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent connections")
    parser.add_argument("--batch", type=int, default=1_000, help="events per request")
    parser.add_argument("--sites", type=int, default=3, help="sites, one gateway each")
    parser.add_argument("--quick", action="store_true", help="a short run (5 s) to check it works")
    args = parser.parse_args(argv)
    seconds = 5.0 if args.quick else args.seconds
    return IngestConfig(seconds=seconds, clients=args.clients, batch=args.batch, sites=args.sites)


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
