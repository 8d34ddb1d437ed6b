"""The several-nodes proof, with real processes: two ``sitewarden serve`` nodes on one
PostgreSQL and one mosquitto, devices publishing over MQTT and posting over HTTP. One
node is killed with SIGKILL mid-load: every acknowledged event (HTTP id returned, MQTT
PUBACK received) is stored exactly once, the alert is raised once, and offline
detection goes on on the surviving node."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from tests.conftest import LiveServer, device_client, free_port, prepared_server, raw_sql
from tests.mqtt_fixtures import Broker, MqttSite
from tests.postgres_server import PostgresServer
from tests.test_alerts_live import FAST, alerts
from tests.test_mqtt_crash import Publisher

pytestmark = pytest.mark.slow
SITE = "cluster"


@dataclass
class Cluster:
    first: LiveServer
    second: LiveServer
    mqtt: MqttSite
    tokens: dict[str, str]


@pytest.fixture
def cluster(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Cluster]:
    port = free_port()
    first = prepared_server(
        tmp_path / "a", f'mqtt_url = "mqtt://127.0.0.1:{port}"\n{FAST}', postgres_server
    )
    tokens = {
        device: first.add_site_with_device(SITE, device, kind)
        for device, kind in (
            ("sensor-1", DeviceKind.EQUIPMENT_SENSOR),
            ("door-1", DeviceKind.ACCESS_READER),
            ("smoke-1", DeviceKind.SMOKE_DETECTOR),
            ("quiet-1", DeviceKind.EQUIPMENT_SENSOR),
        )
    }
    store = first.open_storage()
    try:  # offline after 2 s of silence (FAST: 0.4 intervals)
        quiet = store.registry.get_device(SITE, "quiet-1")
        assert quiet is not None
        service.update_device(store.registry, replace(quiet, heartbeat_s=5))
    finally:
        store.close()
    broker = Broker(first.settings.data_dir, port)
    broker.configure()
    broker.start()
    # The second node: same database, keys and settings; its own port, log and MQTT id.
    second_port = free_port()
    second = LiveServer(
        settings=first.settings.model_copy(update={"port": second_port}),
        url=f"http://127.0.0.1:{second_port}",
        admin_password=first.admin_password,
        log_path=tmp_path / "b.log",
        postgres=postgres_server,
    )
    first.start()
    second.start()
    site = MqttSite(broker, first)
    time.sleep(1.0)  # both nodes subscribed
    yield Cluster(first, second, site, tokens)
    site.close()
    second.stop()
    first.stop()
    broker.stop()


def post_until(node: LiveServer, token: str, stop: threading.Event, accepted: list[str]) -> None:
    granted = {"kind": "access.granted", "attributes": {"credential": "badge"}}
    batch = [{**granted, "personal": {"badge_id": f"B{i}"}} for i in range(100)]
    with device_client(node, token) as client:
        while not stop.is_set():
            try:
                answer = client.post("/api/v1/events", json=batch)
            except httpx.HTTPError:
                return  # this node died mid-request: nothing was acknowledged here
            if answer.status_code == 200:
                accepted.extend(answer.json()["accepted"])


def smoke(node: LiveServer, token: str) -> None:
    with device_client(node, token) as client:
        answer = client.post("/api/v1/events", json=[{"kind": "alarm.smoke"}] * 3)
        assert answer.status_code == 200, answer.text


def stored(node: LiveServer, kind: str) -> list[Any]:
    return raw_sql(
        node.settings,
        "SELECT id, attributes FROM events WHERE site_id = ? AND kind = ?",
        (SITE, kind),
    )


def test_two_nodes_lose_and_double_nothing_when_one_is_killed(cluster: Cluster) -> None:
    first, second = cluster.first, cluster.second
    publisher = Publisher(cluster.mqtt, SITE, "sensor-1")
    accepted: list[str] = []
    stop = threading.Event()
    posters = [
        threading.Thread(target=post_until, args=(node, cluster.tokens["door-1"], stop, accepted))
        for node in (first, second)
    ]
    publisher.thread.start()
    for poster in posters:
        poster.start()
    for node in (first, second):  # the same smoke condition reaches both nodes
        smoke(node, cluster.tokens["smoke-1"])
    deadline = time.monotonic() + 60
    while (len(accepted) < 3_000 or len(publisher.acked()) < 2_000) and time.monotonic() < deadline:
        time.sleep(0.05)

    first.kill()  # SIGKILL while both nodes take HTTP and MQTT traffic
    acknowledged_before = len(accepted)
    smoke(second, cluster.tokens["smoke-1"])
    with device_client(second, cluster.tokens["quiet-1"]) as quiet:  # then silence
        assert quiet.post("/api/v1/events", json=[{"kind": "device.heartbeat"}]).status_code == 200
    time.sleep(1.5)
    stop.set()
    publisher.stop.set()
    for poster in posters:
        poster.join(timeout=30)
    publisher.thread.join(timeout=30)
    assert len(accepted) > acknowledged_before  # the surviving node kept acknowledging

    # Offline detection goes on without the killed node.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not alerts(second, site=SITE, rule="device-offline"):
        time.sleep(0.3)
    offline = [a for a in alerts(second, site=SITE) if a["rule_id"] == "device-offline"]
    assert [a["device_id"] for a in offline if a["device_id"] == "quiet-1"] == ["quiet-1"]

    # The killed node comes back under the same MQTT session and takes what the broker
    # kept for it; then every acknowledged event is there exactly once.
    first.start()
    acked = publisher.acked()
    deadline = time.monotonic() + 60
    numbers: list[int] = []
    while time.monotonic() < deadline:
        numbers = [orjson.loads(row[1])["uptime_s"] for row in stored(second, "device.heartbeat")
                   if "uptime_s" in orjson.loads(row[1])]  # fmt: skip
        if acked <= set(numbers):
            break
        time.sleep(0.3)
    assert [n for n, count in Counter(numbers).items() if count > 1] == []
    assert acked - set(numbers) == set()
    http_ids = [UUID(bytes=bytes(row[0])) for row in stored(second, "access.granted")]
    assert len(http_ids) == len(set(http_ids))
    assert {UUID(event_id) for event_id in accepted} <= set(http_ids)

    smoke_alerts = [a for a in alerts(second, site=SITE) if a["rule_id"] == "smoke"]
    assert len(smoke_alerts) == 1  # raised once, whichever node saw the alarm
