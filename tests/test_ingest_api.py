"""Devices posting events over HTTP to a real server: good batches, bad input, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import httpx
import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends

_sites = count()


@pytest.fixture
def reader(shared_server: LiveServer) -> tuple[str, httpx.Client]:
    """A fresh site with one access reader; returns (site id, device client)."""
    site = f"ingest{next(_sites)}"
    token = shared_server.add_site_with_device(site, "door-1", DeviceKind.ACCESS_READER)
    return site, device_client(shared_server, token)


def granted(**extra: object) -> dict[str, object]:
    event: dict[str, object] = {
        "kind": "access.granted",
        "attributes": {"credential": "badge", "direction": "in"},
        "personal": {"person_name": "Wang Fang", "badge_id": "B-1001"},
    }
    event.update(extra)
    return event


def ndjson(events: list[object]) -> bytes:
    return b"\n".join(orjson.dumps(event) for event in events) + b"\n"


def stored_count(server: LiveServer, site: str) -> int:
    with server.client() as admin:
        return len(
            admin.get("/api/v1/events", params={"site": site, "limit": 1000}).json()["events"]
        )


def test_json_array_batch_is_stored_and_ids_returned(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    response = device.post("/api/v1/events", json=[granted(), granted(note="visitor")])
    assert response.status_code == 200
    body = response.json()
    assert len(body["accepted"]) == 2 and body["rejected"] == []
    with shared_server.client() as admin:
        first = admin.get(f"/api/v1/events/{body['accepted'][0]}").json()
    assert first["site_id"] == site and first["device_id"] == "door-1"
    assert first["zone_id"] == "main" and first["severity"] == "info"


def test_ndjson_batch_is_accepted(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    response = device.post(
        "/api/v1/events",
        content=ndjson([granted() for _ in range(50)]),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert len(response.json()["accepted"]) == 50
    assert stored_count(shared_server, site) == 50


def test_bad_lines_are_rejected_by_index_and_good_ones_kept(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    lines = [
        orjson.dumps(granted()),
        b"{not json",
        orjson.dumps({"kind": "no.such_kind"}),
        orjson.dumps({"kind": "access.granted", "attributes": {"credential": 5}}),
        orjson.dumps(granted()),
    ]
    response = device.post(
        "/api/v1/events",
        content=b"\n".join(lines),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 207
    body = response.json()
    assert len(body["accepted"]) == 2
    reasons = {item["index"]: item["reason"] for item in body["rejected"]}
    assert set(reasons) == {1, 2, 3}
    assert "not valid JSON" in reasons[1]
    assert "unknown kind 'no.such_kind'" in reasons[2]
    assert "attributes.credential" in reasons[3]
    assert stored_count(shared_server, site) == 2


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ("ethnicity", "attributes"),
        ("race", "personal"),
        ("imsi", "personal"),
        ("mac", "attributes"),
        ("attractiveness", "attributes"),
        ("religion", "top"),
    ],
)
def test_refused_fields_get_422_naming_the_field(
    shared_server: LiveServer, reader: tuple[str, httpx.Client], field: str, where: str
) -> None:
    site, device = reader
    event = granted()
    if where == "top":
        event[field] = "x"
    else:
        event[where] = {**event[where], field: "x"}  # type: ignore[dict-item]
    response = device.post("/api/v1/events", json=[event])
    assert response.status_code == 422
    reason = response.json()["rejected"][0]["reason"]
    assert f"'{field}'" in reason or f".{field}'" in reason
    assert "sitewarden" in reason and "remove it" in reason
    assert stored_count(shared_server, site) == 0


def test_malformed_json_body_is_400_and_stores_nothing(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    response = device.post(
        "/api/v1/events",
        content=b'[{"kind": "access.granted"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["message"]
    assert stored_count(shared_server, site) == 0


def test_wrong_content_type_is_415(reader: tuple[str, httpx.Client]) -> None:
    _, device = reader
    response = device.post(
        "/api/v1/events", content=b"kind=alarm", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert "application/x-ndjson" in response.json()["message"]


def test_batch_over_10000_events_is_413_and_stores_nothing(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    response = device.post(
        "/api/v1/events",
        content=ndjson([{"kind": "device.heartbeat"}] * 10_001),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 413
    assert "10001" in response.json()["message"] and "10000" in response.json()["message"]
    assert stored_count(shared_server, site) == 0


def test_batch_of_exactly_10000_events_is_accepted(reader: tuple[str, httpx.Client]) -> None:
    _, device = reader
    response = device.post(
        "/api/v1/events",
        content=ndjson([{"kind": "device.heartbeat"}] * 10_000),
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert len(response.json()["accepted"]) == 10_000


def test_body_over_the_byte_limit_is_413(reader: tuple[str, httpx.Client]) -> None:
    _, device = reader
    huge = b'{"kind": "device.heartbeat", "note": "' + b"x" * (33 * 1024 * 1024) + b'"}'
    response = device.post(
        "/api/v1/events", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_empty_batch_is_422(reader: tuple[str, httpx.Client]) -> None:
    _, device = reader
    response = device.post("/api/v1/events", json=[])
    assert response.status_code == 422
    assert "no events" in response.json()["message"]


def test_unknown_token_is_401(shared_server: LiveServer) -> None:
    with device_client(shared_server, "swd_000000000000_nope") as device:
        response = device.post("/api/v1/events", json=[granted()])
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_token_is_401_and_says_how_to_fix(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    with shared_server.client() as admin:
        assert admin.delete(f"/api/v1/sites/{site}/devices/door-1/token").status_code == 200
    response = device.post("/api/v1/events", json=[granted()])
    assert response.status_code == 401
    message = response.json()["message"]
    assert "revoked" in message and f"sitewarden devices token {site} door-1" in message
    assert stored_count(shared_server, site) == 0


def test_rotated_token_replaces_the_old_one(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    with shared_server.client() as admin:
        fresh = admin.post(f"/api/v1/sites/{site}/devices/door-1/token").json()["token"]
    assert device.post("/api/v1/events", json=[granted()]).status_code == 401
    with device_client(shared_server, fresh) as renewed:
        assert renewed.post("/api/v1/events", json=[granted()]).status_code == 200


def test_device_may_not_post_for_another_site(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    _, device = reader
    shared_server.add_site_with_device("victim", "door-9", DeviceKind.ACCESS_READER)
    response = device.post("/api/v1/events", json=[granted(site="victim")])
    assert response.status_code == 422
    assert "may not post events for site 'victim'" in response.json()["rejected"][0]["reason"]
    with shared_server.client() as admin:
        assert admin.get("/api/v1/events", params={"site": "victim"}).json()["events"] == []


def test_device_may_not_post_as_another_device(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    _, device = reader
    response = device.post("/api/v1/events", json=[granted(device="door-2")])
    assert response.status_code == 422
    assert "only gateways relay" in response.json()["rejected"][0]["reason"]


def test_gateway_relays_for_devices_of_its_own_site(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("relay", "gw", DeviceKind.GATEWAY)
    shared_server.add_site_with_device("relay", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with device_client(shared_server, token) as gateway:
        ok = gateway.post("/api/v1/events", json=[{"kind": "alarm.smoke", "device": "smoke-1"}])
        missing = gateway.post("/api/v1/events", json=[{"kind": "alarm.smoke", "device": "ghost"}])
    assert ok.status_code == 200
    with shared_server.client() as admin:
        stored = admin.get(f"/api/v1/events/{ok.json()['accepted'][0]}").json()
    assert stored["device_id"] == "smoke-1" and stored["severity"] == "critical"
    assert (
        missing.status_code == 422 and "not registered" in missing.json()["rejected"][0]["reason"]
    )


def test_device_kind_limits_what_it_may_send(reader: tuple[str, httpx.Client]) -> None:
    _, device = reader
    plate = {
        "kind": "plate.read",
        "attributes": {"confidence": 0.9},
        "personal": {"plate": "浙A12345"},
    }
    response = device.post("/api/v1/events", json=[plate])
    assert response.status_code == 422
    assert "does not send 'plate.read'" in response.json()["rejected"][0]["reason"]


def test_time_far_in_the_future_is_rejected(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    ahead = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    naive = datetime.now(UTC).replace(tzinfo=None).isoformat()
    response = device.post("/api/v1/events", json=[granted(time=ahead), granted(time=naive)])
    assert response.status_code == 422
    reasons = [item["reason"] for item in response.json()["rejected"]]
    assert "ahead of the server clock" in reasons[0]
    assert "timezone" in reasons[1]
    assert stored_count(shared_server, site) == 0


def test_device_time_is_kept_and_received_time_set(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    _, device = reader
    earlier = datetime.now(UTC) - timedelta(minutes=10)
    accepted = device.post("/api/v1/events", json=[granted(time=earlier.isoformat())]).json()[
        "accepted"
    ]
    with shared_server.client() as admin:
        event = admin.get(f"/api/v1/events/{accepted[0]}").json()
    occurred = datetime.fromisoformat(event["occurred_at"])
    received = datetime.fromisoformat(event["received_at"])
    assert abs((occurred - earlier).total_seconds()) < 0.001
    assert received - occurred > timedelta(minutes=9)


def test_operator_credentials_cannot_post_events(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        response = admin.post("/api/v1/events", json=[granted()])
    assert response.status_code == 403
    assert "only devices" in response.json()["message"]


def test_ingest_marks_the_device_seen(
    shared_server: LiveServer, reader: tuple[str, httpx.Client]
) -> None:
    site, device = reader
    with shared_server.client() as admin:
        before = admin.get(f"/api/v1/sites/{site}/devices/door-1").json()
        device.post("/api/v1/events", json=[{"kind": "device.heartbeat"}])
        after = admin.get(f"/api/v1/sites/{site}/devices/door-1").json()
    assert before["status"] == "unknown" and before["last_seen_at"] is None
    assert after["status"] == "online" and after["last_seen_at"] is not None
