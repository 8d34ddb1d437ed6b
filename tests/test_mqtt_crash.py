"""A node killed with SIGKILL mid-stream loses no MQTT message the broker acknowledged,
and stores none twice once it is back (the broker redelivers what it had in flight)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.mqtt_fixtures import MqttSite, mqtt_site_fixture  # noqa: F401

pytestmark = pytest.mark.slow


def heartbeat(number: int) -> dict[str, Any]:
    return {"kind": "device.heartbeat", "attributes": {"uptime_s": number}}


class Publisher:
    """Publishes numbered events (heartbeats unless ``body`` says otherwise) at QoS 1,
    number ``n`` at ``start`` + ``n`` ms; knows which the broker acknowledged."""

    def __init__(
        self,
        site: MqttSite,
        site_id: str,
        device_id: str,
        body: Callable[[int], dict[str, Any]] = heartbeat,
    ) -> None:
        self.body = body
        self.client = site.device(site_id, device_id)
        self.topic = f"sitewarden/{site_id}/{device_id}/events"
        self.sent: list[tuple[int, mqtt.MQTTMessageInfo]] = []
        self.stop = threading.Event()
        self.start = datetime.now(UTC) - timedelta(minutes=5)
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        number = 0
        while not self.stop.is_set():
            if number >= 500 and not self.sent[number - 500][1].is_published():
                time.sleep(0.002)  # keep a few hundred in flight, not the whole run in paho
                continue
            event = {
                **self.body(number),
                "time": (self.start + timedelta(milliseconds=number)).isoformat(),
            }
            info = self.client.paho.publish(self.topic, orjson.dumps(event), qos=1)
            self.sent.append((number, info))
            number += 1

    def acked(self) -> set[int]:
        """Numbers whose PUBACK came back from the broker."""
        return {number for number, info in self.sent if info.is_published()}


def stored_numbers(site: MqttSite) -> list[int]:
    database = sqlite3.connect(site.server.settings.sqlite_path)
    try:
        rows = database.execute("SELECT attributes FROM events WHERE site_id = 'crash'")
        return [orjson.loads(row[0])["uptime_s"] for row in rows]
    finally:
        database.close()


def test_every_pubacked_message_is_stored_exactly_once_after_sigkill(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("crash", "sensor-1", DeviceKind.EQUIPMENT_SENSOR)
    publisher = Publisher(mqtt_site, "crash", "sensor-1")
    publisher.thread.start()
    deadline = time.monotonic() + 60
    while len(stored_numbers(mqtt_site)) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    mqtt_site.server.kill()  # SIGKILL while messages are in flight to the node
    killed_with = len(stored_numbers(mqtt_site))
    time.sleep(1.0)  # the broker keeps acknowledging devices and queues for the node
    publisher.stop.set()
    publisher.thread.join(timeout=30)
    deadline = time.monotonic() + 30
    while publisher.client.paho.want_write() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    acked = publisher.acked()
    assert killed_with >= 3000
    assert len(acked) > killed_with  # some were acknowledged by the broker while the node was down

    mqtt_site.server.start()  # same data folder, same MQTT client id: the session resumes
    deadline = time.monotonic() + 60
    numbers = stored_numbers(mqtt_site)
    while len(numbers) < len(acked) and time.monotonic() < deadline:
        time.sleep(0.2)
        numbers = stored_numbers(mqtt_site)
    time.sleep(1.0)
    numbers = stored_numbers(mqtt_site)
    twice = [number for number, count in Counter(numbers).items() if count > 1]
    assert twice == []
    missing = acked - set(numbers)
    assert missing == set()
