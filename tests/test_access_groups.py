"""Named access groups against a real server, on SQLite and PostgreSQL: a rule for a
named group lets its members in at its zone only, memberships are replaced through
the person's groups route (audited, bad names refused with nothing stored, another
site's person not found), the site's groups are listed with their member and rule
counts, and they go into the subject export and out with erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_access_decisions import AccessSite

pytestmark = pytest.mark.both_backends


class TowerSite(AccessSite):
    """A site with a reader in tower A and one in tower B."""

    def __init__(self, server: LiveServer, site: str) -> None:
        super().__init__(server, site)
        for tower in ("tower-a", "tower-b"):
            self.readers[tower] = server.add_site_with_device(
                site, f"{tower}-door", DeviceKind.ACCESS_READER, tower
            )

    def put_groups(self, person_id: str, groups: list[str]) -> tuple[int, dict[str, Any]]:
        answer = put_groups(self, person_id, groups)
        return answer.status_code, dict(answer.json())

    def decide(self, badge: str, tower: str) -> dict[str, Any]:
        with device_client(self.server, self.readers[tower]) as device:
            answer = device.post(f"/api/v1/readers/{tower}-door/decide", json={"badge_id": badge})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


def put_groups(site: AccessSite, person_id: str, groups: list[str]) -> httpx.Response:
    return site.admin("PUT", f"/people/{person_id}/groups", json={"groups": groups})


def stored_groups(server: LiveServer, site: str, person_id: str) -> list[str]:
    store = server.open_storage()
    try:
        return store.access_groups.groups_of(site, person_id)
    finally:
        store.close()


def test_a_rule_for_a_named_group_lets_its_members_in_at_its_zone_only(
    shared_server: LiveServer,
) -> None:
    site = TowerSite(shared_server, "ag-towers")
    site.rule("tower-a-residents", "tower-a", zone="tower-a")
    site.rule("tower-b-residents", "tower-b", zone="tower-b")
    person = site.person("Zhou Min", badges=["TA-1"])
    assert site.decide("TA-1", "tower-a")["reason"] == "not_permitted"  # in no group yet
    status, shown = site.put_groups(person["person_id"], ["tower-a", "gym", "tower-a"])
    assert status == 200 and shown["groups"] == ["gym", "tower-a"]
    granted = site.decide("TA-1", "tower-a")
    assert granted["granted"] is True and granted["rule_id"] == "tower-a-residents"
    refused = site.decide("TA-1", "tower-b")
    assert (refused["granted"], refused["reason"]) == (False, "not_permitted")
    # Attendance by a named group counts its members' passes.
    today = datetime.now(UTC).date()
    span = {"since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=1))}
    by_group = {
        group: site.admin("GET", "/attendance", params={**span, "group": group})
        for group in ("tower-a", "tower-b")
    }
    assert len(by_group["tower-a"].json()["days"]) == 1
    assert by_group["tower-b"].json()["days"] == []
    # The person's answer and the list, filtered by a named group, carry the groups.
    one = site.admin("GET", f"/people/{person['person_id']}").json()
    assert one["groups"] == ["gym", "tower-a"]
    other = site.person("Qian Bo")
    listed = site.admin("GET", "/people", params={"group": "tower-a"}).json()
    assert [p["person_id"] for p in listed] == [person["person_id"]]
    residents = site.admin("GET", "/people", params={"group": "resident"}).json()
    assert {p["person_id"] for p in residents} == {person["person_id"], other["person_id"]}
    # Replacing the memberships takes the person out of tower A.
    assert site.put_groups(person["person_id"], ["tower-b"])[0] == 200
    assert site.decide("TA-1", "tower-a")["reason"] == "not_permitted"
    assert site.decide("TA-1", "tower-b")["granted"] is True
    assert site.put_groups(person["person_id"], [])[1]["groups"] == []
    assert stored_groups(shared_server, "ag-towers", person["person_id"]) == []


def test_setting_groups_is_audited_without_personal_values_and_needs_access_manage(
    shared_server: LiveServer,
) -> None:
    site = TowerSite(shared_server, "ag-audit")
    person = site.person("Sun Yue")
    with shared_server.client(Role.OPERATOR) as operator:
        refused = operator.put(
            f"/api/v1/access/sites/ag-audit/people/{person['person_id']}/groups",
            json={"groups": ["tower-a"]},
        )
    assert refused.status_code == 403
    assert stored_groups(shared_server, "ag-audit", person["person_id"]) == []
    assert site.put_groups(person["person_id"], ["tower-a"])[0] == 200
    entries = [
        e
        for e in shared_server.audit_entries()
        if e["action"] == "access.person.groups" and e["site_id"] == "ag-audit"
    ]
    assert [e["targets"] for e in entries] == [[person["subject_id"]]]
    assert "Sun Yue" not in str(entries)


BAD_GROUPS = [
    (["Tower-A"], "'Tower-A' is not allowed"),
    (["tower a"], "'tower a' is not allowed"),
    (["-tower"], "'-tower' is not allowed"),
    (["x" * 41], "1 to 40"),
    (["tower-a", "staff"], "'staff' is a person type"),
    ([f"g{n}" for n in range(21)], "at most 20"),
]


def test_bad_group_names_are_refused_saying_which_and_nothing_is_stored(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ag-bad")
    person = site.person("Li Na")
    for groups, message in BAD_GROUPS:
        answer = put_groups(site, person["person_id"], groups)
        assert answer.status_code == 422, answer.text
        assert message in answer.text
        assert stored_groups(shared_server, "ag-bad", person["person_id"]) == []


def test_rules_take_a_person_type_or_a_named_group_and_nothing_else(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ag-rules")
    site.rule("night", "night-shift")
    site.rule("staff", "staff")
    bad = site.admin(
        "PUT",
        "/rules/bad",
        json={
            "group": "Night Shift",
            "zone_id": "*",
            "windows": [{"days": ["mon"], "start": "08:00", "end": "18:00"}],
        },
    )
    assert bad.status_code == 422 and "unknown group 'Night Shift'" in bad.text
    rules = site.admin("GET", "/rules").json()
    assert sorted(r["group"] for r in rules) == ["night-shift", "staff"]


def test_the_groups_route_lists_each_named_group_with_its_members_and_rules(
    shared_server: LiveServer,
) -> None:
    site = TowerSite(shared_server, "ag-list")
    site.rule("tower-a-residents", "tower-a", zone="tower-a")
    site.rule("tower-a-late", "tower-a", zone="tower-a")
    site.rule("night", "night-shift")
    site.rule("staff", "staff")  # a person type: not a named group
    first, second = site.person("Qin Bo"), site.person("Xu Ning")
    assert site.put_groups(first["person_id"], ["tower-a", "gym"])[0] == 200
    assert site.put_groups(second["person_id"], ["tower-a"])[0] == 200
    with shared_server.client(Role.OPERATOR) as operator:
        answer = operator.get("/api/v1/access/sites/ag-list/groups")
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"name": "gym", "members": 1, "rules": 0},
        {"name": "night-shift", "members": 0, "rules": 1},
        {"name": "tower-a", "members": 2, "rules": 2},
    ]
    assert site.put_groups(first["person_id"], [])[0] == 200  # left the gym: it is gone
    assert [g["name"] for g in site.admin("GET", "/groups").json()] == ["night-shift", "tower-a"]
    with shared_server.client(Role.VIEWER) as viewer:  # no access:read
        assert viewer.get("/api/v1/access/sites/ag-list/groups").status_code == 403
    with shared_server.client() as admin:
        unknown = admin.get("/api/v1/access/sites/ag-nowhere/groups")
    assert unknown.status_code == 404, unknown.text


def test_another_sites_person_is_not_found(shared_server: LiveServer) -> None:
    first = AccessSite(shared_server, "ag-site-a")
    AccessSite(shared_server, "ag-site-b")
    person = first.person("He Lan")
    with shared_server.client() as admin:
        answer = admin.put(
            f"/api/v1/access/sites/ag-site-b/people/{person['person_id']}/groups",
            json={"groups": ["tower-a"]},
        )
    assert answer.status_code == 404
    assert stored_groups(shared_server, "ag-site-a", person["person_id"]) == []
    assert stored_groups(shared_server, "ag-site-b", person["person_id"]) == []


def test_the_subject_export_carries_the_groups_and_erasure_removes_them(
    shared_server: LiveServer,
) -> None:
    site = AccessSite(shared_server, "ag-privacy")
    person = site.person("Feng Yu", badges=["PRV-1"])
    kept = site.person("Tang Hui")
    assert put_groups(site, person["person_id"], ["gym", "tower-a"]).status_code == 200
    assert put_groups(site, kept["person_id"], ["tower-a"]).status_code == 200
    with shared_server.client() as admin:
        answer = admin.post(
            "/api/v1/subjects/export",
            json={
                "site": "ag-privacy",
                "field": "badge_id",
                "value": "PRV-1",
                "purpose": "DSAR-20",
            },
        )
    assert answer.status_code == 200, answer.text
    [record] = [s["person"] for s in answer.json()["subjects"] if s.get("person")]
    assert record["groups"] == ["gym", "tower-a"]
    erased = site.admin("DELETE", f"/people/{person['person_id']}", params={"purpose": "DSAR-20"})
    assert erased.status_code == 204
    assert stored_groups(shared_server, "ag-privacy", person["person_id"]) == []
    assert stored_groups(shared_server, "ag-privacy", kept["person_id"]) == ["tower-a"]
