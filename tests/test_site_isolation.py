"""An operator of site A sees nothing of site B through any route, and a site-scoped
admin manages only what lies inside its scope.

The routes come from the app's route table. Every guarded operator route must be one of:
a route with a site in its path or an id of a site-bound object (walked below: 404 for
site B, as if missing), a route that takes a site in its body (404), a listing (it must
show nothing of B), a global action (403 for a scoped admin: creating sites, users for
every site, rules and webhooks for every site), or a route that holds nothing site-bound.
A route added later that is none of these fails ``test_every_operator_route_is_classified``.

For a scoped admin the walk is strict: it has every permission, so each site route must
answer ``site 'iso-b' not found``. A route whose body is refused before the site is
looked at needs a valid body in ``REQUESTS``; otherwise its check would prove nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from sitewarden.accounts.roles import Role, role_may
from sitewarden.api.authentication import Requires
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.model import to_micros
from tests.conftest import LiveServer, device_client, raw_sql
from tests.test_route_auth import ROUTES

pytestmark = pytest.mark.both_backends

OPERATOR_ROUTES = [(m, p, g) for m, p, g in ROUTES if isinstance(g, Requires)]
PUBLIC_TARGET = "https://93.184.216.34/hook"  # a public address; nothing is sent to it here

# Path parameters that name an object bound to one site (alone, without the site).
ID_PARAMETERS = {"event_id", "alert_id", "webhook_id", "user_id", "rule_id", "session_id"}

# Routes that take the site in their body: the body names site B, the answer is 404.
SITE_IN_BODY: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/events/lookup"): {
        "site": "iso-b",
        "field": "plate",
        "value": "浙A12345",
        "purpose": "probe",
    },
    ("POST", "/api/v1/subjects/export"): {
        "site": "iso-b",
        "field": "plate",
        "value": "浙A12345",
        "purpose": "probe",
    },
    ("POST", "/api/v1/subjects/erase"): {
        "site": "iso-b",
        "field": "plate",
        "value": "浙A12345",
        "purpose": "probe",
    },
    ("POST", "/api/v1/parking/sessions/lookup"): {
        "site": "iso-b",
        "plate": "浙A12345",
        "purpose": "probe",
    },
    ("POST", "/api/v1/subject-requests"): {
        "site": "iso-b",
        "kind": "access",
        "field": "plate",
        "value": "浙A12345",
        "purpose": "probe",
    },
    ("POST", "/api/v1/webhooks"): {"url": PUBLIC_TARGET, "site_id": "iso-b"},
    ("POST", "/api/v1/users"): {"username": "probe-b", "role": "viewer", "site_scope": ["iso-b"]},
}


def _sites_of_users(body: Any) -> Iterator[str | None]:
    for user in body:
        yield from user["site_scope"] or [None]


# Listings: each yields the sites of what it lists (None: every site). A scoped admin's
# listing holds only its own sites (None only where noted), an unscoped admin's site B too.
LISTINGS: dict[str, tuple[Callable[[Any], Iterator[str | None]], bool]] = {
    "/api/v1/sites": (lambda body: (s["site_id"] for s in body), False),
    "/api/v1/events": (lambda body: (e["site_id"] for e in body["events"]), False),
    "/api/v1/alerts": (lambda body: (a["site_id"] for a in body["alerts"]), False),
    "/api/v1/audit": (lambda body: (e["site_id"] for e in body["entries"]), True),
    "/api/v1/audit/entries": (lambda body: (e["site_id"] for e in body["entries"]), True),
    "/api/v1/users": (_sites_of_users, False),
    "/api/v1/webhooks": (lambda body: (h["site_id"] for h in body), False),
    "/api/v1/subject-requests": (lambda body: (r["site_id"] for r in body), False),
    "/api/v1/records-of-processing": (lambda body: (r["site_id"] for r in body["sites"]), False),
    "/api/v1/webhooks/dead-letters": (
        lambda body: (d["payload"]["alert"]["site_id"] for d in body),
        False,
    ),
    "/api/v1/alert-rules": (
        lambda body: (site for r in body for site in (r["sites"] or [None])),
        True,
    ),
}

# Actions that reach every site: a scoped admin gets 403 (checked in the tests below).
GLOBAL_ACTIONS = {("POST", "/api/v1/sites")}

# Routes that hold nothing bound to a site, with the reason.
NOT_SITE_BOUND = {
    ("GET", "/api/v1/openapi.json"): "the API's schema",
    ("GET", "/api/v1/kinds"): "the event kinds",
    ("GET", "/api/v1/me"): "one's own account",
    ("POST", "/api/v1/me/password"): "one's own account",
    ("GET", "/api/v1/me/api-keys"): "one's own account",
    ("POST", "/api/v1/me/api-keys"): "one's own account",
    ("DELETE", "/api/v1/me/api-keys/{key_id}"): "one's own account",
    ("POST", "/api/v1/me/totp"): "one's own account",
    ("POST", "/api/v1/me/totp/confirm"): "one's own account",
    ("POST", "/api/v1/auth/logout"): "one's own session",
    ("POST", "/api/v1/alert-rules/validate"): "checks a rule, stores nothing",
    ("GET", "/api/v1/alerts/stream"): "each change is filtered by sees_site as it is sent",
    ("GET", "/"): "a page shell; its data comes from the API",
    ("GET", "/devices"): "a page shell; its data comes from the API",
    ("GET", "/alerts"): "a page shell; its data comes from the API",
    ("GET", "/events"): "a page shell; its data comes from the API",
    ("GET", "/overview"): "a page shell; its data comes from the API",
    ("GET", "/plan"): "a page shell; its data comes from the API",
    ("GET", "/garage/lists"): "a page shell; its data comes from the API",
    ("GET", "/garage/tariffs"): "a page shell; its data comes from the API",
    ("GET", "/garage/revenue"): "a page shell; its data comes from the API",
    ("GET", "/audit"): "a page shell; its data comes from the API",
    ("GET", "/doctor"): "the deployment's checks; names no site's data",
    ("GET", "/api/v1/audit/actions"): "the names of the actions written, no entry",
    ("GET", "/api/v1/audit/verify"): "the chain's state as a whole; names no entry's content",
    ("GET", "/api/v1/audit/export"): (
        "the entries of /api/v1/audit/entries, scoped alike (tests/test_console_audit.py)"
    ),
    ("GET", "/api/v1/alert-rules/rates"): (
        "counts over the caller's own sites only (tests/test_alarm_api.py); names no alert"
    ),
    ("GET", "/api/v1/me/sessions"): "one's own sessions",
    ("POST", "/api/v1/me/sessions/end-others"): "one's own sessions",
    ("GET", "/api/v1/subject-requests/download/{token}"): (
        "a one-time link; refused unless the caller sees the export's site (sees_site)"
    ),
    ("GET", "/api/v1/retention"): (
        "the one deployment-wide retention job: its schedule and counts per category, no record"
    ),
    ("GET", "/api/v1/records-of-processing.md"): (
        "the caller's sites' records, as /api/v1/records-of-processing lists them"
    ),
    ("GET", "/attendance"): "a page shell; its data comes from the API",
    ("GET", "/doors"): "a page shell; its data comes from the API",
    ("GET", "/garage"): "a page shell; its data comes from the API",
    ("GET", "/garage/reviews"): "a page shell; its data comes from the API",
    ("GET", "/people"): "a page shell; its data comes from the API",
    ("GET", "/access/rules"): "a page shell; its data comes from the API",
    ("GET", "/users"): "a page shell; its data comes from the API",
    ("GET", "/privacy"): "a redirect to the first privacy page the role may open",
    ("GET", "/privacy/requests"): "a page shell; its data comes from the API",
    ("GET", "/privacy/consents"): "a page shell; its data comes from the API",
    ("GET", "/privacy/retention"): "a page shell; its data comes from the API",
    ("GET", "/privacy/records"): "a page shell; its data comes from the API",
    ("GET", "/account"): "one's own account",
    ("GET", "/account/second-factor"): "one's own account",
    ("GET", "/account/password"): "one's own account",
}

SPAN = {"since": "2026-01-01T00:00:00Z", "until": "2026-01-02T00:00:00Z"}

# Valid requests for routes whose body or query is checked before the site is: without
# them a scoped admin's request would be refused for its body, which proves nothing.
REQUESTS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/alerts/{alert_id}/notes"): {"json": {"note": "probe"}},
    ("POST", "/api/v1/alerts/{alert_id}/shelve"): {"json": {"minutes": 5, "reason": "probe"}},
    ("POST", "/api/v1/alerts/{alert_id}/assign"): {"json": {"username": None}},
    ("PUT", "/api/v1/alert-rules/{rule_id}"): {
        "json": {
            "title": "Probe",
            "severity": "minor",
            "kinds": ["door.forced"],
            "sites": ["iso-a"],
        }
    },
    ("POST", "/api/v1/sites/{site_id}/zones"): {"json": {"zone_id": "zp", "name": "Probe"}},
    ("POST", "/api/v1/sites/{site_id}/devices"): {
        "json": {"device_id": "probe", "kind": "door_contact"}
    },
    ("POST", "/api/v1/sites/{site_id}/consents"): {
        "json": {"subject_id": "probe", "purpose": "probe", "method": "written"}
    },
    ("GET", "/api/v1/sites/{site_id}/consents"): {"params": {"subject_id": "probe"}},
    ("GET", "/api/v1/sites/{site_id}/snapshots/{snapshot_id}"): {"params": {"purpose": "probe"}},
    ("PUT", "/api/v1/parking/sites/{site_id}/lanes/{device_id}"): {"json": {"direction": "entry"}},
    ("PUT", "/api/v1/parking/sites/{site_id}/plate-settings"): {"json": {"formats": ["cn"]}},
    ("PUT", "/api/v1/parking/sites/{site_id}/garages/{zone_id}/tariff"): {
        "json": {"currency": "CNY", "hourly_minor": 500}
    },
    ("POST", "/api/v1/parking/sites/{site_id}/vehicles"): {"json": {"plate": "浙A12345"}},
    ("POST", "/api/v1/parking/sites/{site_id}/lists"): {
        "json": {"plate": "浙A12345", "list": "deny", "reason": "probe"}
    },
    ("POST", "/api/v1/parking/sites/{site_id}/permits"): {
        "json": {
            "plate": "浙A12345",
            "kind": "staff",
            "valid_from": "2026-01-01T00:00:00Z",
            "valid_until": "2027-01-01T00:00:00Z",
        }
    },
    ("POST", "/api/v1/parking/sessions/{session_id}/payments"): {
        "json": {"amount_minor": 100, "currency": "CNY", "method": "cash", "reference": "probe"}
    },
    ("GET", "/api/v1/parking/sites/{site_id}/garages/{zone_id}/occupancy"): {"params": SPAN},
    ("GET", "/api/v1/parking/sites/{site_id}/revenue"): {"params": SPAN},
    ("GET", "/api/v1/parking/sites/{site_id}/revenue/periods"): {"params": SPAN},
    ("GET", "/api/v1/parking/sites/{site_id}/revenue/export"): {"params": SPAN},
    ("GET", "/api/v1/parking/sites/{site_id}/garages/{zone_id}/fee-preview"): {
        "params": {"entry_at": SPAN["since"], "exit_at": SPAN["until"]}
    },
    ("POST", "/api/v1/parking/sites/{site_id}/vehicle-rules"): {
        "json": {"type": "deny", "plate": "浙A12345", "reason": "probe"}
    },
    ("PATCH", "/api/v1/parking/sites/{site_id}/vehicle-rules/{rule_id}"): {
        "json": {"type": "deny", "reason": "probe"}
    },
    ("POST", "/api/v1/parking/sites/{site_id}/vehicle-rules/{rule_id}/expire"): {
        "json": {"reason": "probe"}
    },
    ("DELETE", "/api/v1/parking/sites/{site_id}/vehicle-rules/{rule_id}"): {
        "params": {"reason": "probe"}
    },
    ("POST", "/api/v1/parking/sites/{site_id}/vehicle-rules/import"): {
        "json": {
            "csv": "type,plate,garage,permit_kind,reason,valid_from,valid_until\n",
            "reason": "probe",
        }
    },
    ("GET", "/api/v1/parking/sites/{site_id}/vehicle-rules/export"): {
        "params": {"purpose": "probe"}
    },
    ("GET", "/api/v1/access/sites/{site_id}/attendance"): {"params": SPAN},
    ("GET", "/api/v1/access/sites/{site_id}/reader-images/{event_id}"): {
        "params": {"purpose": "probe"}
    },
    ("POST", "/api/v1/access/sites/{site_id}/people"): {
        "json": {"name": "Probe", "group": "staff"}
    },
    ("DELETE", "/api/v1/access/sites/{site_id}/people/{person_id}"): {
        "params": {"purpose": "probe"}
    },
    ("POST", "/api/v1/access/sites/{site_id}/people/{person_id}/badges"): {
        "json": {"badge_id": "probe"}
    },
    ("POST", "/api/v1/access/sites/{site_id}/people/{person_id}/bar"): {
        "json": {"reason": "probe"}
    },
    ("PUT", "/api/v1/access/sites/{site_id}/people/{person_id}/groups"): {
        "json": {"groups": ["probe"]}
    },
    ("PUT", "/api/v1/access/sites/{site_id}/rules/{rule_id}"): {
        "json": {"group": "staff", "windows": [{"days": ["mon"], "start": "08:00", "end": "18:00"}]}
    },
    ("PUT", "/api/v1/access/sites/{site_id}/holidays/{day}"): {"json": {"name": "Probe"}},
}


def _classified(method: str, path: str) -> bool:
    names = set(re.findall(r"\{(\w+)\}", path))
    return (
        "site_id" in names
        or bool(names & ID_PARAMETERS)
        or (method, path) in SITE_IN_BODY
        or (method == "GET" and path in LISTINGS)
        or (method, path) in GLOBAL_ACTIONS
        or (method, path) in NOT_SITE_BOUND
    )


def test_every_operator_route_is_classified() -> None:
    unclassified = [f"{m} {p}" for m, p, _ in OPERATOR_ROUTES if not _classified(m, p)]
    assert unclassified == [], (
        "routes without a decided site-scope check; add them to a category in this file "
        f"(and give them scope handling): {unclassified}"
    )
    walked = {(m, p) for m, p, _ in OPERATOR_ROUTES}
    assert set(SITE_IN_BODY) | GLOBAL_ACTIONS <= walked  # no stale entries


def _prepare(server: LiveServer) -> dict[str, str]:
    """Site A and site B with an event, an alert, a user, a webhook, a rule, a subject
    request and a dead letter of B; returns the ids of B's objects by path parameter name."""
    token_a = server.add_site_with_device("iso-a", "door-a", DeviceKind.DOOR_CONTACT, zone_id="za")
    token_b = server.add_site_with_device("iso-b", "door-b", DeviceKind.DOOR_CONTACT, zone_id="zb")
    server.api_key_for(Role.VIEWER, sites=("iso-b",))  # a user of site B
    server.api_key_for(Role.VIEWER, sites=("iso-a",))  # and one of site A
    with server.client(Role.ADMIN, patient=True) as admin:
        hooks = {
            site: admin.post(
                "/api/v1/webhooks",
                # critical only: the doors' alerts below queue no delivery to it
                json={"url": PUBLIC_TARGET, "site_id": site, "min_severity": "critical"},
            ).json()["webhook_id"]
            for site in ("iso-a", "iso-b", None)
        }
        rule = {"title": "B doors", "severity": "minor", "kinds": ["door.forced"]}
        admin.put("/api/v1/alert-rules/doors-of-b", json={**rule, "sites": ["iso-b"]})
        admin.put("/api/v1/alert-rules/doors-of-a", json={**rule, "sites": ["iso-a"]})
        admin.put("/api/v1/alert-rules/every-door", json=rule)
        audited = admin.post(  # an audit entry of site B
            "/api/v1/events/lookup",
            json={"site": "iso-b", "field": "plate", "value": "浙A12345", "purpose": "probe"},
        )
        assert audited.status_code == 200, audited.text
        for site in ("iso-a", "iso-b"):  # a subject request of each site
            opened = admin.post(
                "/api/v1/subject-requests",
                json={"site": site, "kind": "access", "field": "plate", "value": "浙A12345",
                      "purpose": "probe"},
            )  # fmt: skip
            assert opened.status_code == 201, opened.text
        users = admin.get("/api/v1/users").json()
    with device_client(server, token_a) as door:
        door.post("/api/v1/events", json=[{"kind": "door.forced"}])
    with device_client(server, token_b) as door:
        event_b = door.post("/api/v1/events", json=[{"kind": "door.forced"}]).json()["accepted"][0]
    with server.client(Role.ADMIN, patient=True) as admin:
        alert_a = admin.get("/api/v1/alerts", params={"site": "iso-a"}).json()["alerts"][0]
        alert_b = admin.get("/api/v1/alerts", params={"site": "iso-b"}).json()["alerts"][0]
    _dead_letter(server, alert_a, hooks["iso-a"])
    # Site B's newer dead letters outnumber a listing's page: a scoped admin of A must
    # still find its own (the filter belongs in the query, not after the page is cut).
    for site in ("iso-b", None):
        _dead_letter(server, alert_b, hooks[site], count=DEAD_LETTER_PAGE + 1)
    return {
        "site_id": "iso-b",
        "zone_id": "zb",
        "device_id": "door-b",
        "event_id": event_b,
        "alert_id": alert_b["alert_id"],
        "webhook_id": hooks["iso-b"],
        "user_id": next(u["user_id"] for u in users if u["username"] == "viewer-iso-b"),
        "rule_id": "doors-of-b",
        "session_id": str(uuid.uuid4()),
        "day": "2026-12-25",
    }


