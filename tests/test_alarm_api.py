"""What operators do to an alarm over the API: note, shelve, unshelve, assign (and who
it may be assigned to), the priority order with its cursor, per-rule rates; who may do
it, and the audit entries. On SQLite and on PostgreSQL."""

from __future__ import annotations

from itertools import count

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.both_backends
_sites = count()


def _raise(server: LiveServer, kind: str, device_kind: DeviceKind) -> tuple[str, str]:
    site = f"alarmapi{next(_sites)}"
    token = server.add_site_with_device(site, "dev-1", device_kind)
    with device_client(server, token) as device:
        assert device.post("/api/v1/events", json=[{"kind": kind}]).status_code == 200
    with server.client(Role.VIEWER) as viewer:
        found = viewer.get("/api/v1/alerts", params={"site": site}).json()["alerts"]
    return site, found[0]["alert_id"]


def test_an_operator_shelves_notes_and_assigns_and_each_is_audited(
    shared_server: LiveServer,
) -> None:
    site, alert_id = _raise(shared_server, "door.forced", DeviceKind.DOOR_CONTACT)
    url = f"/api/v1/alerts/{alert_id}"
    with shared_server.client(Role.VIEWER) as viewer:
        refused = viewer.post(url + "/shelve", json={"minutes": 30, "reason": "maintenance"})
        assert refused.status_code == 403
    with shared_server.client(Role.OPERATOR) as operator:
        no_reason = operator.post(url + "/shelve", json={"minutes": 30})
        assert no_reason.status_code == 422 and "reason" in no_reason.json()["message"]
        too_long = operator.post(url + "/shelve", json={"minutes": 100_000, "reason": "ever"})
        assert too_long.status_code == 422
        shelved = operator.post(url + "/shelve", json={"minutes": 30, "reason": "door repair"})
        assert shelved.status_code == 200, shelved.text
        assert shelved.json()["alarm_state"] == "shelved"
        assert shelved.json()["shelve_reason"] == "door repair"
        listed = operator.get("/api/v1/alerts", params={"site": site, "shelved": "true"})
        assert [a["alert_id"] for a in listed.json()["alerts"]] == [alert_id]
        unshelved = operator.post(url + "/unshelve")
        assert unshelved.json()["alarm_state"] == "unacknowledged"
        assert operator.post(url + "/unshelve").status_code == 409

        nobody = operator.post(url + "/assign", json={"username": "no-such-person"})
        assert nobody.status_code == 422 and "no active user" in nobody.json()["message"]
        shared_server.api_key_for(Role.VIEWER)  # the viewer user exists, but may not handle
        viewer_assignee = operator.post(url + "/assign", json={"username": "viewer-all"})
        assert "may not handle" in viewer_assignee.json()["message"]
        assigned = operator.post(url + "/assign", json={"username": "operator-all"})
        assert assigned.json()["assigned_to"] == "operator-all"
        empty = operator.post(url + "/notes", json={"note": ""})
        assert empty.status_code == 422
        noted = operator.post(url + "/notes", json={"note": "guard checked, frame bent"})
        assert noted.status_code == 200
        detail = operator.get(url).json()
    assert [(h["actor"], h["action"]) for h in detail["history"][1:]] == [
        ("operator-all", "shelved"),
        ("operator-all", "unshelved"),
        ("operator-all", "assigned"),
        ("operator-all", "noted"),
    ]
    assert detail["last_event_id"]
    actions = [e["action"] for e in shared_server.audit_entries() if alert_id in e["targets"]]
    assert actions == ["alert.shelve", "alert.unshelve", "alert.assign", "alert.note"]


