"""Free text over MQTT: the intake's validator refuses identifiers in notes and
attributes as the HTTP route does, answering on the device's errors topic."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime

import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.mqtt_fixtures import MqttSite, mqtt_site_fixture  # noqa: F401

pytestmark = pytest.mark.slow

IMEI = "490154203237518"


def stored_attributes(site: MqttSite, site_id: str, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 20
    while True:
        database = sqlite3.connect(site.server.settings.sqlite_path)
        try:
            rows = database.execute(
                "SELECT attributes FROM events WHERE site_id = ?", (site_id,)
            ).fetchall()
        finally:
            database.close()
        if len(rows) >= count or time.monotonic() > deadline:
            return [orjson.loads(row[0]) for row in rows]
        time.sleep(0.1)


def test_identifiers_in_free_text_over_mqtt_are_refused_and_not_stored(
    mqtt_site: MqttSite,
) -> None:
    mqtt_site.add_device("ft", "pump-1", DeviceKind.EQUIPMENT_SENSOR)
    device = mqtt_site.device("ft", "pump-1")
    assert not device.subscribe("sitewarden/ft/pump-1/errors")[0].is_failure
    at = datetime.now(UTC).isoformat()
    events = [
        {"kind": "equipment.fault", "time": at, "attributes": {"equipment": "pump 2"}},
        {
            "kind": "equipment.fault",
            "time": at,
            "attributes": {"equipment": "modem", "message": f"SIM swapped, IMEI {IMEI}"},
        },
        {
            "kind": "equipment.fault",
            "time": at,
            "attributes": {"equipment": "gate"},
            "note": "ethnicity: Han",
        },
    ]
    device.paho.publish("sitewarden/ft/pump-1/events", orjson.dumps(events), qos=1)
    replies = device.wait_for("sitewarden/ft/pump-1/errors", 1)
    problems = [p for reply in replies for p in orjson.loads(reply.payload)["rejected"]]
    assert any("event 1" in p and "attributes.message" in p and "IMEI" in p for p in problems)
    assert any("event 2" in p and "field 'note'" in p and "ethnicity" in p for p in problems)
    assert not any(IMEI in p or "Han" in p for p in problems)
    assert stored_attributes(mqtt_site, "ft", 1) == [{"equipment": "pump 2"}]