DEAD_LETTER_PAGE = 100  # the most dead letters one listing answers


def _dead_letter(server: LiveServer, alert: dict[str, Any], hook: str, count: int = 1) -> None:
    """``count`` dead letters of ``hook`` (written behind the server's back: failing
    eight deliveries for real takes minutes)."""
    payload = orjson.dumps({"change": "opened", "alert": alert}).decode()
    for _ in range(count):
        now = to_micros(datetime.now(UTC))
        raw_sql(
            server.settings,
            "INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uuid.uuid4().hex,
                hook,
                alert["site_id"],
                alert["alert_id"],
                payload,
                "dead",
                8,
                now,
                "HTTP 500",
                now,
                None,
            ),
        )


@pytest.fixture(scope="module")
def site_b(shared_server: LiveServer) -> dict[str, str]:
    return _prepare(shared_server)


def _walk_order(route: tuple[str, str, Any]) -> tuple[bool, bool]:
    """Deletions last, the site's own deletion at the very end: if a check were missing,
    the other checks still find site B's objects in place."""
    method, path, _ = route
    return method == "DELETE", path == "/api/v1/sites/{site_id}"


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PRIVACY_OFFICER, Role.ADMIN])
def test_every_site_route_hides_the_other_site(
    shared_server: LiveServer, site_b: dict[str, str], role: Role
) -> None:
    failures: list[str] = []
    checked = 0
    with shared_server.client(role, sites=("iso-a",), patient=True) as scoped:
        for method, path, guard in sorted(OPERATOR_ROUTES, key=_walk_order):
            names = set(re.findall(r"\{(\w+)\}", path))
            if "site_id" not in names and not names & ID_PARAMETERS:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: site_b.get(m.group(1), "walk"), path)
            request = REQUESTS.get((method, path), {"json": {}})
            answer = scoped.request(method, url, **request)
            checked += 1
            where = f"{role} {method} {path}: {answer.status_code} {answer.text[:200]}"
            if not role_may(role, guard.permission):
                if answer.status_code != 403:
                    failures.append(where)
                continue
            if not path.startswith("/api/"):  # a console page: the 404 page, echoing its path
                if answer.status_code != 404 or "Page not found" not in answer.text:
                    failures.append(where)
                continue
            if answer.status_code == 422 and "iso-b" not in answer.text:
                failures.append(f"{where} (give it a valid request in REQUESTS)")
            elif answer.status_code not in (403, 404) or "iso-b" in answer.text.replace(
                "site 'iso-b' not found", ""
            ):
                failures.append(where)
            elif "site_id" in names and answer.json()["message"] != "site 'iso-b' not found":
                failures.append(f"{where} (not refused for its site)")
    assert failures == [], "\n".join(failures)
    assert checked > 30
    _site_b_is_intact(shared_server, site_b)


