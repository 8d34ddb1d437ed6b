"""Two nodes on one broker split the device traffic through the MQTT 5 shared
subscription: every message is taken by exactly one of them.

Each node has its own SQLite data folder here (one SQLite file does not take two
writing nodes); with the PostgreSQL backend both write the same database."""

from __future__ import annotations

import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, free_port, prepared_server
from tests.mqtt_fixtures import Broker, Client

pytestmark = pytest.mark.slow


def numbers_in(server: LiveServer) -> list[int]:
    database = sqlite3.connect(server.settings.sqlite_path)
    try:
        rows = database.execute("SELECT attributes FROM events WHERE site_id = 'hq'")
        return [orjson.loads(row[0])["uptime_s"] for row in rows]
    finally:
        database.close()


def test_two_nodes_split_the_messages_and_take_each_once(tmp_path: Path) -> None:
    port = free_port()
    url = f'mqtt_url = "mqtt://127.0.0.1:{port}"'
    nodes = [prepared_server(tmp_path / name, url) for name in ("a", "b")]
    for node in nodes:
        node.add_site_with_device("hq", "sensor-1", DeviceKind.EQUIPMENT_SENSOR)
    broker = Broker(nodes[0].settings.data_dir, port)
    try:
        broker.configure()  # writes node a's secret; node b uses the same account
        shutil.copy2(
            nodes[0].settings.key_path / "mqtt-node.key",
            nodes[1].settings.key_path / "mqtt-node.key",
        )
        broker.start()
        for node in nodes:
            node.start()
        time.sleep(1.0)  # both subscribed
        device = Client(port, "hq/sensor-1", broker.secrets["hq/sensor-1"], "sensor-1")
        assert device.wait_connected().value == 0
        start = datetime.now(UTC) - timedelta(minutes=1)
        sent = []
        for number in range(2000):
            event = {
                "kind": "device.heartbeat",
                "time": (start + timedelta(milliseconds=number)).isoformat(),
                "attributes": {"uptime_s": number},
            }
            sent.append(
                device.paho.publish("sitewarden/hq/sensor-1/events", orjson.dumps(event), qos=1)
            )
        for info in sent:
            info.wait_for_publish(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            taken = [numbers_in(node) for node in nodes]
            if sum(len(numbers) for numbers in taken) >= 2000:
                break
            time.sleep(0.2)
        time.sleep(0.5)
        taken = [numbers_in(node) for node in nodes]
        device.close()
    finally:
        for node in nodes:
            node.stop()
        broker.stop()
    assert all(len(numbers) > 200 for numbers in taken)  # both nodes took a share
    assert sorted(taken[0] + taken[1]) == list(range(2000))  # each message exactly once
