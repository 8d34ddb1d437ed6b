"""Sites, zones, devices and users over the API, and site isolation between operators."""

from __future__ import annotations

import json

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import KINDS
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends


def test_site_zone_device_lifecycle(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        assert (
            admin.post(
                "/api/v1/sites",
                json={"site_id": "park", "name": "Office Park", "timezone": "Europe/London"},
            ).status_code
            == 201
        )
        assert (
            admin.post(
                "/api/v1/sites/park/zones",
                json={"zone_id": "lobby", "name": "Lobby", "capacity": 80},
            ).status_code
            == 201
        )
        created = admin.post(
            "/api/v1/sites/park/devices",
            json={
                "device_id": "cam-1",
                "kind": "camera",
                "zone_id": "lobby",
                "x": 120,
                "y": 40,
                "heartbeat_s": 30,
            },
        )
        assert created.status_code == 201 and created.json()["token"].startswith("swd_")
        listed = admin.get("/api/v1/sites/park/devices").json()
        assert [d["device_id"] for d in listed] == ["cam-1"] and "token" not in listed[0]
        patched = admin.patch(
            "/api/v1/sites/park/devices/cam-1", json={"name": "Lobby camera", "heartbeat_s": 60}
        ).json()
        assert patched["name"] == "Lobby camera" and patched["heartbeat_s"] == 60
        assert (
            admin.patch("/api/v1/sites/park", json={"timezone": "Nowhere/Land"}).status_code == 422
        )
        busy = admin.delete("/api/v1/sites/park/zones/lobby")
        assert busy.status_code == 409 and "cam-1" in busy.json()["message"]
        in_use = admin.delete("/api/v1/sites/park")
        assert in_use.status_code == 409 and "devices" in in_use.json()["message"]
        assert admin.delete("/api/v1/sites/park/devices/cam-1").status_code == 204
        assert admin.delete("/api/v1/sites/park/zones/lobby").status_code == 204
        assert admin.delete("/api/v1/sites/park").status_code == 204
        assert admin.get("/api/v1/sites/park").status_code == 404


def test_bad_registry_input_is_422_with_a_message_and_stores_nothing(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as admin:
        bad_id = admin.post("/api/v1/sites", json={"site_id": "no spaces!", "name": "X"})
        assert bad_id.status_code == 422 and "site id" in bad_id.json()["message"]
        bad_kind = admin.post("/api/v1/sites", json={"site_id": "k", "name": "K"})
        assert bad_kind.status_code == 201
        wrong = admin.post("/api/v1/sites/k/devices", json={"device_id": "d", "kind": "toaster"})
        assert wrong.status_code == 422 and "kind" in wrong.json()["message"]
        extra = admin.post(
            "/api/v1/sites/k/zones", json={"zone_id": "z", "name": "Z", "colour": "red"}
        )
        assert extra.status_code == 422 and "colour" in extra.json()["message"]
        assert admin.get("/api/v1/sites/k/devices").json() == []
        assert admin.get("/api/v1/sites/k/zones").json() == []
        dup = admin.post("/api/v1/sites", json={"site_id": "k", "name": "K"})
        assert dup.status_code == 409


def test_not_json_and_too_deep_bodies_are_400(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        broken = admin.post(
            "/api/v1/sites", content=b"{", headers={"content-type": "application/json"}
        )
        deep = admin.post(
            "/api/v1/sites",
            content=b"[" * 5000 + b"]" * 5000,
            headers={"content-type": "application/json"},
        )
        huge = admin.post(
            "/api/v1/sites",
            content=b"x" * (2 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["message"]
    assert deep.status_code == 400
    assert huge.status_code == 413


def test_operator_of_one_site_sees_nothing_of_another(shared_server: LiveServer) -> None:
    token_a = shared_server.add_site_with_device("site-a", "door", DeviceKind.ACCESS_READER)
    token_b = shared_server.add_site_with_device("site-b", "door", DeviceKind.ACCESS_READER)
    event = {"kind": "access.granted", "attributes": {"credential": "badge"}}
    with device_client(shared_server, token_a) as device_a:
        id_a = device_a.post("/api/v1/events", json=[event]).json()["accepted"][0]
    with device_client(shared_server, token_b) as device_b:
        id_b = device_b.post("/api/v1/events", json=[event]).json()["accepted"][0]
    with shared_server.client(Role.OPERATOR, sites=("site-a",)) as operator:
        assert [s["site_id"] for s in operator.get("/api/v1/sites").json()] == ["site-a"]
        assert operator.get(f"/api/v1/events/{id_a}").status_code == 200
        assert operator.get(f"/api/v1/events/{id_b}").status_code == 404
        for path in (
            "/api/v1/sites/site-b",
            "/api/v1/sites/site-b/devices",
            "/api/v1/sites/site-b/zones",
            "/api/v1/sites/site-b/devices/door",
            "/api/v1/sites/site-b/zones/main",
        ):
            assert operator.get(path).status_code == 404, path
        assert operator.get("/api/v1/events", params={"site": "site-b"}).status_code == 404
        everything = operator.get("/api/v1/events", params={"limit": 1000}).json()["events"]
        assert {e["site_id"] for e in everything} == {"site-a"}


def test_event_search_filters_and_pages(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("search", "gw", DeviceKind.GATEWAY)
    events = [{"kind": "alarm.smoke", "note": f"floor {i}"} for i in range(5)]
    events += [{"kind": "door.forced"} for _ in range(5)]
    with device_client(shared_server, token) as device:
        assert device.post("/api/v1/events", json=events).status_code == 200
    with shared_server.client(Role.VIEWER) as viewer:

        def count(**params: object) -> int:
            return len(
                viewer.get("/api/v1/events", params={"site": "search", **params}).json()["events"]
            )

        assert count() == 10
        assert (
            count(kind="alarm") == 5
            and count(kind="alarm.*") == 5
            and count(kind="door.forced") == 5
        )
        assert count(q="floor 3") == 1
        assert viewer.get("/api/v1/events", params={"kind": "alarm.fire"}).status_code == 422
        assert viewer.get("/api/v1/events", params={"cursor": "garbage"}).status_code == 422
        assert viewer.get("/api/v1/events", params={"device": "gw"}).status_code == 422
        assert (
            viewer.get("/api/v1/events", params={"since": "2026-11-22T00:00:00"}).status_code == 422
        )
        first = viewer.get("/api/v1/events", params={"site": "search", "limit": 4}).json()
        second = viewer.get(
            "/api/v1/events", params={"site": "search", "limit": 4, "cursor": first["next_cursor"]}
        ).json()
        assert not {e["id"] for e in first["events"]} & {e["id"] for e in second["events"]}


def test_kinds_are_listed_with_schemas(shared_server: LiveServer) -> None:
    with shared_server.client(Role.VIEWER) as viewer:
        kinds = {k["kind"]: k for k in viewer.get("/api/v1/kinds").json()}
    assert set(kinds) == set(KINDS) and kinds["alarm.smoke"]["severity"] == "critical"
    schema = kinds["plate.read"]["json_schema"]
    assert {"kind", "attributes", "personal"} <= set(schema["properties"])
    assert '"plate"' in json.dumps(schema) and '"confidence"' in json.dumps(schema)


def test_admin_cannot_lock_themselves_out(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        me = admin.get("/api/v1/me").json()
        response = admin.patch(f"/api/v1/users/{me['user_id']}", json={"disabled": True})
    assert response.status_code == 422 and "yourself" in response.json()["message"]
