"""A device's rotation (issue 17, item 2): the clockwise turn that makes a camera's
picture upright, set on create and PATCH and on the command line, shown in listings,
refused with 422 outside 0, 90, 180 and 270, and guarded by the database too."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PIL import Image

from sitewarden.config import Settings
from sitewarden.errors import InvalidInput
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage
from sitewarden.vision.images import turned_upright
from tests.conftest import LiveServer, raw_sql
from tests.test_cli import sitewarden

pytestmark = pytest.mark.both_backends

BAD_ROTATIONS: list[Any] = [45, -90, 360, "x", "180", None, True, 90.5]


def test_a_camera_created_and_patched_with_a_rotation_reads_it_back(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as admin:
        assert admin.post("/api/v1/sites", json={"site_id": "rot", "name": "R"}).status_code == 201
        created = admin.post(
            "/api/v1/sites/rot/devices",
            json={"device_id": "cam-ceiling", "kind": "camera", "rotation": 180},
        )
        assert created.status_code == 201, created.text
        assert created.json()["rotation"] == 180
        assert admin.get("/api/v1/sites/rot/devices/cam-ceiling").json()["rotation"] == 180
        plain = admin.post(
            "/api/v1/sites/rot/devices", json={"device_id": "cam-wall", "kind": "camera"}
        )
        assert plain.json()["rotation"] == 0
        patched = admin.patch("/api/v1/sites/rot/devices/cam-wall", json={"rotation": 90})
        assert patched.status_code == 200 and patched.json()["rotation"] == 90
        renamed = admin.patch("/api/v1/sites/rot/devices/cam-wall", json={"name": "Wall"})
        assert renamed.json()["rotation"] == 90  # left out: kept
        listed = {
            d["device_id"]: d["rotation"] for d in admin.get("/api/v1/sites/rot/devices").json()
        }
        assert listed == {"cam-ceiling": 180, "cam-wall": 90}


@pytest.mark.parametrize("bad", BAD_ROTATIONS)
def test_a_rotation_other_than_the_four_turns_is_422_and_changes_nothing(
    shared_server: LiveServer, bad: Any
) -> None:
    site = "rot-bad-" + re.sub(r"[^a-z0-9]", "", str(bad).lower()).rjust(2, "n")
    with shared_server.client() as admin:
        assert admin.post("/api/v1/sites", json={"site_id": site, "name": "B"}).status_code == 201
        refused = admin.post(
            f"/api/v1/sites/{site}/devices",
            json={"device_id": "cam-new", "kind": "camera", "rotation": bad},
        )
        assert refused.status_code == 422, refused.text
        assert "rotation" in refused.json()["message"] and "90" in refused.json()["message"]
        assert admin.get(f"/api/v1/sites/{site}/devices").json() == []
        made = admin.post(
            f"/api/v1/sites/{site}/devices",
            json={"device_id": "cam-1", "kind": "camera", "rotation": 270},
        )
        assert made.status_code == 201
        patch = admin.patch(
            f"/api/v1/sites/{site}/devices/cam-1", json={"rotation": bad, "name": "Changed"}
        )
        assert patch.status_code == 422, patch.text
        assert "rotation" in patch.json()["message"]
        kept = admin.get(f"/api/v1/sites/{site}/devices/cam-1").json()
        assert kept["rotation"] == 270 and kept["name"] == "cam-1"


def test_the_database_refuses_a_rotation_outside_the_four_turns(
    store: Storage, settings: Settings
) -> None:
    service.create_site(store.registry, "db-rot", "D", "UTC", 1000, 700)
    service.create_device(store.registry, "db-rot", "cam-1", DeviceKind.CAMERA, rotation=90)
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        raw_sql(settings, "UPDATE devices SET rotation = 45 WHERE device_id = 'cam-1'")
    kept = store.registry.get_device("db-rot", "cam-1")
    assert kept is not None and kept.rotation == 90
    with pytest.raises(InvalidInput, match="0, 90, 180 or 270"):
        service.create_device(store.registry, "db-rot", "cam-2", DeviceKind.CAMERA, rotation=-90)
    assert store.registry.get_device("db-rot", "cam-2") is None


def test_devices_add_takes_a_rotation_and_devices_list_shows_it(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    assert sitewarden("init", data_dir=folder).returncode == 0
    assert sitewarden("sites", "add", "hq", "--name", "HQ", data_dir=folder).returncode == 0
    added = sitewarden(
        "devices", "add", "hq", "cam-flip", "--kind", "camera", "--rotation", "180", data_dir=folder
    )
    assert added.returncode == 0, added.stderr
    listed = sitewarden("devices", "list", "hq", data_dir=folder)
    assert re.search(r"cam-flip.*180°", listed.stdout), listed.stdout
    bad = sitewarden(
        "devices", "add", "hq", "cam-odd", "--kind", "camera", "--rotation", "45", data_dir=folder
    )
    assert bad.returncode == 1 and "rotation 45 not allowed" in bad.stderr
    assert "cam-odd" not in sitewarden("devices", "list", "hq", data_dir=folder).stdout


def test_turning_upright_undoes_each_of_the_four_camera_turns_exactly() -> None:
    upright = Image.effect_noise((64, 40), 60).convert("RGB")
    for rotation in (0, 90, 180, 270):
        # a camera that needs `rotation` clockwise sends its picture turned counter-clockwise
        sent = upright.rotate(rotation, expand=True)
        assert turned_upright(sent, rotation).tobytes() == upright.tobytes(), rotation
