"""MQTT QoS 1 ingest: devices -> a real mosquitto -> one ``sitewarden serve`` on SQLite.

The broker is Debian's mosquitto with the files ``sitewarden mqtt config`` writes;
the node subscribes through its shared subscription and acknowledges each message only
after the writer committed it. Two figures, one event a message:

- **drain**: the node is stopped while publisher processes put ``--messages`` QoS 1
  messages into the broker (every one PUBACKed by the broker and queued for the node's
  persistent session); then the node starts and the time from its first stored event
  to its last gives the rate at which one node takes, commits and acknowledges. The
  publishers do not compete for the two cores here.
- **live**: publishers and the node run together for ``--seconds``; the rate of
  events stored. On this 2-core machine the Python publishers and mosquitto take CPU
  from the node, so this is a floor for the node, not its ceiling.

Only events found in the database count, and the run fails if any PUBACKed message
is missing or stored twice. Two nodes on one database wait for the PostgreSQL
backend: on SQLite both would queue behind one file's single writer.

    python -m bench.mqtt [--messages 200000] [--seconds 20] [--publishers 2] [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from bench.common import (
    Figure,
    ServerProcess,
    free_port,
    fresh_settings,
    print_machine,
    print_table,
)
from sitewarden.ingest.mqtt_broker import ListenerOptions, write_broker_files
from sitewarden.registry import service
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store import open_store

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


def stored_count(database: Path) -> int:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def stored_twice(database: Path) -> int:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        query = (
            "SELECT count(*) - count(DISTINCT device_id || json_extract(attributes, '$.uptime_s'))"
            " FROM events"
        )
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


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


def wait_until(database: Path, count: int, timeout_s: float) -> tuple[float, float, int]:
    """``(time of first stored, time of last stored, stored)`` watching the database."""
    first_at = None
    stored = 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stored = stored_count(database)
        if stored and first_at is None:
            first_at = time.monotonic()
        if stored >= count:
            break
        time.sleep(0.02)
    return first_at or time.monotonic(), time.monotonic(), stored


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mqtt", description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.seconds = 20_000, 5.0
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).exists():
        print("mosquitto is not installed (scripts/test installs it)")
        return 1
    print_machine()
    root = Path(tempfile.mkdtemp(prefix="sw-bench-mqtt-"))
    root.chmod(0o755)
    port = free_port()
    settings = fresh_settings(root / "node")
    config = settings.data_dir / "sitewarden.toml"
    config.write_text(config.read_text() + f'\nmqtt_url = "mqtt://127.0.0.1:{port}"\n')
    store = open_store(settings)
    service.create_site(store, SITE, "Bench", "UTC", 1000, 700)
    for index in range(args.publishers):
        service.create_device(store, SITE, f"sensor-{index}", DeviceKind.EQUIPMENT_SENSOR)
    files = write_broker_files(store, settings, root / "broker", ListenerOptions(port))
    store.close()
    broker = subprocess.Popen(
        [mosquitto, "-c", str(root / "broker" / "mosquitto.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = ServerProcess(settings, root / "server.log")
    database = settings.sqlite_path
    figures: list[Figure] = []
    ok = True
    try:
        time.sleep(0.5)
        node.start()  # subscribes once: the broker now keeps the node's session
        time.sleep(1.0)
        node.stop()
        share = args.messages // args.publishers
        published = run_publishers(port, files.new_secrets, 0, share, 3600).get()
        node.start()
        first, last, stored = wait_until(database, sum(published), 600)
        drain = stored / max(last - first, 1e-6)
        figures.append(
            Figure(
                "drain: messages/s, one node",
                drain,
                "msg/s",
                f">= {TARGET_MESSAGES_PER_S:,}",
                drain >= TARGET_MESSAGES_PER_S,
            )
        )
        before = stored
        started = time.monotonic()
        live = run_publishers(port, files.new_secrets, args.messages, 10**7, args.seconds)
        acked = sum(live.get())
        _, _, stored = wait_until(database, before + acked, 120)
        elapsed = time.monotonic() - started
        figures.append(
            Figure("live: messages/s with publishers", (stored - before) / elapsed, "msg/s")
        )
        missing = sum(published) + acked - stored
        twice = stored_twice(database)
        figures.append(Figure("PUBACKed but not stored", missing, "msg", "0", missing == 0))
        figures.append(Figure("stored twice", twice, "events", "0", twice == 0))
        ok = missing == 0 and twice == 0
    finally:
        node.stop()
        broker.terminate()
        broker.wait(timeout=20)
    print_table(f"MQTT QoS 1 ingest, one node, {args.publishers} publishers", figures)
    shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