def test_alarms_list_by_priority_with_a_cursor_and_rule_rates(shared_server: LiveServer) -> None:
    site, smoke_id = _raise(shared_server, "alarm.smoke", DeviceKind.SMOKE_DETECTOR)
    token = shared_server.add_site_with_device(site, "door-2", DeviceKind.DOOR_CONTACT)
    with device_client(shared_server, token) as door:
        for _ in range(3):
            assert door.post("/api/v1/events", json=[{"kind": "door.forced"}]).status_code == 200
    with shared_server.client(Role.OPERATOR) as operator:
        first = operator.get(
            "/api/v1/alerts", params={"site": site, "order": "priority", "limit": 1}
        ).json()
        assert [a["alert_id"] for a in first["alerts"]] == [smoke_id]  # critical first
        second = operator.get(
            "/api/v1/alerts",
            params={"site": site, "order": "priority", "limit": 1, "cursor": first["next_cursor"]},
        ).json()
        assert second["alerts"][0]["rule_id"] == "door-forced"
        mixed = operator.get(
            "/api/v1/alerts", params={"site": site, "cursor": first["next_cursor"]}
        )
        assert mixed.status_code == 422 and "cursor" in mixed.json()["message"]
        rates = operator.get("/api/v1/alert-rules/rates", params={"site": site}).json()
    assert [(r["rule_id"], r["open_now"], r["opened"], r["repeats"]) for r in rates] == [
        ("door-forced", 1, 1, 2),
        ("smoke", 1, 1, 0),
    ]
    assert rates[0]["title"] == "Door forced open"
    shared_server.add_site_with_device("ratesnone", "door-1", DeviceKind.DOOR_CONTACT)
    with shared_server.client(Role.OPERATOR, sites=("ratesnone",)) as elsewhere:
        assert elsewhere.get("/api/v1/alert-rules/rates").json() == []  # others' not counted


def test_a_scoped_operator_cannot_assign_to_someone_who_does_not_see_the_site(
    shared_server: LiveServer,
) -> None:
    site, alert_id = _raise(shared_server, "door.forced", DeviceKind.DOOR_CONTACT)
    shared_server.add_site_with_device("elsewhere", "door-1", DeviceKind.DOOR_CONTACT)
    shared_server.api_key_for(Role.OPERATOR, sites=("elsewhere",))
    with shared_server.client(Role.OPERATOR) as operator:
        answer = operator.post(
            f"/api/v1/alerts/{alert_id}/assign", json={"username": "operator-elsewhere"}
        )
    assert answer.status_code == 422 and f"does not see site {site!r}" in answer.json()["message"]
    with httpx.Client(base_url=shared_server.url) as anonymous:
        assert (
            anonymous.post(f"/api/v1/alerts/{alert_id}/notes", json={"note": "x"}).status_code
            == 401
        )


def test_an_operator_lists_who_may_take_the_alarm_by_id_and_name_only(
    shared_server: LiveServer,
) -> None:
    site, alert_id = _raise(shared_server, "door.forced", DeviceKind.DOOR_CONTACT)
    shared_server.add_site_with_device("assignelse", "door-1", DeviceKind.DOOR_CONTACT)
    for role, sites in [
        (Role.OPERATOR, None),
        (Role.OPERATOR, (site,)),
        (Role.OPERATOR, ("assignelse",)),
        (Role.VIEWER, None),
        (Role.AUDITOR, None),
    ]:
        shared_server.api_key_for(role, sites=sites)
    with shared_server.client(Role.ADMIN) as admin:
        leaver = admin.post("/api/v1/users", json={"username": "leaver", "role": "operator"})
        assert leaver.status_code == 201, leaver.text
        assert admin.patch(f"/api/v1/users/{leaver.json()['user_id']}",
                           json={"disabled": True}).status_code == 200  # fmt: skip
        users = admin.get("/api/v1/users").json()
    may = [
        {"user_id": u["user_id"], "display_name": u["username"]}
        for u in users
        if u["role"] in ("admin", "operator")
        and not u["disabled"]
        and (u["site_scope"] is None or site in u["site_scope"])
    ]
    url = f"/api/v1/alerts/{alert_id}/assignees"
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.get("/api/v1/users").status_code == 403  # may not list users
        listed = operator.get(url)
        assert listed.status_code == 200, listed.text
        names = [a["display_name"] for a in listed.json()]
        assert {"operator-all", f"operator-{site}", "admin"} <= set(names)
        assert not {"viewer-all", "auditor-all", "operator-assignelse", "leaver"} & set(names)
        assert listed.json() == may  # id and name, nothing more (no role, scope, times)
        taken = operator.post(f"/api/v1/alerts/{alert_id}/assign",
                              json={"username": f"operator-{site}"})  # fmt: skip
        assert taken.json()["assigned_to"] == f"operator-{site}"
        assert operator.get("/api/v1/alerts/no-such-alert/assignees").status_code == 404
    with shared_server.client(Role.VIEWER) as viewer:
        refused = viewer.get(url)
        assert refused.status_code == 403 and "alerts:handle" in refused.text
    with shared_server.client(Role.OPERATOR, sites=("assignelse",)) as elsewhere:
        assert elsewhere.get(url).status_code == 404  # not their site: not even its staff
    with httpx.Client(base_url=shared_server.url) as anonymous:
        assert anonymous.get(url).status_code == 401
