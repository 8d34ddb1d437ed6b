"""Input that once answered 500 (or a database's message, or a traceback) is now a clear
4xx or CLI error, and nothing changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.test_cli import sitewarden

pytestmark = pytest.mark.slow


def test_an_audit_cursor_past_the_largest_sequence_number_is_422(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as admin:
        too_far = admin.get("/api/v1/audit", params={"after": str(2**63)})
        largest = admin.get("/api/v1/audit", params={"after": str(2**63 - 1)})
    assert too_far.status_code == 422, too_far.text
    assert "after" in too_far.json()["message"]
    assert largest.status_code == 200 and largest.json()["entries"] == []


@pytest.fixture(scope="module")
def nulls_site(shared_server: LiveServer) -> LiveServer:
    shared_server.add_site_with_device("nulls", "door-1", DeviceKind.DOOR_CONTACT)
    return shared_server


@pytest.mark.parametrize(
    ("path", "body", "named"),
    [
        ("devices/door-1", {"kind": None}, "kind"),
        ("devices/door-1", {"heartbeat_s": None}, "heartbeat_s"),
        ("devices/door-1", {"name": None, "x": 3}, "name"),
        ("zones/main", {"name": None}, "name"),
    ],
)
def test_null_for_a_field_that_cannot_be_empty_is_422_and_changes_nothing(
    nulls_site: LiveServer, path: str, body: dict[str, object], named: str
) -> None:
    with nulls_site.client() as admin:
        before = admin.get(f"/api/v1/sites/nulls/{path}").json()
        refused = admin.patch(f"/api/v1/sites/nulls/{path}", json=body)
        after = admin.get(f"/api/v1/sites/nulls/{path}").json()
    assert refused.status_code == 422, refused.text
    assert refused.json()["message"] == (
        f"{named} cannot be null; leave a field out to keep its current value"
    )
    assert after == before


def test_null_still_clears_a_device_zone_and_position(shared_server: LiveServer) -> None:
    shared_server.add_site_with_device("clears", "door-1", DeviceKind.DOOR_CONTACT)
    with shared_server.client() as admin:
        admin.patch("/api/v1/sites/clears/devices/door-1", json={"x": 4, "y": 5})
        cleared = admin.patch(
            "/api/v1/sites/clears/devices/door-1", json={"zone_id": None, "x": None, "y": None}
        )
    assert cleared.status_code == 200, cleared.text
    assert [cleared.json()[k] for k in ("zone_id", "x", "y")] == [None, None, None]


def test_backup_to_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    assert sitewarden("init", data_dir=folder).returncode == 0
    target = tmp_path / "nowhere" / "copy.db"
    result = sitewarden("backup", str(target), data_dir=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"folder {target.parent} does not exist" in result.stderr
    assert not target.parent.exists()