def _site_b_is_intact(server: LiveServer, site_b: dict[str, str]) -> None:
    with server.client(Role.ADMIN, patient=True) as admin:
        assert admin.get("/api/v1/sites/iso-b/devices/door-b").status_code == 200
        assert admin.get("/api/v1/sites/iso-b/zones/zb").status_code == 200
        hooks = [h["webhook_id"] for h in admin.get("/api/v1/webhooks").json()]
        assert site_b["webhook_id"] in hooks
        rules = {r["rule_id"]: r for r in admin.get("/api/v1/alert-rules").json()}
        assert rules["doors-of-b"]["sites"] == ["iso-b"]
        user = admin.get(f"/api/v1/users/{site_b['user_id']}").json()
        assert user["site_scope"] == ["iso-b"] and user["disabled"] is False


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.PRIVACY_OFFICER, Role.ADMIN])
def test_a_site_named_in_the_body_is_missing_for_another_site(
    shared_server: LiveServer, site_b: dict[str, str], role: Role
) -> None:
    guards = {(m, p): g for m, p, g in OPERATOR_ROUTES}
    with shared_server.client(role, sites=("iso-a",), patient=True) as scoped:
        for (method, path), body in SITE_IN_BODY.items():
            answer = scoped.request(method, path, json=body)
            expected = 404 if role_may(role, guards[(method, path)].permission) else 403
            assert answer.status_code == expected, f"{role} {method} {path}: {answer.text}"
    with shared_server.client(Role.ADMIN, patient=True) as admin:
        assert "probe-b" not in [u["username"] for u in admin.get("/api/v1/users").json()]


