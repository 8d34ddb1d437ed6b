"""A site's floor-plan image through the API, on SQLite and PostgreSQL: refused when it
is not a decodable PNG/JPEG, too large, or sent by a role that may not change the
registry; stored, served as uploaded to readers, removed, and audited."""

from __future__ import annotations

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.test_console_plan import _placed_site, _png

pytestmark = pytest.mark.both_backends


def test_a_floor_plan_image_is_checked_stored_served_and_audited(
    shared_server: LiveServer,
) -> None:
    site_id, _ = _placed_site(shared_server, [("door-4", DeviceKind.DOOR_CONTACT, 100, 100)])
    address = f"/api/v1/sites/{site_id}/plan-image"
    png = _png(1000, 700)
    with (
        shared_server.client(Role.ADMIN) as admin,
        shared_server.client(Role.OPERATOR) as operator,
        shared_server.client(Role.VIEWER) as viewer,
    ):
        assert viewer.get(address + "/info").json() is None
        refused = operator.put(address, content=png, headers={"content-type": "image/png"})
        assert refused.status_code == 403
        fake = admin.put(
            address,
            content=b"\x89PNG\r\n\x1a\n" + b"x" * 500,
            headers={"content-type": "image/png"},
        )
        assert fake.status_code in (400, 422), fake.text  # not decodable: not stored
        text = admin.put(address, content=b"hello", headers={"content-type": "text/plain"})
        assert text.status_code == 415, text.text
        big = admin.put(
            address,
            content=b"\xff\xd8" + b"0" * (4 * 1024 * 1024),
            headers={"content-type": "image/jpeg"},
        )
        assert big.status_code == 413, big.text
        assert viewer.get(address + "/info").json() is None

        stored = admin.put(address, content=png, headers={"content-type": "image/png"})
        assert stored.status_code == 200, stored.text
        assert (stored.json()["width"], stored.json()["height"]) == (1000, 700)
        served = viewer.get(address)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png" and served.content == png
        assert admin.delete(address).status_code == 204
        assert viewer.get(address).status_code == 404
        entries = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    actions = [e["action"] for e in entries if e["site_id"] == site_id]
    assert actions == ["site.plan_image.upload", "site.plan_image.delete"], actions
