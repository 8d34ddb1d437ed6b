"""Badge decisions against a real server: enrolment, rules, barred people and their
alert, validity windows, sealed storage, and bad input that stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends

ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]


class AccessSite:
    """A site with a gate reader, a door reader and an admin to enrol people."""

    def __init__(self, server: LiveServer, site: str) -> None:
        self.server = server
        self.site = site
        self.readers = {
            "gate": server.add_site_with_device(site, "gate", DeviceKind.ACCESS_READER, "lobby"),
            "door": server.add_site_with_device(site, "door", DeviceKind.ACCESS_READER, "tower"),
        }

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with self.server.client() as admin:
            return admin.request(method, f"/api/v1/access/sites/{self.site}{path}", **kwargs)

    def person(self, name: str, group: str = "resident", **extra: Any) -> dict[str, Any]:
        answer = self.admin("POST", "/people", json={"name": name, "group": group, **extra})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def rule(self, rule_id: str, group: str, zone: str = "*", windows: Any = None) -> None:
        body = {"group": group, "zone_id": zone, "windows": windows or ALWAYS}
        answer = self.admin("PUT", f"/rules/{rule_id}", json=body)
        assert answer.status_code == 200, answer.text

    def badge(self, badge: str, reader: str = "gate", **extra: Any) -> httpx.Response:
        with device_client(self.server, self.readers[reader]) as device:
            return device.post(
                f"/api/v1/readers/{reader}/decide", json={"badge_id": badge, **extra}
            )


def events_of(server: LiveServer, site: str, kind: str) -> list[dict[str, Any]]:
    with server.client() as admin:
        page = admin.get("/api/v1/events", params={"site": site, "kind": kind}).json()
    return list(page["events"])


def test_enrolled_badge_is_granted_and_the_event_is_sealed_under_the_person(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ac-grant")
    site.rule("residents", "resident")
    person = site.person("Wang Fang", badges=["B-1001"], phone="13800138000")
    answer = site.badge("b-1001")  # badge ids are matched case-blind
    body = answer.json()
    assert answer.status_code == 200, body
    assert body["granted"] is True and body["reason"] == "granted"
    assert body["person_name"] == "W*** F***" and body["rule_id"] == "residents"
    assert body["person_ref"].startswith("***") and person["person_id"] not in body["person_ref"]
    [event] = events_of(shared_server, "ac-grant", "access.granted")
    assert event["attributes"]["person_ref"] == person["person_id"]
    assert event["personal_state"] == "sealed" and event["personal"] is None


def test_unknown_badge_is_denied_not_enrolled(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-unknown")
    site.rule("residents", "resident")
    body = site.badge("NOPE-1").json()
    assert body["granted"] is False and body["reason"] == "not_enrolled"
    assert body["person_ref"] is None
    [event] = events_of(shared_server, "ac-unknown", "access.denied")
    assert event["attributes"]["reason"] == "not_enrolled"


def test_group_without_a_rule_for_the_zone_is_not_permitted(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-zone")
    site.rule("staff-tower", "staff", zone="tower")
    site.person("Li Wei", group="staff", badges=["S-7"])
    assert site.badge("S-7", reader="door").json()["granted"] is True
    assert site.badge("S-7", reader="gate").json()["reason"] == "not_permitted"


def test_outside_the_weekly_window_is_denied_outside_schedule(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-sched")
    now = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    closed_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(now.weekday() + 3) % 7]
    site.rule(
        "contractors",
        "contractor",
        windows=[{"days": [closed_day], "start": "08:00", "end": "18:00"}],
    )
    site.person("Chen Jie", group="contractor", badges=["C-9"])
    assert site.badge("C-9").json()["reason"] == "outside_schedule"


def test_today_as_a_holiday_closes_rules_that_do_not_apply_on_holidays(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ac-holiday")
    site.rule("staff", "staff")
    site.person("Zhang Min", group="staff", badges=["H-1"])
    assert site.badge("H-1").json()["granted"] is True
    today = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).date()
    assert (
        site.admin("PUT", f"/holidays/{today}", json={"name": "Spring Festival"}).status_code == 200
    )
    assert site.badge("H-1").json()["reason"] == "holiday"


def test_barred_person_is_denied_and_raises_the_barred_person_alert(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ac-barred")
    site.rule("residents", "resident")
    person = site.person("Omar Haddad", badges=["X-13"])
    barred = site.admin(
        "POST", f"/people/{person['person_id']}/bar", json={"reason": "threatened staff"}
    )
    assert barred.status_code == 200 and barred.json()["barred_by"] == "admin-all"
    body = site.badge("X-13").json()
    assert body["granted"] is False and body["reason"] == "barred"
    with shared_server.client() as admin:
        alerts = admin.get("/api/v1/alerts", params={"site": "ac-barred", "state": "open"}).json()
    assert [a["rule_id"] for a in alerts["alerts"]] == ["barred-person"]
    assert alerts["alerts"][0]["severity"] == "critical"
    assert site.admin("DELETE", f"/people/{person['person_id']}/bar").status_code == 200
    assert site.badge("X-13").json()["granted"] is True


def test_validity_window_gives_expired_and_not_yet_valid(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-valid")
    site.rule("visitors", "visitor")
    now = datetime.now(UTC)
    site.person(
        "Anna Schmidt",
        group="visitor",
        badges=["V-1"],
        valid_from=(now - timedelta(days=2)).isoformat(),
        valid_until=(now - timedelta(hours=1)).isoformat(),
    )
    site.person(
        "Liu Yang",
        group="visitor",
        badges=["V-2"],
        valid_from=(now + timedelta(hours=2)).isoformat(),
    )
    assert site.badge("V-1").json()["reason"] == "expired"
    assert site.badge("V-2").json()["reason"] == "not_yet_valid"


def test_revoked_badge_is_denied_revoked(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-revoke")
    site.rule("residents", "resident")
    person = site.person("Wu Lei", badges=["R-5"])
    [badge] = site.admin("GET", f"/people/{person['person_id']}/badges").json()
    assert site.admin("POST", f"/badges/{badge['badge_ref']}/revoke").status_code == 204
    assert site.badge("R-5").json()["reason"] == "revoked"


def test_names_are_sealed_in_the_database_and_shown_only_with_a_purpose(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ac-sealed")
    person = site.person(
        "Xiaoming Sealedname", national_id="330102199001011234", badges=["SEAL-77"]
    )
    dump = shared_server.database_bytes()
    assert b"ac-sealed" in dump  # the site's rows are there, in the clear
    for secret in ("Sealedname", "330102199001011234", "SEAL77", "SEAL-77"):
        assert secret.encode() not in dump
    plain = site.admin("GET", f"/people/{person['person_id']}").json()
    assert plain["disclosure"] == "none" and plain["name"] is None
    full = site.admin("GET", f"/people/{person['person_id']}", params={"purpose": "resident asked"})
    assert full.json()["name"] == "Xiaoming Sealedname"
    with shared_server.client(Role.OPERATOR) as operator:
        masked = operator.get(
            f"/api/v1/access/sites/ac-sealed/people/{person['person_id']}",
            params={"purpose": "checking a door event"},
        ).json()
    assert masked["disclosure"] == "masked" and masked["name"] == "X******* S*********"
    assert masked["national_id"] == "***"
    with shared_server.client() as admin:
        audit = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    reads = [
        e for e in audit if e["action"] == "access.people.read" and e["site_id"] == "ac-sealed"
    ]
    assert [e["purpose"] for e in reads] == ["resident asked", "checking a door event"]


def test_a_device_that_is_not_an_access_reader_is_refused(shared_server: LiveServer) -> None:
    AccessSite(shared_server, "ac-notreader")
    token = shared_server.add_site_with_device("ac-notreader", "cam-1", DeviceKind.CAMERA, "lobby")
    with device_client(shared_server, token) as camera:
        answer = camera.post("/api/v1/readers/cam-1/decide", json={"badge_id": "B-1"})
    assert answer.status_code == 403
    assert "not an access_reader" in answer.json()["message"]
    assert events_of(shared_server, "ac-notreader", "access.denied") == []


def test_a_reader_may_not_ask_for_another_reader(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-other")
    with device_client(shared_server, site.readers["gate"]) as gate:
        answer = gate.post("/api/v1/readers/door/decide", json={"badge_id": "B-1"})
    assert answer.status_code == 403


def test_bad_decision_bodies_are_refused_and_store_nothing(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-bad")
    with device_client(shared_server, site.readers["gate"]) as gate:
        empty = gate.post("/api/v1/readers/gate/decide", json={})
        wrong_direction = gate.post(
            "/api/v1/readers/gate/decide", json={"badge_id": "B", "direction": "up"}
        )
        text = gate.post(
            "/api/v1/readers/gate/decide", content=b"hello", headers={"content-type": "text/plain"}
        )
        huge = gate.post(
            "/api/v1/readers/gate/decide",
            content=b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024),
            headers={"content-type": "image/jpeg"},
        )
    assert empty.status_code == 422 and "badge_id" in empty.json()["message"]
    assert wrong_direction.status_code == 422
    assert text.status_code == 415
    assert huge.status_code == 413
    assert events_of(shared_server, "ac-bad", "access.denied") == []
    assert events_of(shared_server, "ac-bad", "access.granted") == []


def test_people_of_another_site_are_not_found(shared_server: LiveServer) -> None:
    first = AccessSite(shared_server, "ac-site-a")
    AccessSite(shared_server, "ac-site-b")
    person = first.person("Sun Li")
    with shared_server.client() as admin:
        answer = admin.get(f"/api/v1/access/sites/ac-site-b/people/{person['person_id']}")
        badge = admin.post(
            f"/api/v1/access/sites/ac-site-b/people/{person['person_id']}/badges",
            json={"badge_id": "Z-1"},
        )
    assert answer.status_code == 404 and badge.status_code == 404
    with shared_server.client(Role.OPERATOR, sites=("ac-site-b",)) as scoped:
        hidden = scoped.get(f"/api/v1/access/sites/ac-site-a/people/{person['person_id']}")
    assert hidden.status_code == 404


def test_a_badge_is_enrolled_once_per_site(shared_server: LiveServer) -> None:
    site = AccessSite(shared_server, "ac-dup")
    first = site.person("Ma Jun")
    second = site.person("Hu Ping")
    assert (
        site.admin(
            "POST", f"/people/{first['person_id']}/badges", json={"badge_id": "D-1"}
        ).status_code
        == 201
    )
    again = site.admin("POST", f"/people/{second['person_id']}/badges", json={"badge_id": " d-1 "})
    assert again.status_code == 409
