"""Frigate NVR event messages (written from Frigate's documented ``frigate/events``
format) replayed through the real broker into a real ``sitewarden serve``."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from sitewarden.intake.frigate import frigate_events
from tests.mqtt_fixtures import MqttSite, start_mqtt_site

pytestmark = pytest.mark.slow
NOW = time.time() - 60


def tracked(camera: str, label: str, track: str, **changes: Any) -> dict[str, Any]:
    """A tracked object as Frigate describes it in ``before`` and ``after``."""
    return {
        "id": track,
        "camera": camera,
        "frame_time": NOW + 2.5,
        "snapshot": {"frame_time": NOW + 2.0, "box": [415, 489, 528, 700], "score": 0.77},
        "label": label,
        "sub_label": None,
        "top_score": 0.958984375,
        "false_positive": False,
        "start_time": NOW,
        "end_time": None,
        "score": 0.7890625,
        "box": [424, 500, 536, 712],
        "area": 23744,
        "ratio": 2.113207,
        "region": [264, 450, 667, 853],
        "current_zones": ["driveway"],
        "entered_zones": ["yard", "driveway"],
        "thumbnail": None,
        "has_snapshot": False,
        "has_clip": False,
        "stationary": False,
        "motionless_count": 0,
        "position_changes": 2,
        "attributes": {},
        **changes,
    }


def message(kind: str, before: dict[str, Any], after: dict[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "before": before, "after": after})


PERSON = "1607123955.475377-mxklsc"
CAR = "1607123958.101010-abcdef"
PLATE = {"recognized_license_plate": "浙A12345", "recognized_license_plate_score": 0.93}
NAMED = {"sub_label": ["Alice Example", 0.91], "attributes": {"face": 0.88}}

RECORDED = [
    # a person walks through the lobby; Frigate's face recognition names her
    message("new", tracked("lobby", "person", PERSON), tracked("lobby", "person", PERSON)),
    message(
        "update",
        tracked("lobby", "person", PERSON),
        tracked("lobby", "person", PERSON, **NAMED),
    ),
    message(
        "end",
        tracked("lobby", "person", PERSON, **NAMED),
        tracked("lobby", "person", PERSON, end_time=NOW + 9, **NAMED),
    ),
    # a car comes up the drive; its plate is read on the second update, then again
    message("new", tracked("driveway", "car", CAR), tracked("driveway", "car", CAR)),
    message("update", tracked("driveway", "car", CAR), tracked("driveway", "car", CAR, **PLATE)),
    message(
        "update",
        tracked("driveway", "car", CAR, **PLATE),
        tracked("driveway", "car", CAR, frame_time=NOW + 4, **PLATE),
    ),
    message(
        "end",
        tracked("driveway", "car", CAR, **PLATE),
        tracked("driveway", "car", CAR, end_time=NOW + 12, **PLATE),
    ),
    # a camera nobody mapped, and a false positive
    message("new", tracked("garden", "person", "x-1"), tracked("garden", "person", "x-1")),
    message(
        "new",
        tracked("lobby", "car", "x-2"),
        tracked("lobby", "car", "x-2", false_positive=True),
    ),
]


@pytest.fixture
def frigate_site(tmp_path: Path) -> Iterator[MqttSite]:
    cameras = 'frigate_cameras = { lobby = "hq/cam-lobby", driveway = "hq/cam-drive" }'
    site = start_mqtt_site(tmp_path, cameras)
    site.add_device("hq", "cam-lobby", DeviceKind.CAMERA)
    site.add_device("hq", "cam-drive", DeviceKind.PLATE_CAMERA)
    site.broker.configure("--frigate")
    yield site
    site.close()
    site.server.stop()
    site.broker.stop()


def stored(site: MqttSite) -> list[tuple[Any, ...]]:
    database = sqlite3.connect(site.server.settings.sqlite_path)
    try:
        return database.execute(
            "SELECT device_id, kind, attributes, personal, subject_id FROM events "
            "WHERE site_id = 'hq' ORDER BY kind, device_id"
        ).fetchall()
    finally:
        database.close()


def replay(site: MqttSite) -> None:
    frigate = site.client("frigate", site.broker.secrets["frigate"], "frigate-nvr")
    assert frigate.wait_connected().value == 0
    for payload in RECORDED:
        frigate.paho.publish("frigate/events", payload, qos=1).wait_for_publish(10)


def wait_for(site: MqttSite, count: int) -> list[tuple[Any, ...]]:
    deadline = time.monotonic() + 20
    while len(stored(site)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # let anything extra arrive too
    return stored(site)


def test_frigate_replay_becomes_objects_and_one_plate_read_never_names(
    frigate_site: MqttSite,
) -> None:
    replay(frigate_site)
    rows = wait_for(frigate_site, 3)
    assert [(device, kind) for device, kind, *_ in rows] == [
        ("cam-drive", "camera.object"),
        ("cam-lobby", "camera.object"),
        ("cam-drive", "plate.read"),
    ]
    car, person, plate = (orjson.loads(row[2]) for row in rows)
    assert person == {
        "label": "person",
        "source": "frigate",
        "score": 0.959,
        "zones": ["driveway"],
        "track": PERSON,
    }
    assert car["label"] == "car" and car["track"] == CAR
    assert plate == {"confidence": 0.93}
    # the person's event holds no personal part at all; the plate is sealed
    assert rows[1][3] is None and rows[1][4] is None
    assert rows[2][3] is not None and rows[2][4] is not None
    database = frigate_site.server.settings.sqlite_path.read_bytes()
    assert b"Alice" not in database and "浙A12345".encode() not in database

    with frigate_site.server.client() as admin:
        found = admin.post(
            "/api/v1/events/lookup",
            json={"site": "hq", "field": "plate", "value": "浙A12345", "purpose": "gate audit"},
        ).json()
    assert [event["kind"] for event in found["events"]] == ["plate.read"]

    replay(frigate_site)  # the same messages again (a Frigate restart, a redelivery)
    assert len(wait_for(frigate_site, 4)) == 3


def test_sub_labels_never_reach_an_event() -> None:
    named = tracked("lobby", "person", PERSON, **NAMED)
    for kind in ("new", "update", "end"):
        for event in frigate_events(kind, named, named):
            assert "Alice" not in orjson.dumps(event).decode()
            assert "personal" not in event
