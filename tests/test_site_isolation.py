"""An operator of site A sees nothing of site B through any route: every route with a
site in its path answers 404 (or 403 where the role lacks the permission) for B, and
ids that belong to B answer 404 on the routes that take ids alone."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from sitewarden.auth.roles import Role
from sitewarden.registry.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_route_auth import ROUTES

pytestmark = pytest.mark.both_backends


def test_every_site_route_hides_the_other_site(shared_server: LiveServer, tmp_path: Path) -> None:
    shared_server.add_site_with_device("iso-a", "door-a", DeviceKind.DOOR_CONTACT, zone_id="za")
    token_b = shared_server.add_site_with_device(
        "iso-b", "door-b", DeviceKind.DOOR_CONTACT, zone_id="zb"
    )
    with device_client(shared_server, token_b) as door:
        event_b = door.post("/api/v1/events", json=[{"kind": "door.forced"}]).json()["accepted"][0]
    with shared_server.client(Role.ADMIN) as admin:
        alert_b = admin.get("/api/v1/alerts", params={"site": "iso-b"}).json()["alerts"][0][
            "alert_id"
        ]
    values = {
        "site_id": "iso-b",
        "zone_id": "zb",
        "device_id": "door-b",
        "event_id": event_b,
        "alert_id": alert_b,
    }
    checked = 0
    for role in (Role.OPERATOR, Role.PRIVACY_OFFICER):
        with shared_server.client(role, sites=("iso-a",)) as scoped:
            for method, path, guard in ROUTES:
                if guard is None or method not in ("GET", "POST", "PATCH", "DELETE"):
                    continue
                names = re.findall(r"\{(\w+)\}", path)
                if not names or not set(names) <= set(values):
                    continue
                if "site_id" not in names and not {"event_id", "alert_id"} & set(names):
                    continue
                url = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
                answer = scoped.request(method, url, json={})
                # A request missing required parameters or body fields is refused before any
                # site is looked at; that says nothing about site B.
                message = answer.json().get("message", "") if answer.status_code == 422 else ""
                if message.startswith(("query.", "body.")) and "iso-b" not in message:
                    continue
                assert answer.status_code in (403, 404), (
                    f"{role} {method} {url}: {answer.status_code}"
                )
                assert "iso-b" not in answer.text or answer.status_code == 404
                checked += 1
    assert checked > 30
    with shared_server.client(Role.OPERATOR, sites=("iso-a",)) as scoped:
        listed = scoped.get("/api/v1/events", params={"limit": 1000}).json()["events"]
        alerts = scoped.get(
            "/api/v1/alerts", params={"state": ["open", "acknowledged", "resolved"]}
        ).json()
        lookup = scoped.post(
            "/api/v1/events/lookup",
            json={"site": "iso-b", "field": "plate", "value": "浙A12345", "purpose": "probe"},
        )
    assert all(e["site_id"] != "iso-b" for e in listed)
    assert all(a["site_id"] != "iso-b" for a in alerts["alerts"])
    assert lookup.status_code == 404
    assert httpx.get(shared_server.url + "/healthz").status_code == 200
