"""Alerts against real server processes: lifecycle, dedupe, device health across a
restart, signed webhooks with retries and dead letters, the live stream, occupancy."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.occupancy.aggregator import interval_start
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends

FAST = "\n".join(
    [
        "health_check_interval_s = 0.3",
        "offline_after_intervals = 0.4",
        "escalate_after_minutes = 0.02",
        "webhook_max_attempts = 2",
        # The receivers below listen on this host, which webhooks may reach only when allowed.
        'webhook_allowed_networks = ["127.0.0.0/8"]',
    ]
)


def wait_for(check: Callable[[], Any], seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def alerts(server: LiveServer, **params: Any) -> list[dict[str, Any]]:
    with server.client(Role.VIEWER) as viewer:
        return viewer.get("/api/v1/alerts", params=params).json()["alerts"]


class Receiver:
    """A real local HTTP server that records webhook deliveries."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.release = threading.Event()
        self.release.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.release.wait(30)
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def fast(configured_server: Callable[[str], LiveServer]) -> LiveServer:
    return configured_server(FAST)


def test_alarm_opens_repeats_dedupe_and_a_clear_waits_for_acknowledgement(
    fast: LiveServer,
) -> None:
    """ISA-18.2: a critical alarm that returns to normal before anyone acknowledged it is
    not resolved by itself; it stays "returned, unacknowledged" until a person acknowledges
    it, which resolves it."""
    token = fast.add_site_with_device("a", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
        device.post(
            "/api/v1/events",
            json=[
                {"kind": "alarm.smoke"},
                {"kind": "alarm.smoke", "attributes": {"state": "test"}},
            ],
        )
        opened = alerts(fast, site="a")
        assert len(opened) == 1
        assert (
            opened[0]["rule_id"] == "smoke"
            and opened[0]["count"] == 2
            and opened[0]["state"] == "open"
        )
        device.post(
            "/api/v1/events", json=[{"kind": "alarm.smoke", "attributes": {"state": "clear"}}]
        )
    returned = alerts(fast, site="a")[0]
    assert returned["state"] == "returned" and returned["resolved_by"] is None
    assert returned["alarm_state"] == "returned_unacknowledged" and returned["returned_at"]
    with fast.client(Role.OPERATOR) as operator:
        acked = operator.post(f"/api/v1/alerts/{returned['alert_id']}/acknowledge", json={})
    assert acked.status_code == 200, acked.text
    resolved = acked.json()
    assert resolved["state"] == "resolved" and resolved["resolved_by"] == "operator-all"
    assert resolved["acknowledged_by"] == "operator-all"


def test_acknowledge_and_resolve_with_notes_and_history(fast: LiveServer) -> None:
    token = fast.add_site_with_device("b", "door-1", DeviceKind.DOOR_CONTACT)
    fast.add_site_with_device("other", "door-9", DeviceKind.DOOR_CONTACT)
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "door.forced"}])
    alert_id = alerts(fast, site="b")[0]["alert_id"]
    with fast.client(Role.VIEWER) as viewer:
        assert viewer.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={}).status_code == 403
    with fast.client(Role.OPERATOR) as operator:
        ack = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "guard sent"})
        assert ack.status_code == 200 and ack.json()["acknowledged_by"] == "operator-all"
        again = operator.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={})
        assert again.status_code == 409 and "acknowledged" in again.json()["message"]
        done = operator.post(
            f"/api/v1/alerts/{alert_id}/resolve", json={"note": "door closed, no entry"}
        ).json()
        assert done["state"] == "resolved"
        detail = operator.get(f"/api/v1/alerts/{alert_id}").json()
    assert [(h["action"], h["note"]) for h in detail["history"]][1:] == [
        ("acknowledged", "guard sent"),
        ("resolved", "door closed, no entry"),
    ]
    with fast.client(Role.OPERATOR, sites=("other",)) as elsewhere:
        assert elsewhere.get(f"/api/v1/alerts/{alert_id}").status_code == 404
        assert elsewhere.post(f"/api/v1/alerts/{alert_id}/resolve", json={}).status_code == 404