def test_listings_show_a_scoped_admin_only_its_sites(
    shared_server: LiveServer, site_b: dict[str, str]
) -> None:
    with (
        shared_server.client(Role.ADMIN, patient=True) as admin,
        shared_server.client(Role.ADMIN, sites=("iso-a",), patient=True) as scoped,
    ):
        for path, (sites_of, every_site_shown) in LISTINGS.items():
            full = set(sites_of(admin.get(path).json()))
            assert "iso-b" in full, f"{path}: the test data lacks site B"
            answer = scoped.get(path)
            assert answer.status_code == 200, f"{path}: {answer.text}"
            allowed = {"iso-a", None} if every_site_shown else {"iso-a"}
            seen = set(sites_of(answer.json()))
            assert seen <= allowed, f"{path} shows {seen - allowed} to an admin of iso-a"
            assert "iso-a" in seen or path.startswith("/api/v1/audit"), path


def test_a_scoped_admin_cannot_widen_its_own_or_anyones_scope(
    shared_server: LiveServer, site_b: dict[str, str]
) -> None:
    with shared_server.client(Role.ADMIN, sites=("iso-a",), patient=True) as scoped:
        me = scoped.get("/api/v1/me").json()
        for scope in (None, ["iso-a", "iso-b"], ["iso-a"]):
            own = scoped.patch(f"/api/v1/users/{me['user_id']}", json={"site_scope": scope})
            assert own.status_code == 403, own.text
        assert "own site scope" in own.json()["message"]
        unscoped = scoped.post("/api/v1/users", json={"username": "probe-all", "role": "admin"})
        assert unscoped.status_code == 403 and "without a site scope" in unscoped.json()["message"]
        empty = scoped.post(
            "/api/v1/users", json={"username": "probe-none", "role": "viewer", "site_scope": []}
        )
        assert empty.status_code == 422
        mine = scoped.post(
            "/api/v1/users",
            json={"username": "probe-a", "role": "admin", "site_scope": ["iso-a"]},
        )
        assert mine.status_code == 201, mine.text
        user_a = mine.json()["user_id"]
        for scope in (None, ["iso-b"], ["iso-a", "iso-b"]):
            widened = scoped.patch(f"/api/v1/users/{user_a}", json={"site_scope": scope})
            assert widened.status_code in (403, 404), widened.text
        role = scoped.patch(f"/api/v1/users/{user_a}", json={"role": "operator"})
        assert role.status_code == 200  # within its scope it manages users as before
        admins = [u for u in shared_server_users(shared_server) if u["role"] == "admin"]
        the_admin = next(u for u in admins if u["site_scope"] is None)
        assert scoped.get(f"/api/v1/users/{the_admin['user_id']}").status_code == 404
        hidden = scoped.patch(f"/api/v1/users/{the_admin['user_id']}", json={"disabled": True})
        assert hidden.status_code == 404
    users = {u["username"]: u for u in shared_server_users(shared_server)}
    assert users["probe-a"]["site_scope"] == ["iso-a"]
    assert users[me["username"]]["site_scope"] == ["iso-a"]
    assert {"probe-all", "probe-none"}.isdisjoint(users)
    assert users[the_admin["username"]]["disabled"] is False


