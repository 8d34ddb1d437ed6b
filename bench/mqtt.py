"""MQTT QoS 1 ingest: devices -> a real mosquitto -> ``sitewarden serve`` nodes.

The broker is Debian's mosquitto with the files ``sitewarden mqtt config`` writes;
each node subscribes through the shared subscription and acknowledges a message only
after the writer committed it. One event a message. Figures:

- **drain**: the nodes subscribe once and stop; publisher processes put ``--messages``
  QoS 1 messages into the broker (every one PUBACKed by the broker and queued for the
  nodes' persistent sessions); then the nodes start, and the rate is the events stored
  over the span between the first and the last one's ``received_at`` (stamped by the
  nodes). The publishers do not compete for the two cores here.
- **live** (SQLite): publishers and the node run together for ``--seconds``; the rate
  of events stored. On this 2-core machine the Python publishers and mosquitto take
  CPU from the node, so this is a floor for the node, not its ceiling.
- **PostgreSQL** (``--postgres``): the drain with one node, then with ``--nodes``
  nodes on one database (a durable cluster started on this machine), and the scaling
  ratio between them. On one 2-core machine the nodes and PostgreSQL share the cores,
  so the ratio shows what the coordination costs rather than what more machines gain.

Only events found in the database count, and the run fails if any PUBACKed message
is missing or stored twice.

    python -m bench.mqtt [--messages 200000] [--seconds 20] [--publishers 2] [--quick]
    python -m bench.mqtt --postgres [--nodes 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import psutil
import psycopg
from paho.mqtt.enums import CallbackAPIVersion
from tests.postgres_server import start_postgres

from bench.common import (
    Figure,
    ServerProcess,
    cpu_seconds,
    free_port,
    fresh_settings,
    print_machine,
    print_table,
)
from bench.postgres import SERVER_SETTINGS as POSTGRES_SETTINGS
from sitewarden.config import Settings
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.intake.mqtt_broker import ListenerOptions, write_broker_files
from sitewarden.registry import service
from sitewarden.runtime.storage import open_storage

TARGET_MESSAGES_PER_S = 10_000
SITE = "bench"


def publish(port: int, user: str, secret: str, first: int, count: int, seconds: float) -> int:
    """Publish numbered heartbeats at QoS 1 until ``count`` or ``seconds``; return how
    many the broker acknowledged (paho keeps at most the broker's receive maximum in
    flight and queues the rest)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=user, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, secret)
    client.connect("127.0.0.1", port)
    client.loop_start()
    topic = f"sitewarden/{user}/events"
    start = datetime.now(UTC) - timedelta(minutes=10)
    infos: list[mqtt.MQTTMessageInfo] = []
    deadline = time.monotonic() + seconds
    for number in range(first, first + count):
        if len(infos) >= 2000 and not infos[-2000].is_published():
            infos[-2000].wait_for_publish(30)  # bound paho's own queue
        if time.monotonic() > deadline:
            break
        event = {
            "kind": "device.heartbeat",
            "time": (start + timedelta(microseconds=number)).isoformat(),
            "attributes": {"uptime_s": number},
        }
        infos.append(client.publish(topic, orjson.dumps(event), qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()
    return sum(1 for info in infos if info.is_published())


def run_publishers(
    port: int, secrets: dict[str, str], first: int, share: int, seconds: float
) -> multiprocessing.pool.AsyncResult[list[int]]:
    """Each publisher sends up to ``share`` messages, numbered apart from the others'."""
    jobs = [
        (port, user, secret, first + index * share, share, seconds)
        for index, (user, secret) in enumerate(sorted(secrets.items()))
    ]
    pool = multiprocessing.get_context("spawn").Pool(len(jobs))
    result = pool.starmap_async(publish, jobs)
    pool.close()
    return result


class EventTable:
    """Reads the events table behind the nodes' backs (SQLite file or PostgreSQL)."""

    def __init__(self, settings: Settings) -> None:
        self._postgres_url = settings.database.postgres_url
        self._sqlite_path = settings.database.sqlite_path

    def one(self, sql: str) -> tuple[Any, ...]:
        if self._postgres_url is not None:
            with psycopg.connect(self._postgres_url, autocommit=True) as conn:
                row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
        else:
            conn = sqlite3.connect(f"file:{self._sqlite_path}?mode=ro", uri=True)
            try:
                row = conn.execute(sql).fetchone()
            finally:
                conn.close()
        assert row is not None
        return tuple(row)

    def count(self) -> int:
        return int(self.one("SELECT count(*) FROM events")[0])

    def stored_twice(self) -> int:
        """Messages stored more than once (each carries its own uptime number)."""
        query = "SELECT count(*) - count(DISTINCT device_id || ':' || attributes) FROM events"
        return int(self.one(query)[0])

    def received_span_s(self) -> float:
        first, last = self.one("SELECT min(received_at), max(received_at) FROM events")
        return (int(last) - int(first)) / 1e6

    def wait_for(self, count: int, timeout_s: float, poll_s: float = 0.25) -> int:
        """Poll until ``count`` events are stored or ``timeout_s`` passes; the count."""
        deadline = time.monotonic() + timeout_s
        stored = self.count()
        while stored < count and time.monotonic() < deadline:
            time.sleep(poll_s)
            stored = self.count()
        return stored


@dataclass
class Deployment:
    """One bench site: a data folder, its broker, and its sitewarden nodes."""

    settings: Settings
    port: int
    secrets: dict[str, str]
    nodes: list[ServerProcess]

    @property
    def events(self) -> EventTable:
        return EventTable(self.settings)

    def start_nodes(self) -> None:
        """Start every node at once (so that none drains alone while another starts)."""
        threads = [threading.Thread(target=node.start) for node in self.nodes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if any(node.process is None for node in self.nodes):
            raise RuntimeError("a node did not start; see its log in the bench folder")

    def stop_nodes(self) -> None:
        for node in self.nodes:
            node.stop()


@contextmanager
def deployment(
    root: Path, publishers: int, nodes: int, database_url: str | None = None
) -> Iterator[Deployment]:
    port = free_port()
    settings = fresh_settings(root / "node", database_url)
    config = settings.data_dir / "sitewarden.toml"
    config.write_text(config.read_text() + f'\nmqtt_url = "mqtt://127.0.0.1:{port}"\n')
    store = open_storage(settings)
    service.create_site(store.registry, SITE, "Bench", "UTC", 1000, 700)
    for index in range(publishers):
        service.create_device(store.registry, SITE, f"sensor-{index}", DeviceKind.EQUIPMENT_SENSOR)
    files = write_broker_files(store.registry, settings, root / "broker", ListenerOptions(port))
    store.close()
    broker = subprocess.Popen(
        [mosquitto_binary(), "-c", str(root / "broker" / "mosquitto.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers = [ServerProcess(settings, root / "node-1.log")]
    for number in range(2, nodes + 1):  # same database and keys, own port and MQTT client id
        other = settings.model_copy(update={"port": free_port()})
        servers.append(ServerProcess(other, root / f"node-{number}.log"))
    site = Deployment(settings, port, files.new_secrets, servers)
    try:
        time.sleep(0.5)
        yield site
    finally:
        site.stop_nodes()
        broker.terminate()
        broker.wait(timeout=20)


def mosquitto_binary() -> str:
    return shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@dataclass(frozen=True)
class Drain:
    published: int
    stored: int
    seconds: float  # first to last received_at
    node_cpu_s: list[float]  # each node's CPU time while it drained (with its writer)

    @property
    def per_s(self) -> float:
        return self.stored / max(self.seconds, 1e-6)


def drain(site: Deployment, messages: int) -> Drain:
    """Queue ``messages`` in the broker for the stopped nodes, then time their drain."""
    site.start_nodes()  # each subscribes once: the broker now keeps its session
    time.sleep(1.0)
    site.stop_nodes()
    share = messages // len(site.secrets)
    published = sum(run_publishers(site.port, site.secrets, 0, share, 3600).get())
    site.start_nodes()
    processes = [psutil.Process(node.pid) for node in site.nodes]
    began = [cpu_seconds(process, with_children=True) for process in processes]
    stored = site.events.wait_for(published, 600)
    used = [cpu_seconds(p, with_children=True) - b for p, b in zip(processes, began, strict=True)]
    return Drain(published, stored, site.events.received_span_s(), used)


def drain_figure(name: str, result: Drain, target: bool) -> Figure:
    if not target:
        return Figure(name, result.per_s, "msg/s")
    met = result.per_s >= TARGET_MESSAGES_PER_S
    return Figure(name, result.per_s, "msg/s", f">= {TARGET_MESSAGES_PER_S:,}", met)


def loss_figures(site: Deployment, acknowledged: int, label: str = "") -> list[Figure]:
    missing = acknowledged - site.events.count()
    twice = site.events.stored_twice()
    return [
        Figure(f"PUBACKed but not stored{label}", missing, "msg", "0", missing == 0),
        Figure(f"stored twice{label}", twice, "events", "0", twice == 0),
    ]


def run_sqlite(root: Path, args: argparse.Namespace) -> list[Figure]:
    with deployment(root, args.publishers, 1) as site:
        drained = drain(site, args.messages)
        started = time.monotonic()
        live = run_publishers(site.port, site.secrets, args.messages, 10**7, args.seconds)
        acked = sum(live.get())
        stored = site.events.wait_for(drained.stored + acked, 120, poll_s=0.02)
        elapsed = time.monotonic() - started
        return [
            drain_figure("drain: messages/s, one node", drained, target=True),
            Figure(
                "live: messages/s with publishers", (stored - drained.stored) / elapsed, "msg/s"
            ),
            *loss_figures(site, drained.published + acked),
        ]


def run_postgres(root: Path, args: argparse.Namespace) -> list[Figure]:
    server = start_postgres(durable=True, settings=POSTGRES_SETTINGS)
    try:
        results: list[Drain] = []
        figures: list[Figure] = []
        for nodes in (1, args.nodes):
            server.execute(f"CREATE DATABASE bench_mqtt_{nodes}")
            folder = root / f"postgres-{nodes}"
            folder.mkdir()
            with deployment(
                folder, args.publishers, nodes, server.url(f"bench_mqtt_{nodes}")
            ) as site:
                results.append(drain(site, args.messages))
                label = f", {nodes} node{'s' if nodes > 1 else ''}"
                figures.append(drain_figure(f"drain on PostgreSQL{label}", results[-1], nodes == 1))
                figures += [
                    Figure(f"  node {number} CPU during the drain", cpu, "s")
                    for number, cpu in enumerate(results[-1].node_cpu_s, start=1)
                ]
                figures += loss_figures(site, results[-1].published, label)
        ratio = results[1].per_s / results[0].per_s
        figures.append(Figure(f"scaling ratio, {args.nodes} nodes / 1", ratio, ""))
        return figures
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt", description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument(
        "--postgres", action="store_true", help="drain on PostgreSQL, one node and --nodes"
    )
    parser.add_argument("--nodes", type=int, default=2, help="nodes of the PostgreSQL run")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.seconds = 20_000, 5.0
    if args.nodes < 2:
        parser.error("--nodes must be at least 2 (one node is always measured)")
    if not Path(mosquitto_binary()).exists():
        print("mosquitto is not installed (scripts/test installs it)")
        return 1
    print_machine()
    root = Path(tempfile.mkdtemp(prefix="sw-bench-mqtt-"))
    root.chmod(0o755)
    try:
        if args.postgres:
            table = run_postgres(root, args)
            title = f"MQTT QoS 1 drain on PostgreSQL, {args.publishers} publishers"
        else:
            table = run_sqlite(root, args)
            title = f"MQTT QoS 1 ingest, one node on SQLite, {args.publishers} publishers"
    except RuntimeError as exc:
        print(f"mqtt: FAILED: {exc}")
        return 1
    print_table(title, table)
    shutil.rmtree(root, ignore_errors=True)
    return 0 if all(f.met is not False for f in table if f.unit != "msg/s") else 1


if __name__ == "__main__":
    raise SystemExit(main())
