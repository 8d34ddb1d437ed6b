"""Gates against a real server: sessions, fees, payments, lists, permits, races, reviews,
lookups and reports, all through the HTTP API with device tokens and operator keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends

TARIFF = {
    "currency": "CNY",
    "hourly_minor": 500,
    "free_minutes": 0,
    "daily_cap_minor": 3000,
    "lost_ticket_minor": 8000,
    "exit_grace_minutes": 15,
}


class Garage:
    """A site with one garage, an entry lane and two exit lanes."""

    def __init__(self, server: LiveServer, site: str, capacity: int | None = None) -> None:
        self.server = server
        self.site = site
        self.tokens = {
            name: server.add_site_with_device(site, name, DeviceKind.PLATE_CAMERA, "garage")
            for name in ("gate-in", "gate-out", "gate-out-2")
        }
        with server.client() as admin:
            for name, direction in (
                ("gate-in", "entry"),
                ("gate-out", "exit"),
                ("gate-out-2", "exit"),
            ):
                response = admin.put(
                    f"/api/v1/parking/sites/{site}/lanes/{name}", json={"direction": direction}
                )
                assert response.status_code == 200, response.text
            assert (
                admin.put(
                    f"/api/v1/parking/sites/{site}/garages/garage/tariff", json=TARIFF
                ).status_code
                == 200
            )
            if capacity is not None:
                admin.patch(f"/api/v1/sites/{site}/zones/garage", json={"capacity": capacity})

    def read(self, lane: str, plate: str, **extra: Any) -> httpx.Response:
        with device_client(self.server, self.tokens[lane]) as camera:
            return camera.post(f"/api/v1/gates/{lane}/reads", json={"plate": plate, **extra})

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.server.client() as admin:
            return admin.request(method, f"/api/v1/parking/sites/{self.site}{path}", **kwargs)


def events_of(server: LiveServer, site: str, kind: str) -> list[dict[str, Any]]:
    with server.client() as admin:
        page = admin.get("/api/v1/events", params={"site": site, "kind": kind}).json()
    return list(page["events"])


def alerts_of(server: LiveServer, site: str, rule: str) -> list[dict[str, Any]]:
    with server.client() as admin:
        found = admin.get("/api/v1/alerts", params={"site": site, "state": "open"}).json()
    return [a for a in found["alerts"] if a["rule_id"] == rule]


def test_entry_opens_a_session_and_the_answer_masks_the_plate(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-entry")
    answer = garage.read("gate-in", "浙A·12345", confidence=0.99).json()
    assert answer["open"] is True and answer["reason"] == "ticketless"
    assert answer["plate"] == "浙A·***" and answer["plate_format"] == "cn"
    assert answer["session_id"] and answer["event_id"]
    entries = events_of(shared_server, "pk-entry", "parking.entry")
    assert len(entries) == 1 and entries[0]["attributes"]["session_id"] == answer["session_id"]
    assert entries[0]["personal_state"] == "sealed"
    occupancy = garage.admin("GET", "/occupancy").json()
    assert occupancy == [
        {"zone_id": "garage", "name": "Garage", "capacity": None, "occupied": 1, "lanes": 3}
    ]


def test_unpaid_exit_stays_shut_alerts_and_opens_once_paid(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-pay")
    session = garage.read("gate-in", "粤B·D12345").json()["session_id"]
    shut = garage.read("gate-out", "粤B·D12345").json()
    assert shut["open"] is False and shut["reason"] == "unpaid" and shut["due_minor"] == 500
    assert len(events_of(shared_server, "pk-pay", "parking.unpaid_exit")) == 1
    assert len(alerts_of(shared_server, "pk-pay", "unpaid-exit")) == 1

    with shared_server.client(Role.OPERATOR) as till:
        quote = till.get(f"/api/v1/parking/sessions/{session}").json()
        assert quote["due_now_minor"] == 500 and quote["currency"] == "CNY"
        payment = {"amount_minor": 500, "currency": "CNY", "method": "app", "reference": "tx-1"}
        first = till.post(f"/api/v1/parking/sessions/{session}/payments", json=payment)
        retry = till.post(f"/api/v1/parking/sessions/{session}/payments", json=payment)
        wrong = till.post(
            f"/api/v1/parking/sessions/{session}/payments",
            json={**payment, "currency": "EUR", "reference": "tx-2"},
        )
    assert first.status_code == 201 and first.json()["session"]["paid_minor"] == 500
    assert retry.status_code == 200 and retry.json()["recorded"] is False
    assert retry.json()["session"]["paid_minor"] == 500  # a retried payment counts once
    assert wrong.status_code == 422

    opened = garage.read("gate-out", "粤B·D12345").json()
    assert opened["open"] is True and opened["reason"] == "paid" and opened["fee_minor"] == 500
    exits = events_of(shared_server, "pk-pay", "parking.exit")
    assert len(exits) == 1 and exits[0]["attributes"]["fee_minor"] == 500
    with shared_server.client(Role.OPERATOR) as till:
        late = till.post(
            f"/api/v1/parking/sessions/{session}/payments", json={**payment, "reference": "tx-3"}
        )
    assert late.status_code == 409  # the stay is closed


def test_deny_list_keeps_the_gate_shut_and_the_barred_vehicle_alert_fires(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-deny")
    entry = garage.admin(
        "POST", "/lists", json={"plate": "苏E·77777", "list": "deny", "reason": "stolen"}
    )
    assert entry.status_code == 201 and "77777" not in entry.text  # only the subject id
    answer = garage.read("gate-in", "苏E77777").json()
    assert answer["open"] is False and answer["reason"] == "deny_list"
    denied = events_of(shared_server, "pk-deny", "parking.denied")
    assert len(denied) == 1 and denied[0]["attributes"]["reason"] == "deny_list"
    assert len(alerts_of(shared_server, "pk-deny", "barred-vehicle")) == 1
    assert garage.admin("GET", "/sessions").json() == []


def test_permit_holders_come_and_go_without_paying(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-permit")
    now = datetime.now(UTC)
    permit = garage.admin(
        "POST",
        "/permits",
        json={
            "plate": "沪C·88888",
            "kind": "resident",
            "valid_from": (now - timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=30)).isoformat(),
        },
    )
    assert permit.status_code == 201
    assert garage.read("gate-in", "沪C88888").json()["reason"] == "permit"
    leaving = garage.read("gate-out", "沪C88888").json()
    assert leaving["open"] is True and leaving["reason"] == "permit" and leaving["fee_minor"] == 0


def test_list_entries_and_permits_refuse_bad_windows_and_store_nothing(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-windows")
    now = datetime.now(UTC)
    later, earlier = (now + timedelta(days=1)).isoformat(), now.isoformat()
    naive = now.replace(tzinfo=None).isoformat()
    cases = [
        ({"valid_from": later, "valid_until": earlier}, "valid_until must be after valid_from"),
        ({"valid_from": naive, "valid_until": later}, "timezone offset"),
        ({"valid_from": earlier, "valid_until": later, "zone_id": "nowhere"}, "nowhere"),
    ]
    for window, problem in cases:
        entry = {"plate": "苏E·12345", "list": "deny", "reason": "test", **window}
        permit = {"plate": "苏E·12345", "kind": "staff", **window}
        for path, body in (("/lists", entry), ("/permits", permit)):
            answer = garage.admin("POST", path, json=body)
            assert 400 <= answer.status_code < 500 and problem in answer.text, answer.text
    assert garage.admin("GET", "/lists").json() == []
    assert garage.admin("GET", "/permits").json() == []
    searched = garage.admin("GET", "/sessions", params={"since": later, "until": earlier})
    assert searched.status_code == 422 and "until must be after since" in searched.text


def test_repeated_reads_within_seconds_are_one_read(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-dup")
    first = garage.read("gate-in", "浙B·11111").json()
    again = garage.read("gate-in", "浙B·11111").json()
    assert again["duplicate"] is True and again["session_id"] == first["session_id"]
    assert len(events_of(shared_server, "pk-dup", "parking.entry")) == 1
    shut = [garage.read("gate-out", "浙B·11111").json() for _ in range(3)]
    assert [s["open"] for s in shut] == [False] * 3
    assert len(events_of(shared_server, "pk-dup", "parking.unpaid_exit")) == 1


def test_two_exits_at_once_close_the_stay_once(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-race")
    now = datetime.now(UTC)
    garage.admin(
        "POST",
        "/lists",
        json={
            "plate": "闽D·22222",
            "list": "allow",
            "reason": "staff car",
            "valid_from": (now - timedelta(hours=1)).isoformat(),
        },
    )
    garage.read("gate-in", "闽D·22222")
    answers: list[dict[str, Any]] = []
    start = threading.Barrier(2)

    def leave(lane: str) -> None:
        start.wait()
        answers.append(garage.read(lane, "闽D·22222").json())

    threads = [threading.Thread(target=leave, args=(lane,)) for lane in ("gate-out", "gate-out-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["open"] for a in answers) == [False, True]
    assert {a["reason"] for a in answers} == {"allow_list", "already_exited"}
    assert len(events_of(shared_server, "pk-race", "parking.exit")) == 1
    sessions = garage.admin("GET", "/sessions").json()
    assert [s["state"] for s in sessions] == ["closed"]


def test_concurrent_payments_with_distinct_references_all_count(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-pays")
    session = garage.read("gate-in", "晋A·33333").json()["session_id"]

    def pay(index: int) -> None:
        with shared_server.client(Role.OPERATOR) as till:
            till.post(
                f"/api/v1/parking/sessions/{session}/payments",
                json={
                    "amount_minor": 100,
                    "currency": "CNY",
                    "method": "card",
                    "reference": f"r{index % 4}",
                },
            )

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with shared_server.client(Role.VIEWER) as viewer:
        assert viewer.get(f"/api/v1/parking/sessions/{session}").json()["paid_minor"] == 400
    revenue = garage.admin(
        "GET",
        "/revenue",
        params={
            "since": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "until": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    ).json()
    assert sum(day["amount_minor"] for day in revenue) == 400
    assert sum(day["payments"] for day in revenue) == 4


def test_exit_without_entry_applies_the_lost_ticket_rule(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-lost")
    shut = garage.read("gate-out", "鲁B·44444").json()
    assert shut["open"] is False and shut["reason"] == "no_entry_record"
    assert shut["due_minor"] == 8000 and shut["session_id"]
    with shared_server.client(Role.OPERATOR) as till:
        till.post(
            f"/api/v1/parking/sessions/{shut['session_id']}/payments",
            json={"amount_minor": 8000, "currency": "CNY", "method": "cash", "reference": "p"},
        )
    assert garage.read("gate-out-2", "鲁B·44444").json()["open"] is True


def test_a_second_entry_without_exit_voids_the_first_stay(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-twice")
    first = garage.read("gate-in", "冀F·55555").json()["session_id"]
    with shared_server.client() as admin:
        admin.put(
            "/api/v1/parking/sites/pk-twice/plate-settings",
            json={"formats": ["cn", "cn_ne"], "duplicate_window_s": 0},
        )
    second = garage.read("gate-in", "冀F·55555").json()
    assert second["open"] is True and second["voided_sessions"] == [first]
    states = {s["session_id"]: s["state"] for s in garage.admin("GET", "/sessions").json()}
    assert states == {first: "voided", second["session_id"]: "open"}


def test_a_full_garage_admits_permit_holders_only(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-full", capacity=1)
    assert garage.read("gate-in", "豫A·66666").json()["open"] is True
    full = garage.read("gate-in", "豫A·66667").json()
    assert full["open"] is False and full["reason"] == "full"
    assert alerts_of(shared_server, "pk-full", "barred-vehicle") == []


def test_a_read_that_fits_no_format_is_no_plate_and_stores_nothing(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-noplate")
    answer = garage.read("gate-in", "HELLO WORLD").json()
    assert answer["open"] is False and answer["reason"] == "no_plate"
    assert "cn" in answer["detail"] and answer["plate"] is None
    assert garage.admin("GET", "/sessions").json() == []
    assert events_of(shared_server, "pk-noplate", "parking") == []


def test_low_confidence_reads_wait_for_an_operator(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-review")
    held = garage.read("gate-in", "川A·9999O", confidence=0.4).json()
    assert held["open"] is False and held["reason"] == "review" and held["review_id"]
    with shared_server.client(Role.OPERATOR) as operator:
        queue = operator.get(
            "/api/v1/parking/sites/pk-review/reviews", params={"purpose": "gate review"}
        ).json()
        assert [q["review_id"] for q in queue] == [held["review_id"]]
        assert queue[0]["plate"] == "川A·***" and queue[0]["disclosure"] == "masked"
        resolved = operator.post(
            f"/api/v1/parking/sites/pk-review/reviews/{held['review_id']}/resolve",
            json={"plate": "川A·99990"},
        ).json()
        assert resolved["review"]["state"] == "resolved"
        assert resolved["decision"]["open"] is True
        again = operator.post(
            f"/api/v1/parking/sites/pk-review/reviews/{held['review_id']}/resolve",
            json={"dismiss": True},
        )
    assert again.status_code == 422
    with shared_server.client(Role.VIEWER) as viewer:
        assert viewer.get("/api/v1/parking/sites/pk-review/reviews").status_code == 403


def test_an_unsure_read_lets_the_car_in_where_the_site_admits_and_an_operator_confirms(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-admit")
    settings = garage.admin(
        "PUT", "/plate-settings", json={"formats": ["cn"], "unsure_reads": "admit"}
    )
    assert settings.status_code == 200 and settings.json()["unsure_reads"] == "admit"
    admitted = garage.read("gate-in", "闽D·12345", confidence=0.4).json()
    assert admitted["open"] is True and admitted["reason"] == "review_admitted"
    assert admitted["review_id"] and admitted["session_id"] is None
    assert "12345" not in admitted["detail"]
    assert garage.admin("GET", "/sessions").json() == []  # no stay on a guessed plate
    held = garage.read("gate-out", "闽D·12345", confidence=0.4).json()
    assert held["open"] is False and held["reason"] == "review"  # no fee on a guess
    with shared_server.client(Role.OPERATOR) as operator:
        resolved = operator.post(
            f"/api/v1/parking/sites/pk-admit/reviews/{admitted['review_id']}/resolve",
            json={"plate": "闽D·12345"},
        ).json()
    assert resolved["decision"]["open"] is True and resolved["decision"]["session_id"]


def test_a_bad_unsure_reads_policy_is_refused_and_nothing_changes(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-policy")
    refused = garage.admin(
        "PUT", "/plate-settings", json={"formats": ["cn"], "unsure_reads": "open"}
    )
    assert refused.status_code == 422 and "unsure_reads" in refused.text
    current = garage.admin("GET", "/plate-settings").json()
    assert current["unsure_reads"] == "hold" and current["formats"] != ["cn"]


def test_sessions_search_by_plate_uses_the_blind_index_and_is_audited(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, "pk-lookup")
    session = garage.read("gate-in", "黑A·12121").json()["session_id"]
    garage.read("gate-in", "黑A·34343")
    body = {"site": "pk-lookup", "plate": "黑A12121", "purpose": "complaint 42"}
    with shared_server.client(Role.OPERATOR) as operator:
        found = operator.post("/api/v1/parking/sessions/lookup", json=body).json()
    assert [s["session_id"] for s in found] == [session]
    assert found[0]["plate"] == "黑A·***" and found[0]["disclosure"] == "masked"
    with shared_server.client(Role.PRIVACY_OFFICER) as officer:
        full = officer.post("/api/v1/parking/sessions/lookup", json=body).json()
        assert full[0]["plate"] == "黑A12121" and full[0]["disclosure"] == "full"
    with shared_server.client(Role.AUDITOR) as auditor:
        audit = auditor.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    lookups = [e for e in audit if e["action"] == "parking.sessions.lookup"]
    assert len(lookups) >= 2 and lookups[-1]["purpose"] == "complaint 42"
    with shared_server.client(Role.OPERATOR) as operator:
        plain = operator.get("/api/v1/parking/sites/pk-lookup/sessions").json()
    assert all(s["plate"] is None for s in plain)  # no purpose, no plates


def test_gate_routes_check_who_posts(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-auth")
    camera = shared_server.add_site_with_device("pk-auth", "cam-lobby", DeviceKind.CAMERA)
    unset = shared_server.add_site_with_device("pk-auth", "gate-new", DeviceKind.PLATE_CAMERA)
    read = {"plate": "浙A·12345"}
    with device_client(shared_server, camera) as client:
        assert client.post("/api/v1/gates/cam-lobby/reads", json=read).status_code == 403
        assert client.post("/api/v1/gates/gate-in/reads", json=read).status_code == 403
        assert client.post("/api/v1/gates/nowhere/reads", json=read).status_code == 404
    with device_client(shared_server, unset) as client:
        response = client.post("/api/v1/gates/gate-new/reads", json=read)
        assert response.status_code == 422 and "lanes/gate-new" in response.json()["message"]
    with shared_server.client() as admin:
        assert admin.post("/api/v1/gates/gate-in/reads", json=read).status_code == 403
    assert garage.read("gate-in", "浙A·12345", confidence=2).status_code == 422


def test_occupancy_over_time_counts_vehicles_inside(shared_server: LiveServer) -> None:
    garage = Garage(shared_server, "pk-series")
    garage.read("gate-in", "甘A·10101")
    now = datetime.now(UTC)
    points = garage.admin(
        "GET",
        "/garages/garage/occupancy",
        params={
            "since": (now - timedelta(hours=2)).isoformat(),
            "until": (now + timedelta(minutes=5)).isoformat(),
            "step_minutes": 60,
        },
    ).json()
    assert [p["occupied"] for p in points] == [0, 0, 1]
    same = {"since": now.isoformat(), "until": now.isoformat()}
    assert garage.admin("GET", "/revenue", params=same).status_code == 422
