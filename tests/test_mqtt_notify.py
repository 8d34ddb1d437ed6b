"""What sitewarden publishes over MQTT: alert changes on ``sitewarden/<site>/alerts``,
gate and door decisions on the device's own ``commands`` topic."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import device_client
from tests.mqtt_fixtures import MqttSite, mqtt_site_fixture  # noqa: F401

pytestmark = pytest.mark.slow


def test_an_alert_raised_by_an_mqtt_event_appears_on_the_alerts_topic(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    watcher = mqtt_site.node()
    watcher.subscribe("sitewarden/hq/alerts")
    device = mqtt_site.device("hq", "smoke-1")
    event = {"kind": "alarm.smoke", "time": datetime.now(UTC).isoformat(), "attributes": {}}
    device.paho.publish("sitewarden/hq/smoke-1/events", orjson.dumps(event), qos=1)
    messages = watcher.wait_for("sitewarden/hq/alerts")
    assert len(messages) == 1
    change = orjson.loads(messages[0].payload)
    assert change["change"] == "opened"
    assert change["alert"]["device_id"] == "smoke-1"
    assert change["alert"]["severity"] == "critical"
    assert messages[0].qos == 1


def test_a_gate_decision_is_published_on_the_lanes_commands_topic(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("pk", "gate-in", DeviceKind.PLATE_CAMERA, "garage")
    with mqtt_site.server.client() as admin:
        lane = admin.put("/api/v1/parking/sites/pk/lanes/gate-in", json={"direction": "entry"})
        assert lane.status_code == 200, lane.text
    barrier = mqtt_site.device("pk", "gate-in")
    barrier.subscribe("sitewarden/pk/gate-in/commands")
    with device_client(mqtt_site.server, mqtt_site.http_tokens[("pk", "gate-in")]) as camera:
        answer = camera.post(
            "/api/v1/gates/gate-in/reads", json={"plate": "浙A·12345", "confidence": 0.99}
        ).json()
    assert answer["open"] is True
    commands = barrier.wait_for("sitewarden/pk/gate-in/commands")
    assert len(commands) == 1
    command = orjson.loads(commands[0].payload)
    assert command["command"] == "open"
    assert command["reason"] == answer["reason"]
    assert command["direction"] == "entry"
    assert "plate" not in command  # commands carry no personal fields
    assert b"12345" not in commands[0].payload


def test_a_door_decision_is_published_on_the_readers_commands_topic(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "door-1", DeviceKind.ACCESS_READER)
    door = mqtt_site.device("hq", "door-1")
    door.subscribe("sitewarden/hq/door-1/commands")
    token = mqtt_site.http_tokens[("hq", "door-1")]
    with httpx.Client(
        base_url=mqtt_site.server.url, headers={"Authorization": f"Bearer {token}"}
    ) as reader:
        answer = reader.post("/api/v1/readers/door-1/decide", json={"badge_id": "B-unknown"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["granted"] is False
    commands = door.wait_for("sitewarden/hq/door-1/commands")
    assert [orjson.loads(m.payload)["command"] for m in commands] == ["deny"]
    assert orjson.loads(commands[0].payload)["reason"] == answer.json()["reason"]
    assert b"B-unknown" not in commands[0].payload