def test_critical_alert_unacknowledged_escalates(fast: LiveServer) -> None:
    token = fast.add_site_with_device("c", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
    escalated = wait_for(lambda: [a for a in alerts(fast, site="c") if a["escalated_at"]])
    assert escalated[0]["severity"] == "critical"


def test_device_offline_opens_and_resumes_resolves_across_a_restart(fast: LiveServer) -> None:
    token = fast.add_site_with_device("d", "cam-1", DeviceKind.CAMERA)
    store = fast.open_storage()
    device = store.registry.get_device("d", "cam-1")
    store.close()
    assert device is not None and device.heartbeat_s == 60
    with fast.client(Role.ADMIN) as admin:
        admin.patch("/api/v1/sites/d/devices/cam-1", json={"heartbeat_s": 5})  # offline after 2 s
    with device_client(fast, token) as camera:
        camera.post("/api/v1/events", json=[{"kind": "device.heartbeat"}])
        opened = wait_for(lambda: alerts(fast, site="d", state="open"))
        assert opened[0]["rule_id"] == "device-offline" and opened[0]["device_id"] == "cam-1"
        camera.post("/api/v1/events", json=[{"kind": "device.heartbeat"}])
        resolved = wait_for(lambda: alerts(fast, site="d", state="returned"))
    with fast.client(Role.VIEWER) as viewer:
        history = viewer.get(f"/api/v1/alerts/{resolved[0]['alert_id']}").json()["history"]
        offline_events = viewer.get(
            "/api/v1/events", params={"site": "d", "kind": "device.offline"}
        ).json()["events"]
    assert history[-1]["note"] == "device back online"
    assert len(offline_events) == 1

    # Stopped while the device goes silent: on restart it is found offline, once.
    with device_client(fast, token) as camera:
        camera.post("/api/v1/events", json=[{"kind": "device.heartbeat"}])
    fast.stop()
    time.sleep(2.5)
    fast.start()
    wait_for(lambda: alerts(fast, site="d", state="open"))
    time.sleep(1)
    assert len(alerts(fast, site="d", state="open")) == 1
    with fast.client(Role.VIEWER) as viewer:
        offline_events = viewer.get(
            "/api/v1/events", params={"site": "d", "kind": "device.offline"}
        ).json()["events"]
    assert len(offline_events) == 2


def test_signed_webhook_is_delivered(fast: LiveServer, receiver: Receiver) -> None:
    token = fast.add_site_with_device("e", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with fast.client(Role.ADMIN) as admin:
        created = admin.post("/api/v1/webhooks", json={"url": receiver.url, "site_id": "e"}).json()
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
    headers, body = wait_for(lambda: receiver.requests)[0]
    signature = headers["X-Sitewarden-Signature"]
    stamp, mac = (part.split("=", 1)[1] for part in signature.split(","))
    expected = hmac.new(
        created["secret"].encode(), f"{stamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(mac, expected)
    payload = json.loads(body)
    assert payload["change"] == "opened" and payload["alert"]["rule_id"] == "smoke"
    assert "personal" not in body.decode()


def test_failing_receiver_is_retried_then_dead_lettered(fast: LiveServer) -> None:
    failing = Receiver(status=500)
    try:
        token = fast.add_site_with_device("f", "door-1", DeviceKind.DOOR_CONTACT)
        with fast.client(Role.ADMIN) as admin:
            admin.post("/api/v1/webhooks", json={"url": failing.url, "site_id": "f"})
            with device_client(fast, token) as device:
                device.post("/api/v1/events", json=[{"kind": "door.forced"}])
            wait_for(lambda: len(failing.requests) >= 2)
            dead = wait_for(lambda: admin.get("/api/v1/webhooks/dead-letters").json())
        assert dead[0]["attempts"] == 2 and dead[0]["last_error"] == "HTTP 500"
    finally:
        failing.close()


def test_a_stuck_receiver_does_not_hold_up_ingest(fast: LiveServer, receiver: Receiver) -> None:
    receiver.release.clear()  # the receiver hangs until the test lets it go
    token = fast.add_site_with_device("g", "gw", DeviceKind.GATEWAY)
    with fast.client(Role.ADMIN) as admin:
        admin.post("/api/v1/webhooks", json={"url": receiver.url, "site_id": "g"})
    batch = b"\n".join(orjson.dumps({"kind": "door.forced", "note": str(i)}) for i in range(1000))
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
        for _ in range(5):
            answer = device.post(
                "/api/v1/events", content=batch, headers={"content-type": "application/x-ndjson"}
            )
            assert answer.status_code == 200 and len(answer.json()["accepted"]) == 1000
    assert receiver.requests == []  # still stuck, yet 5,001 events were stored
    receiver.release.set()


def listen_for_first_alert(server: LiveServer) -> tuple[threading.Thread, list[dict[str, Any]]]:
    """A viewer on ``server``'s live stream; the list gets the first change it sees."""
    key = server.api_key_for(Role.VIEWER)
    received: list[dict[str, Any]] = []

    def listen() -> None:
        with httpx.stream(
            "GET",
            server.url + "/api/v1/alerts/stream",
            headers={"Authorization": f"Bearer {key}"},
            timeout=20,
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    time.sleep(0.5)
    return listener, received


def test_live_stream_receives_the_alert(fast: LiveServer) -> None:
    token = fast.add_site_with_device("h", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    listener, received = listen_for_first_alert(fast)
    with device_client(fast, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
    listener.join(timeout=15)
    assert (
        received
        and received[0]["alert"]["rule_id"] == "smoke"
        and received[0]["change"] == "opened"
    )


def test_wifi_identifiers_never_reach_the_database(fast: LiveServer) -> None:
    token = fast.add_site_with_device("w", "wifi-1", DeviceKind.WIFI_COUNTER)
    hashes = [hashlib.sha256(f"phone-{i}".encode()).hexdigest() for i in range(40)]
    # Both reports in one 2 s interval that ends at least 5 s from now: the node flushes
    # every 0.3 s here and drops an interval that has ended, so an interval ending between
    # the two posts would split the count.
    seen = datetime.now(UTC) + timedelta(seconds=5)
    seen_at = seen.isoformat()
    closes = interval_start(seen, 2) + timedelta(seconds=2)
    with device_client(fast, token) as counter:
        for chunk in (hashes[:30], hashes[10:]):
            answer = counter.post(
                "/api/v1/events",
                json=[
                    {
                        "kind": "wifi.presence",
                        "time": seen_at,
                        "attributes": {
                            "hashed_ids": chunk,
                            "salt_date": "2026-11-22",
                            "interval_s": 2,
                        },
                    }
                ],
            )
            assert answer.status_code == 200
    with fast.client(Role.VIEWER) as viewer:
        until = (closes + timedelta(seconds=2)).isoformat()  # the interval is ahead of now
        points = viewer.get("/api/v1/sites/w/occupancy", params={"until": until}).json()
        stored = viewer.get("/api/v1/events", params={"site": "w"}).json()["events"]
    assert [p["count"] for p in points if p["source"] == "wifi"] == [40]
    assert sorted(e["attributes"]["device_count"] for e in stored) == [30, 30]
    assert all("hashed_ids" not in e["attributes"] for e in stored)
    time.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 1.0)
    # the interval has closed and its in-memory set is dropped
    raw = fast.database_bytes()
    for value in hashes:
        assert value.encode() not in raw and value[:16].encode() not in raw


def test_over_capacity_alert_and_occupancy_series(fast: LiveServer) -> None:
    token = fast.add_site_with_device("o", "counter-1", DeviceKind.PEOPLE_COUNTER, zone_id="lobby")
    with fast.client(Role.ADMIN) as admin:
        assert admin.patch("/api/v1/sites/o/zones/lobby", json={"capacity": 10}).status_code == 200
    with device_client(fast, token) as counter:
        counter.post(
            "/api/v1/events", json=[{"kind": "occupancy.count", "attributes": {"count": 12}}]
        )
        opened = wait_for(lambda: alerts(fast, site="o", state="open"), 40)
        assert opened[0]["rule_id"] == "over-capacity" and opened[0]["zone_id"] == "lobby"
        counter.post(
            "/api/v1/events", json=[{"kind": "occupancy.count", "attributes": {"count": 4}}]
        )
    assert alerts(fast, site="o", state="returned")
    with fast.client(Role.VIEWER) as viewer:
        points = viewer.get("/api/v1/sites/o/occupancy", params={"zone": "lobby"}).json()
    assert points[-1]["source"] == "camera" and points[-1]["count"] == 4


def test_rules_can_be_listed_validated_and_replaced(fast: LiveServer) -> None:
    token = fast.add_site_with_device("r", "door-1", DeviceKind.DOOR_CONTACT)
    with fast.client(Role.ADMIN) as admin:
        ids = {rule["rule_id"] for rule in admin.get("/api/v1/alert-rules").json()}
        assert "door-held-open" in ids
        bad = admin.post(
            "/api/v1/alert-rules/validate",
            json={"rule_id": "x", "title": "X", "severity": "major", "kinds": ["door.slammed"]},
        )
        assert (
            bad.status_code == 422
            and "rule 'x'" in bad.json()["message"]
            and "kinds" in bad.json()["message"]
        )
        stricter = {
            "title": "Door held open over 30 s",
            "severity": "major",
            "kinds": ["door.held_open"],
            "conditions": [{"field": "open_seconds", "op": "gte", "value": 30}],
        }
        assert admin.put("/api/v1/alert-rules/door-held-open", json=stricter).status_code == 200
    with device_client(fast, token) as door:
        door.post(
            "/api/v1/events", json=[{"kind": "door.held_open", "attributes": {"open_seconds": 45}}]
        )
    assert alerts(fast, site="r")[0]["title"] == "Door held open over 30 s"
    with fast.client(Role.OPERATOR) as operator:
        assert operator.put("/api/v1/alert-rules/door-held-open", json=stricter).status_code == 403
