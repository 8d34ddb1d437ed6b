"""MQTT ingest through a real mosquitto configured by ``sitewarden mqtt config`` into a
real ``sitewarden serve``: storage, the broker's refusals, errors replies, redelivery."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.mqtt_fixtures import MqttSite, mqtt_site_fixture  # noqa: F401

pytestmark = pytest.mark.slow


def now_iso(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def stored(site: MqttSite, site_id: str) -> list[tuple[str, str, str]]:
    database = sqlite3.connect(site.server.settings.sqlite_path)
    try:
        return database.execute(
            "SELECT device_id, kind, attributes FROM events WHERE site_id = ?", (site_id,)
        ).fetchall()
    finally:
        database.close()


def wait_stored(site: MqttSite, site_id: str, count: int, timeout: float = 20) -> list[tuple]:
    deadline = time.monotonic() + timeout
    rows = stored(site, site_id)
    while len(rows) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        rows = stored(site, site_id)
    return rows


def test_device_publishes_qos1_and_the_events_are_stored(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    device = mqtt_site.device("hq", "smoke-1")
    single = {"kind": "alarm.smoke", "time": now_iso(), "attributes": {"level": 3.5}}
    batch = [
        {"kind": "device.heartbeat", "time": now_iso(-1), "attributes": {"uptime_s": 10}},
        {"kind": "device.heartbeat", "time": now_iso(-2), "attributes": {"uptime_s": 11}},
    ]
    for payload in (single, batch):
        info = device.paho.publish("sitewarden/hq/smoke-1/events", orjson.dumps(payload), qos=1)
        info.wait_for_publish(10)
        assert info.is_published()
    rows = wait_stored(mqtt_site, "hq", 3)
    assert sorted(kind for _, kind, _ in rows) == [
        "alarm.smoke",
        "device.heartbeat",
        "device.heartbeat",
    ]
    assert {device_id for device_id, _, _ in rows} == {"smoke-1"}
    with mqtt_site.server.client() as admin:
        listed = admin.get("/api/v1/events", params={"site": "hq", "kind": "alarm.smoke"}).json()
    assert listed["events"][0]["attributes"] == {"level": 3.5}


def test_anonymous_client_is_refused(mqtt_site: MqttSite) -> None:
    anonymous = mqtt_site.client(None, None)
    assert anonymous.wait_connected().is_failure
    wrong = mqtt_site.client("sitewarden-node", "not-the-secret")
    assert wrong.wait_connected().is_failure


def test_device_publishing_outside_its_topic_is_refused_and_nothing_stored(
    mqtt_site: MqttSite,
) -> None:
    mqtt_site.add_device("hq", "door-1", DeviceKind.ACCESS_READER)
    mqtt_site.add_device("hq", "door-2", DeviceKind.ACCESS_READER)
    mqtt_site.add_device("annex", "door-9", DeviceKind.ACCESS_READER)
    intruder = mqtt_site.device("hq", "door-1")
    event = {"kind": "door.forced", "time": now_iso(), "attributes": {}}
    for topic in (
        "sitewarden/hq/door-2/events",  # a neighbour's topic
        "sitewarden/annex/door-9/events",  # another site's device
        "sitewarden/hq/alerts",  # pretending to be sitewarden
        "sitewarden/hq/door-2/commands",  # commanding another door
    ):
        info = intruder.paho.publish(topic, orjson.dumps(event), qos=1)
        info.wait_for_publish(10)
        # mosquitto answers PUBACK "not authorized" (0x87) to an MQTT 5 client
    legit = intruder.paho.publish(
        "sitewarden/hq/door-1/events",
        orjson.dumps({**event, "kind": "access.granted", "attributes": {"credential": "pin"}}),
        qos=1,
    )
    legit.wait_for_publish(10)
    rows = wait_stored(mqtt_site, "hq", 1)
    time.sleep(1.0)  # anything refused would have arrived with or before the legit event
    assert [(d, k) for d, k, _ in stored(mqtt_site, "hq")] == [("door-1", "access.granted")]
    assert stored(mqtt_site, "annex") == []
    assert len(rows) == 1


def test_device_cannot_read_another_devices_commands(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "gate-1", DeviceKind.PLATE_CAMERA)
    mqtt_site.add_device("hq", "gate-2", DeviceKind.PLATE_CAMERA)
    owner = mqtt_site.device("hq", "gate-1")
    owner.subscribe("sitewarden/hq/gate-1/commands")
    snoop = mqtt_site.device("hq", "gate-2")
    # mosquitto grants any SUBSCRIBE and enforces the ACL on each message it would deliver
    snoop.subscribe("sitewarden/hq/gate-1/commands")
    snoop.subscribe("sitewarden/#")
    node = mqtt_site.node()
    node.paho.publish("sitewarden/hq/gate-1/commands", b'{"command": "open"}', qos=1)
    node.paho.publish("sitewarden/hq/alerts", b'{"change": "opened"}', qos=1)
    assert len(owner.wait_for("sitewarden/hq/gate-1/commands")) == 1
    time.sleep(0.5)
    assert snoop.received == []


def test_rejected_events_are_answered_on_the_devices_errors_topic(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "counter-1", DeviceKind.PEOPLE_COUNTER)
    device = mqtt_site.device("hq", "counter-1")
    assert not device.subscribe("sitewarden/hq/counter-1/errors")[0].is_failure
    bad = [
        {"kind": "occupancy.count", "time": now_iso(), "attributes": {"count": 4}},
        {"kind": "occupancy.count", "attributes": {"count": 5}},  # no time
        {"kind": "occupancy.count", "time": now_iso(), "attributes": {"count": 6, "race": "x"}},
        {"kind": "alarm.smoke", "time": now_iso(), "attributes": {}},  # not a counter's kind
    ]
    device.paho.publish("sitewarden/hq/counter-1/events", orjson.dumps(bad), qos=1)
    device.paho.publish("sitewarden/hq/counter-1/events", b"{not json", qos=1)
    replies = device.wait_for("sitewarden/hq/counter-1/errors", 2)
    assert len(replies) == 2
    problems = [p for reply in replies for p in orjson.loads(reply.payload)["rejected"]]
    assert any("event 1" in p and "'time'" in p for p in problems)
    assert any("event 2" in p and "race" in p for p in problems)
    assert any("event 3" in p and "alarm.smoke" in p for p in problems)
    assert any("not valid JSON" in p for p in problems)
    rows = wait_stored(mqtt_site, "hq", 1)
    assert [orjson.loads(a) for _, _, a in rows] == [{"count": 4}]


def test_the_same_event_published_twice_is_stored_once(mqtt_site: MqttSite) -> None:
    mqtt_site.add_device("hq", "smoke-2", DeviceKind.SMOKE_DETECTOR)
    device = mqtt_site.device("hq", "smoke-2")
    event = orjson.dumps({"kind": "alarm.smoke", "time": now_iso(), "attributes": {"level": 1}})
    other = orjson.dumps({"kind": "alarm.smoke", "time": now_iso(1), "attributes": {"level": 2}})
    for payload in (event, event, other):
        device.paho.publish("sitewarden/hq/smoke-2/events", payload, qos=1).wait_for_publish(10)
    time.sleep(0.5)
    device.paho.publish("sitewarden/hq/smoke-2/events", event, qos=1).wait_for_publish(10)
    rows = wait_stored(mqtt_site, "hq", 2)
    time.sleep(1.0)
    assert sorted(orjson.loads(a)["level"] for _, _, a in stored(mqtt_site, "hq")) == [1, 2]
    assert len(rows) == 2


def test_a_flood_of_queued_messages_and_one_longer_than_a_read_are_all_stored(
    mqtt_site: MqttSite,
) -> None:
    """The node reads its socket in bulk: packets straddle reads, one spans several, and
    a wake-up with more packets than it handles at once must not strand the rest."""
    from sitewarden.intake.mqtt_client import PACKETS_PER_WAKEUP, RECV_BYTES

    mqtt_site.add_device("hq", "meter-1", DeviceKind.EQUIPMENT_SENSOR)
    device = mqtt_site.device("hq", "meter-1")
    topic = "sitewarden/hq/meter-1/events"
    firmware = "f" * 200

    def heartbeat(uptime_s: int) -> bytes:
        attributes = {"uptime_s": uptime_s, "firmware": firmware}
        return orjson.dumps(
            {"kind": "device.heartbeat", "time": now_iso(-1), "attributes": attributes}
        )

    small = 4 * PACKETS_PER_WAKEUP
    big = b"[" + b",".join(heartbeat(n) for n in range(small, small + 1000)) + b"]"
    assert len(big) > RECV_BYTES  # the node cannot take it in one recv()
    mqtt_site.server.stop()  # the broker queues everything for the node's session
    infos = [device.paho.publish(topic, heartbeat(n), qos=1) for n in range(small // 2)]
    infos.append(device.paho.publish(topic, big, qos=1))
    infos += [device.paho.publish(topic, heartbeat(n), qos=1) for n in range(small // 2, small)]
    for info in infos:
        info.wait_for_publish(20)
        assert info.is_published()
    mqtt_site.server.start()  # and hands it over at once
    rows = wait_stored(mqtt_site, "hq", small + 1000)
    numbers = sorted(orjson.loads(attributes)["uptime_s"] for _, _, attributes in rows)
    assert numbers == list(range(small + 1000))


def test_a_message_with_mqtt5_properties_is_read_past_them(mqtt_site: MqttSite) -> None:
    """The node skips a PUBLISH's properties itself; a block longer than 127 bytes has a
    two-byte length, and the payload starts after it."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    mqtt_site.add_device("hq", "smoke-9", DeviceKind.SMOKE_DETECTOR)
    device = mqtt_site.device("hq", "smoke-9")
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.UserProperty = [("installer", "x" * 150), ("batch", "7")]
    properties.ContentType = "application/json"
    properties.MessageExpiryInterval = 3600
    event = {"kind": "alarm.smoke", "time": now_iso(), "attributes": {"level": 4.5}}
    info = device.paho.publish(
        "sitewarden/hq/smoke-9/events", orjson.dumps(event), qos=1, properties=properties
    )
    info.wait_for_publish(10)
    rows = wait_stored(mqtt_site, "hq", 1)
    assert [(kind, orjson.loads(attributes)) for _, kind, attributes in rows] == [
        ("alarm.smoke", {"level": 4.5})
    ]


def test_config_refuses_a_listener_beyond_loopback_without_tls(mqtt_site: MqttSite) -> None:
    from tests.mqtt_fixtures import sitewarden

    result = sitewarden(
        "mqtt", "config", "--out", str(mqtt_site.broker.folder), "--bind", "0.0.0.0",
        "-d", str(mqtt_site.server.settings.data_dir),
    )  # fmt: skip
    assert result.returncode == 1
    assert "without TLS" in result.stderr
    passwords = (mqtt_site.broker.folder / "passwords").read_text()
    assert "swm_" not in passwords  # only hashes, in mosquitto's format
    assert all(line.split(":", 1)[1].startswith("$7$101$") for line in passwords.splitlines())