def shared_server_users(server: LiveServer) -> list[dict[str, Any]]:
    with server.client(Role.ADMIN, patient=True) as admin:
        users: list[dict[str, Any]] = admin.get("/api/v1/users").json()
    return users


def test_a_scoped_admin_manages_only_its_sites_webhooks_and_rules(
    shared_server: LiveServer, site_b: dict[str, str]
) -> None:
    with shared_server.client(Role.ADMIN, sites=("iso-a",), patient=True) as scoped:
        everywhere = scoped.post("/api/v1/webhooks", json={"url": PUBLIC_TARGET})
        assert everywhere.status_code == 403, everywhere.text
        own = scoped.post("/api/v1/webhooks", json={"url": PUBLIC_TARGET, "site_id": "iso-a"})
        assert own.status_code == 201, own.text
        assert scoped.delete(f"/api/v1/webhooks/{own.json()['webhook_id']}").status_code == 204

        rule = {"title": "Probe", "severity": "minor", "kinds": ["door.forced"]}
        assert scoped.put("/api/v1/alert-rules/probe-all", json=rule).status_code == 403
        other = scoped.put("/api/v1/alert-rules/probe-b", json={**rule, "sites": ["iso-b"]})
        assert other.status_code == 404 and other.json()["message"] == "site 'iso-b' not found"
        default = scoped.put("/api/v1/alert-rules/smoke", json={**rule, "sites": ["iso-a"]})
        assert default.status_code == 403
        taken = scoped.put("/api/v1/alert-rules/doors-of-b", json={**rule, "sites": ["iso-a"]})
        assert taken.status_code == 403 and "iso-b" not in taken.text
        assert scoped.delete("/api/v1/alert-rules/every-door").status_code == 403
        assert scoped.delete("/api/v1/alert-rules/doors-of-b").status_code == 404
        mine = scoped.put("/api/v1/alert-rules/probe-a", json={**rule, "sites": ["iso-a"]})
        assert mine.status_code == 200, mine.text
        assert scoped.delete("/api/v1/alert-rules/probe-a").status_code == 204

        site = scoped.post("/api/v1/sites", json={"site_id": "iso-c", "name": "C"})
        assert site.status_code == 403 and "without a site scope" in site.json()["message"]
    with shared_server.client(Role.ADMIN, patient=True) as admin:
        rules = {r["rule_id"]: r for r in admin.get("/api/v1/alert-rules").json()}
        assert rules["doors-of-b"]["sites"] == ["iso-b"] and "every-door" in rules
        assert rules["smoke"]["title"] == "Smoke alarm"
        assert {"probe-all", "probe-b", "probe-a"}.isdisjoint(rules)
        assert admin.get("/api/v1/sites/iso-c").status_code == 404
        assert len([h for h in admin.get("/api/v1/webhooks").json() if h["site_id"] is None]) == 1


def test_operators_of_one_site_see_nothing_of_another_in_listings(
    shared_server: LiveServer, site_b: dict[str, str]
) -> None:
    with shared_server.client(Role.OPERATOR, sites=("iso-a",), patient=True) as scoped:
        listed = scoped.get("/api/v1/events", params={"limit": 1000}).json()["events"]
        alerts = scoped.get(
            "/api/v1/alerts", params={"state": ["open", "acknowledged", "resolved"]}
        ).json()
        rules = scoped.get("/api/v1/alert-rules").json()
    assert all(e["site_id"] != "iso-b" for e in listed)
    assert all(a["site_id"] != "iso-b" for a in alerts["alerts"])
    assert "doors-of-b" not in [r["rule_id"] for r in rules]
    assert httpx.get(shared_server.url + "/healthz").status_code == 200
