"""A remote unlock from the console reaches the door over MQTT: with a broker link the
door's controller gets ``open`` on its commands topic, with no operator name or reason
in it (those are in the audit log)."""

from __future__ import annotations

import orjson
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.mqtt_fixtures import MqttSite, mqtt_site_fixture  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_remote_unlock_is_published_on_the_doors_commands_topic(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "door-9", DeviceKind.ACCESS_READER)
    door = mqtt_site.device("hq", "door-9")
    door.subscribe("sitewarden/hq/door-9/commands")
    reason = "courier at the loading bay"
    with mqtt_site.server.client(Role.OPERATOR) as guard:
        answer = guard.post("/api/v1/access/sites/hq/doors/door-9/unlock", json={"reason": reason})
    assert answer.status_code == 200, answer.text
    assert answer.json()["sent_to_door"] is True
    [command] = door.wait_for("sitewarden/hq/door-9/commands")
    body = orjson.loads(command.payload)
    assert body["command"] == "open" and body["credential"] == "remote"
    assert body["event_id"] == answer.json()["event_id"]
    assert reason.encode() not in command.payload
