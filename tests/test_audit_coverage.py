"""Everything that changes something is audited (issue 21): a walk over every
state-changing route of the real app (POST, PUT, PATCH, DELETE), each called once
successfully against a live server, fails if a call leaves no new audit entry naming
its action, or an entry that holds a personal value rather than a reference.

The routes come from the app object (``test_route_scope.APP_ROUTES``), so a route added
later must get an entry here: in ``CALLS`` (how to call it and the audit action it must
leave) or, for device traffic that is recorded as events, in ``EXEMPT`` with the reason.
A route in neither fails ``test_every_state_changing_route_is_walked_or_exempt``, naming
it and saying what to add.

To add a route to ``CALLS``: one line ``(METHOD, PATH): Call("the.action", prepare)``,
where ``prepare(walk)`` builds what the call needs (through ``Walk``'s helpers: a fresh
site object, alert, person, account ...) and returns ``Prepared(path=..., request=...)``:
the path parameters and httpx's keyword arguments (json, params, content, files, data).
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyotp
import pytest

from sitewarden.accounts import accounts
from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, PatientTransport, device_client
from tests.test_access_decisions import ALWAYS
from tests.test_cli import sitewarden
from tests.test_route_scope import APP_ROUTES

CHANGING = ("DELETE", "PATCH", "POST", "PUT")
SITE = "aw"  # the walk's own site; everything it changes lies in it (or is new)
HOOK_TARGET = "https://93.184.216.34/hook"  # a public address; critical alerts only: none sent
PASSWORD = "walk-the-audit-trail-1"
TARIFF = {"currency": "CNY", "hourly_minor": 500, "free_minutes": 0}

# Routes that are not operator changes, with the reason. Keep this small.
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/events"): "device ingest; each event is stored as an event",
    ("POST", "/api/v1/gates/{device_id}/reads"): "a plate camera's read; stored as events",
    ("POST", "/api/v1/gates/{device_id}/frames"): "a plate camera's frame; stored as events",
    ("POST", "/api/v1/readers/{device_id}/decide"): "a reader's question; stored as events",
    ("POST", "/api/v1/cameras/{device_id}/snapshots"): "a camera's upload; stored as an event",
    ("POST", "/api/v1/alert-rules/validate"): "checks a rule and stores nothing",
    ("POST", "/api/v1/parking/sites/{site_id}/plate-check"): (
        "says which plate formats a typed plate fits; stores and opens nothing"
    ),
}


@dataclass(frozen=True)
class Prepared:
    """One request: the path's parameters, httpx's keyword arguments, and the client to
    send it with (None: the walk's admin, by API key)."""

    path: dict[str, str] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=dict)
    client: httpx.Client | None = None


@dataclass(frozen=True)
class Call:
    action: str  # the audit action the call must leave
    prepare: Callable[[Walk], Prepared]


@dataclass
class Account:
    """An operator signed in through a web session (cookie and CSRF token)."""

    user_id: str
    username: str
    password: str
    client: httpx.Client
    csrf: str


class Walk:
    """The walk's site (zones, devices, a garage with a tariff) and helpers that build one
    fresh object per call, so that no call depends on another's leftovers."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.admin = server.client(Role.ADMIN, patient=True)
        self.admin_name = self.admin.get("/api/v1/me").json()["username"]
        self._ids = itertools.count(1)
        self.personal: set[str] = {PASSWORD}  # values no audit entry may hold
        self.tokens: dict[str, str] = {}
        self.accounts: list[httpx.Client] = []
        for device, kind, zone in (
            ("lane-in", DeviceKind.PLATE_CAMERA, "garage"),
            ("gw", DeviceKind.GATEWAY, "main"),
        ):
            self.tokens[device] = server.add_site_with_device(SITE, device, kind, zone)
        self.ok("PUT", f"/api/v1/parking/sites/{SITE}/lanes/lane-in", json={"direction": "entry"})
        self.ok("PUT", f"/api/v1/parking/sites/{SITE}/garages/garage/tariff", json=TARIFF)
        self.cursor = max((e["seq"] for e in server.audit_entries()), default=0)

    def close(self) -> None:
        self.admin.close()
        for client in self.accounts:
            client.close()

    # --- building blocks -------------------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def ok(self, method: str, path: str, **request: Any) -> Any:
        answer = self.admin.request(method, path, **request)
        assert answer.status_code < 300, f"preparing: {method} {path}: {answer.text}"
        return answer.json() if answer.content else None

    def plate(self) -> str:
        value = f"浙A{10000 + next(self._ids)}"
        self.personal.add(value)
        return value

    def personal_value(self, prefix: str) -> str:
        value = f"{prefix}{next(self._ids):04d}"
        self.personal.add(value)
        return value

    def device(self, kind: DeviceKind, zone: str = "main") -> str:
        device_id = self.new_id(kind.value.replace("_", "-"))
        self.tokens[device_id] = self.server.add_site_with_device(SITE, device_id, kind, zone)
        return device_id

    def zone(self) -> str:
        zone_id = self.new_id("z")
        self.ok("POST", f"/api/v1/sites/{SITE}/zones", json={"zone_id": zone_id, "name": "Z"})
        return zone_id

    def alert(self) -> str:
        """A fresh open alert: a door of its own, forced."""
        door = self.device(DeviceKind.DOOR_CONTACT)
        with device_client(self.server, self.tokens[door]) as device:
            assert device.post("/api/v1/events", json=[{"kind": "door.forced"}]).status_code < 300
        alerts = self.ok("GET", "/api/v1/alerts", params={"site": SITE, "device": door})["alerts"]
        return str(alerts[0]["alert_id"])

    def person(self) -> str:
        body = {"name": self.personal_value("Walker "), "group": "staff"}
        return str(self.ok("POST", f"/api/v1/access/sites/{SITE}/people", json=body)["person_id"])

    def plate_event(self) -> str:
        """A plate read of a new plate, sealed in an event; the plate."""
        plate = self.plate()
        event = {
            "kind": "plate.read",
            "attributes": {"confidence": 0.9},
            "personal": {"plate": plate},
        }
        with device_client(self.server, self.tokens["gw"]) as device:
            assert device.post("/api/v1/events", json=[event]).status_code < 300
        return plate

    def gate_read(self, **extra: Any) -> dict[str, Any]:
        with device_client(self.server, self.tokens["lane-in"]) as camera:
            answer = camera.post(
                "/api/v1/gates/lane-in/reads", json={"plate": self.plate(), **extra}
            )
        assert answer.status_code < 300, answer.text
        return dict(answer.json())

    def user(self, role: str = "viewer") -> str:
        body = {"username": self.new_id("walker"), "role": role, "password": PASSWORD}
        return str(self.ok("POST", "/api/v1/users", json=body)["user_id"])

    def account(self, role: Role = Role.VIEWER) -> Account:
        """A user signed in through a web session moments ago, its first password changed
        (made behind the server's back: the walk's sign-ins are the ones it walks)."""
        store = self.server.open_storage()
        try:
            user, _ = accounts.create_user(
                store.accounts, store.registry, self.new_id("walker"), role, password=PASSWORD
            )
            user = replace(user, must_change_password=False)
            store.accounts.update_user(user)
            token, session = accounts.open_web_session(store.accounts, user, timedelta(hours=1))
        finally:
            store.close()
        client = httpx.Client(
            base_url=self.server.url,
            cookies={"sitewarden_session": token},
            headers={"x-csrf-token": session.csrf_token},
            transport=PatientTransport(),
        )
        self.accounts.append(client)
        return Account(user.user_id, user.username, PASSWORD, client, session.csrf_token)

    def key_of_another_user(self) -> tuple[str, str]:
        """(user id, API key id) of a fresh viewer."""
        store = self.server.open_storage()
        try:
            user, _ = accounts.create_user(
                store.accounts, store.registry, self.new_id("walker"), Role.VIEWER
            )
            key, _ = accounts.create_api_key(store.accounts, user, "walk")
        finally:
            store.close()
        return user.user_id, key.key_id

    # --- the audit log ---------------------------------------------------------------
    def new_entries(self) -> list[dict[str, Any]]:
        """Entries written since the last look (paged), and the cursor moves past them."""
        found: list[dict[str, Any]] = []
        while True:
            page = self.ok("GET", "/api/v1/audit", params={"after": self.cursor, "limit": 1000})
            found += page["entries"]
            if page["entries"]:
                self.cursor = page["entries"][-1]["seq"]
            if page["next_after"] is None:
                return found
            self.cursor = page["next_after"]


def _site(path: str) -> str:
    return f"/api/v1/sites/{SITE}{path}"


# --- how each state-changing route is called -----------------------------------------
def _new_site(walk: Walk) -> Prepared:
    return Prepared(request={"json": {"site_id": walk.new_id("aw-new"), "name": "Walk"}})


def _empty_site(walk: Walk) -> Prepared:
    site_id = walk.new_id("aw-gone")
    walk.ok("POST", "/api/v1/sites", json={"site_id": site_id, "name": "Gone"})
    return Prepared(path={"site_id": site_id})


def _zone(body: dict[str, Any] | None = None) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        return Prepared({"site_id": SITE, "zone_id": walk.zone()}, {"json": body or {}})

    return prepare


def _device(body: dict[str, Any] | None = None) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        device_id = walk.device(DeviceKind.DOOR_CONTACT)
        return Prepared({"site_id": SITE, "device_id": device_id}, {"json": body or {}})

    return prepare


def _plan_png() -> bytes:
    from tests.test_console_plan import _png

    return bytes(_png(1000, 700))


def _plan_image(walk: Walk) -> Prepared:
    return Prepared(
        {"site_id": SITE},
        {"content": _plan_png(), "headers": {"content-type": "image/png"}},
    )


def _uploaded_plan_image(walk: Walk) -> Prepared:
    prepared = _plan_image(walk)
    walk.ok("PUT", _site("/plan-image"), **prepared.request)
    return Prepared({"site_id": SITE})


def _user_patch(
    body: dict[str, Any], *, disabled_first: bool = False
) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        user_id = walk.user()
        if disabled_first:
            walk.ok("PATCH", f"/api/v1/users/{user_id}", json={"disabled": True})
        return Prepared({"user_id": user_id}, {"json": body})

    return prepare


def _own_password(walk: Walk) -> Prepared:
    me = walk.account()
    body = {"current_password": me.password, "new_password": PASSWORD + "-new"}
    return Prepared(request={"json": body}, client=me.client)


def _own_key(walk: Walk) -> Prepared:
    key = walk.ok("POST", "/api/v1/me/api-keys", json={"name": "walk"})
    return Prepared({"key_id": key["key_id"]})


def _totp_start(walk: Walk) -> Prepared:
    return Prepared(client=walk.account(Role.OPERATOR).client)


def _totp_confirm(walk: Walk) -> Prepared:
    me = walk.account(Role.OPERATOR)
    secret = me.client.post("/api/v1/me/totp").json()["secret"]
    return Prepared(request={"json": {"code": pyotp.TOTP(secret).now()}}, client=me.client)


def _others_key(walk: Walk) -> Prepared:
    user_id, key_id = walk.key_of_another_user()
    return Prepared({"user_id": user_id, "key_id": key_id})


def _login(walk: Walk) -> Prepared:
    me = walk.account()
    body = {"username": me.username, "password": me.password}
    client = httpx.Client(base_url=walk.server.url)
    walk.accounts.append(client)
    return Prepared(request={"json": body}, client=client)


def _logout(walk: Walk) -> Prepared:
    return Prepared(client=walk.account().client)


def _subject(walk: Walk) -> Prepared:
    body = {"site": SITE, "field": "plate", "value": walk.plate_event(), "purpose": "walk"}
    return Prepared(request={"json": body})


def _consent(walk: Walk) -> Prepared:
    body = {"subject_id": f"p-{walk.person()}", "purpose": "access", "method": "written"}
    return Prepared({"site_id": SITE}, {"json": body})


def _given_consent(walk: Walk) -> Prepared:
    prepared = _consent(walk)
    consent = walk.ok("POST", _site("/consents"), **prepared.request)
    return Prepared({"site_id": SITE, "consent_id": consent["consent_id"]})


def _subject_request(kind: str) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        body = {
            "site": SITE,
            "kind": kind,
            "field": "plate",
            "value": walk.plate_event(),
            "purpose": "walk",
        }
        return Prepared(request={"json": body})

    return prepare


def _opened_request(kind: str, **request: Any) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        body = _subject_request(kind)(walk).request
        opened = walk.ok("POST", "/api/v1/subject-requests", **body)
        return Prepared({"site_id": SITE, "request_id": opened["request_id"]}, request)

    return prepare


def _request_settings(second_person: bool) -> dict[str, Any]:
    return {"json": {"erasure_needs_confirmation": second_person, "deadline_days": 30}}


def _erasure_asked(walk: Walk) -> Prepared:
    """An erasure asked for by the walk's admin while the site wanted a second person
    (asked for a moment only: every other erasure of the walk erases at once); the
    second person is a privacy officer."""
    settings = _site("/subject-request-settings")
    walk.ok("PUT", settings, **_request_settings(True))
    try:
        prepared = _opened_request("erasure")(walk)
        asked = f"/api/v1/subject-requests/{SITE}/{prepared.path['request_id']}/erase"
        assert walk.ok("POST", asked)["erased"] is False
    finally:
        walk.ok("PUT", settings, **_request_settings(False))
    second = walk.server.client(Role.PRIVACY_OFFICER, patient=True)
    walk.accounts.append(second)
    return Prepared(prepared.path, client=second)


def _alert(
    body: dict[str, Any] | None = None, *, shelved: bool = False
) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        alert_id = walk.alert()
        if shelved:
            shelve = {"minutes": 5, "reason": "walk check"}
            walk.ok("POST", f"/api/v1/alerts/{alert_id}/shelve", json=shelve)
        return Prepared({"alert_id": alert_id}, {"json": {} if body is None else body})

    return prepare


def _assign(walk: Walk) -> Prepared:
    return replace(_alert()(walk), request={"json": {"username": walk.admin_name}})


RULE = {"title": "Walk", "severity": "minor", "kinds": ["door.forced"], "sites": [SITE]}


def _alert_rule(walk: Walk) -> Prepared:
    return Prepared({"rule_id": walk.new_id("walk-rule")}, {"json": RULE})


def _saved_alert_rule(walk: Walk) -> Prepared:
    rule_id = walk.new_id("walk-rule")
    walk.ok("PUT", f"/api/v1/alert-rules/{rule_id}", json=RULE)
    return Prepared({"rule_id": rule_id})


def _webhook(walk: Walk) -> Prepared:
    body = {"url": HOOK_TARGET, "site_id": SITE, "min_severity": "critical"}
    return Prepared(request={"json": body})


def _saved_webhook(walk: Walk) -> Prepared:
    hook = walk.ok("POST", "/api/v1/webhooks", **_webhook(walk).request)
    return Prepared({"webhook_id": hook["webhook_id"]})


def _lane(walk: Walk) -> Prepared:
    device_id = walk.device(DeviceKind.PLATE_CAMERA, "garage")
    return Prepared({"site_id": SITE, "device_id": device_id}, {"json": {"direction": "exit"}})


def _saved_lane(walk: Walk) -> Prepared:
    prepared = _lane(walk)
    walk.ok("PUT", f"/api/v1/parking/sites/{SITE}/lanes/{prepared.path['device_id']}",
            **prepared.request)  # fmt: skip
    return Prepared(prepared.path)


def _parking(what: str) -> str:
    return f"/api/v1/parking/sites/{SITE}/{what}"


def _vehicle(walk: Walk) -> Prepared:
    return Prepared({"site_id": SITE}, {"json": {"plate": walk.plate()}})


def _saved_vehicle(walk: Walk) -> Prepared:
    vehicle = walk.ok("POST", _parking("vehicles"), **_vehicle(walk).request)
    return Prepared({"site_id": SITE, "subject_id": vehicle["subject_id"]})


def _list_entry(walk: Walk) -> Prepared:
    body = {"plate": walk.plate(), "list": "deny", "reason": "walk"}
    return Prepared({"site_id": SITE}, {"json": body})


def _saved_list_entry(walk: Walk) -> Prepared:
    entry = walk.ok("POST", _parking("lists"), **_list_entry(walk).request)
    return Prepared({"site_id": SITE, "entry_id": entry["entry_id"]})


def _permit(walk: Walk) -> Prepared:
    body = {
        "plate": walk.plate(),
        "kind": "staff",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_until": "2027-01-01T00:00:00Z",
    }
    return Prepared({"site_id": SITE}, {"json": body})


def _saved_permit(walk: Walk) -> Prepared:
    permit = walk.ok("POST", _parking("permits"), **_permit(walk).request)
    return Prepared({"site_id": SITE, "permit_id": permit["permit_id"]})


def _payment(walk: Walk) -> Prepared:
    session_id = walk.gate_read(confidence=0.99)["session_id"]
    body = {"amount_minor": 100, "currency": "CNY", "method": "cash", "reference": "walk"}
    return Prepared({"session_id": session_id}, {"json": body})


def _review(walk: Walk) -> Prepared:
    review_id = walk.gate_read(confidence=0.4)["review_id"]
    return Prepared({"site_id": SITE, "review_id": review_id}, {"json": {"dismiss": True}})


def _vehicle_rule(walk: Walk) -> Prepared:
    body = {"plate": walk.plate(), "type": "deny", "reason": "walk"}
    return Prepared({"site_id": SITE}, {"json": body})


def _saved_vehicle_rule(**request: Any) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        rule = walk.ok("POST", _parking("vehicle-rules"), **_vehicle_rule(walk).request)
        return Prepared({"site_id": SITE, "rule_id": rule["rule_id"]}, request)

    return prepare


def _rules_csv(walk: Walk) -> Prepared:
    csv = (
        "type,plate,garage,permit_kind,reason,valid_from,valid_until\n"
        f"deny,{walk.plate()},garage,,walk,,\n"
        f"permit,{walk.plate()},,staff,,2026-01-01T00:00:00Z,2027-01-01T00:00:00Z\n"
    )
    return Prepared({"site_id": SITE}, {"json": {"csv": csv, "reason": "walk"}})


def _manual_open(walk: Walk) -> Prepared:
    return replace(_saved_lane(walk), request={"json": {"reason": "walk check"}})


def _sessions_lookup(walk: Walk) -> Prepared:
    body = {"site": SITE, "plate": walk.plate(), "purpose": "walk"}
    return Prepared(request={"json": body})


def _person(body: dict[str, Any] | None = None, **request: Any) -> Callable[[Walk], Prepared]:
    def prepare(walk: Walk) -> Prepared:
        return Prepared({"site_id": SITE, "person_id": walk.person()}, {"json": body, **request})

    return prepare


def _new_person(walk: Walk) -> Prepared:
    body = {
        "name": walk.personal_value("Walker "),
        "group": "staff",
        "national_id": walk.personal_value("11010119900307"),
        "phone": walk.personal_value("1380013"),
        "badges": [walk.personal_value("WB-")],
    }
    return Prepared({"site_id": SITE}, {"json": body})


def _badge(walk: Walk) -> Prepared:
    return replace(_person()(walk), request={"json": {"badge_id": walk.personal_value("WB-")}})


def _given_badge(walk: Walk) -> Prepared:
    person_id = walk.person()
    badge = walk.ok(
        "POST",
        f"/api/v1/access/sites/{SITE}/people/{person_id}/badges",
        json={"badge_id": walk.personal_value("WB-")},
    )
    return Prepared({"site_id": SITE, "badge_ref": badge["badge_ref"]})


def _barred_person(walk: Walk) -> Prepared:
    prepared = _person()(walk)
    walk.ok("POST", f"/api/v1/access/sites/{SITE}/people/{prepared.path['person_id']}/bar",
            json={"reason": "walk check"})  # fmt: skip
    return Prepared(prepared.path)


def _face(walk: Walk) -> Prepared:
    from tests.test_access_faces import photo

    prepared = _person()(walk)
    person_id = prepared.path["person_id"]
    consent = {"subject_id": f"p-{person_id}", "purpose": "access", "method": "written"}
    walk.ok("POST", _site("/consents"), json=consent)
    return Prepared(prepared.path, {"files": [photo("hopper")]})


def _correction(walk: Walk) -> Prepared:
    body = {
        "person_ref": walk.person(),
        "day": "2026-11-30",
        "first_in": "08:00:00",
        "last_out": "17:00:00",
        "reason": "walk check",
    }
    return Prepared({"site_id": SITE}, {"json": body})


def _unlock(walk: Walk) -> Prepared:
    device_id = walk.device(DeviceKind.ACCESS_READER)
    return Prepared({"site_id": SITE, "device_id": device_id}, {"json": {"reason": "walk check"}})


def _access_rule(walk: Walk) -> Prepared:
    body = {"group": "staff", "windows": ALWAYS}
    return Prepared({"site_id": SITE, "rule_id": walk.new_id("walk-rule")}, {"json": body})


def _saved_access_rule(walk: Walk) -> Prepared:
    prepared = _access_rule(walk)
    walk.ok("PUT", f"/api/v1/access/sites/{SITE}/rules/{prepared.path['rule_id']}",
            **prepared.request)  # fmt: skip
    return Prepared(prepared.path)


def _holiday(walk: Walk) -> Prepared:
    day = f"2030-01-{next(walk._ids) % 28 + 1:02d}"
    return Prepared({"site_id": SITE, "day": day}, {"json": {"name": "Walk day"}})


def _saved_holiday(walk: Walk) -> Prepared:
    prepared = _holiday(walk)
    walk.ok("PUT", f"/api/v1/access/sites/{SITE}/holidays/{prepared.path['day']}",
            **prepared.request)  # fmt: skip
    return Prepared(prepared.path)


def _form_login(walk: Walk) -> Prepared:
    me = walk.account()
    form = httpx.get(walk.server.url + "/login")
    csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
    assert csrf is not None, "the sign-in form has no login_csrf field"
    # the cookie is Secure; as a browser on 127.0.0.1 would, the client sends it over http
    cookies = {"sitewarden_login": form.cookies["sitewarden_login"]}
    client = httpx.Client(base_url=walk.server.url, cookies=cookies)
    walk.accounts.append(client)
    data = {"username": me.username, "password": me.password, "login_csrf": csrf.group(1)}
    return Prepared(request={"data": data}, client=client)


def _form(fields: Callable[[Account], dict[str, str]], role: Role = Role.VIEWER,
          enrolling: bool = False) -> Callable[[Walk], Prepared]:  # fmt: skip
    def prepare(walk: Walk) -> Prepared:
        me = walk.account(role)
        data = {"csrf_token": me.csrf, **fields(me)}
        if enrolling:
            secret = me.client.post("/api/v1/me/totp").json()["secret"]
            data["code"] = pyotp.TOTP(secret).now()
        return Prepared(request={"data": data}, client=me.client)

    return prepare


def _password_form(me: Account) -> dict[str, str]:
    return {"current_password": me.password, "new_password": PASSWORD + "-form"}


PEOPLE = "/api/v1/access/sites/{site_id}/people"
PARKING = "/api/v1/parking/sites/{site_id}"
CALLS: dict[tuple[str, str], tuple[Call, ...] | Call] = {
    # sites, zones, devices
    ("POST", "/api/v1/sites"): Call("site.create", _new_site),
    ("PATCH", "/api/v1/sites/{site_id}"): Call(
        "site.update", lambda w: Prepared({"site_id": SITE}, {"json": {"name": "Walk site"}})
    ),
    ("DELETE", "/api/v1/sites/{site_id}"): Call("site.delete", _empty_site),
    ("POST", "/api/v1/sites/{site_id}/zones"): Call(
        "zone.create",
        lambda w: Prepared({"site_id": SITE}, {"json": {"zone_id": w.new_id("z"), "name": "Z"}}),
    ),
    ("PATCH", "/api/v1/sites/{site_id}/zones/{zone_id}"): Call("zone.update", _zone({"name": "Y"})),
    ("DELETE", "/api/v1/sites/{site_id}/zones/{zone_id}"): Call("zone.delete", _zone()),
    ("POST", "/api/v1/sites/{site_id}/devices"): Call(
        "device.create",
        lambda w: Prepared(
            {"site_id": SITE}, {"json": {"device_id": w.new_id("d"), "kind": "door_contact"}}
        ),
    ),
    ("PATCH", "/api/v1/sites/{site_id}/devices/{device_id}"): Call(
        "device.update", _device({"name": "Door"})
    ),
    ("DELETE", "/api/v1/sites/{site_id}/devices/{device_id}"): Call("device.delete", _device()),
    ("POST", "/api/v1/sites/{site_id}/devices/{device_id}/token"): Call(
        "device.token_rotate", _device()
    ),
    ("DELETE", "/api/v1/sites/{site_id}/devices/{device_id}/token"): Call(
        "device.token_revoke", _device()
    ),
    ("PUT", "/api/v1/sites/{site_id}/plan-image"): Call("site.plan_image.upload", _plan_image),
    ("DELETE", "/api/v1/sites/{site_id}/plan-image"): Call(
        "site.plan_image.delete", _uploaded_plan_image
    ),
    # accounts
    ("POST", "/api/v1/users"): Call(
        "user.create",
        lambda w: Prepared(request={"json": {"username": w.new_id("walker"), "role": "viewer"}}),
    ),
    ("PATCH", "/api/v1/users/{user_id}"): (
        Call("user.role", _user_patch({"role": "operator"})),
        Call("user.scope", _user_patch({"site_scope": [SITE]})),
        Call("user.password_reset", _user_patch({"password": PASSWORD + "-reset"})),
        Call("user.disable", _user_patch({"disabled": True})),
        Call("user.enable", _user_patch({"disabled": False}, disabled_first=True)),
    ),
    ("POST", "/api/v1/users/{user_id}/password-reset"): Call(
        "user.password_reset", lambda w: Prepared({"user_id": w.user()})
    ),
    ("POST", "/api/v1/users/{user_id}/totp-reset"): Call(
        "user.totp_reset", lambda w: Prepared({"user_id": w.user()})
    ),
    ("POST", "/api/v1/me/password"): Call("user.password_change", _own_password),
    ("POST", "/api/v1/me/sessions/end-others"): Call(
        "user.sessions_end", lambda w: Prepared(client=w.account().client)
    ),
    ("POST", "/api/v1/me/api-keys"): Call(
        "api_key.create", lambda w: Prepared(request={"json": {"name": "walk"}})
    ),
    ("DELETE", "/api/v1/me/api-keys/{key_id}"): Call("api_key.revoke", _own_key),
    ("POST", "/api/v1/me/totp"): Call("user.totp_start", _totp_start),
    ("POST", "/api/v1/me/totp/confirm"): Call("user.totp_confirm", _totp_confirm),
    ("DELETE", "/api/v1/users/{user_id}/api-keys/{key_id}"): Call("api_key.revoke", _others_key),
    ("POST", "/api/v1/auth/login"): Call("auth.login", _login),
    ("POST", "/api/v1/auth/logout"): Call("auth.logout", _logout),
    # privacy
    ("POST", "/api/v1/subjects/export"): Call("subject.export", _subject),
    ("POST", "/api/v1/subjects/erase"): Call("subject.erase", _subject),
    ("POST", "/api/v1/sites/{site_id}/consents"): Call("consent.record", _consent),
    ("POST", "/api/v1/sites/{site_id}/consents/{consent_id}/withdraw"): Call(
        "consent.withdraw", _given_consent
    ),
    ("POST", "/api/v1/subject-requests"): (
        Call("subject_request.open.access", _subject_request("access")),
        Call("subject_request.open.erasure", _subject_request("erasure")),
    ),
    ("POST", "/api/v1/subject-requests/{site_id}/{request_id}/export"): Call(
        "subject.export", _opened_request("access", json={"valid_minutes": 5})
    ),
    ("POST", "/api/v1/subject-requests/{site_id}/{request_id}/erase"): Call(
        "subject.erase", _opened_request("erasure")
    ),
    ("POST", "/api/v1/subject-requests/{site_id}/{request_id}/confirm-erasure"): Call(
        "subject.erase.confirmed", _erasure_asked
    ),
    ("PUT", "/api/v1/sites/{site_id}/subject-request-settings"): Call(
        "subject_request.settings",
        lambda w: Prepared({"site_id": SITE}, _request_settings(False)),
    ),
    ("POST", "/api/v1/events/lookup"): Call(
        "events.lookup",
        lambda w: Prepared(
            request={
                "json": {"site": SITE, "field": "plate", "value": w.plate(), "purpose": "walk"}
            }
        ),
    ),
    # alerts, rules, webhooks
    ("POST", "/api/v1/alerts/{alert_id}/acknowledge"): Call("alert.acknowledge", _alert()),
    ("POST", "/api/v1/alerts/{alert_id}/resolve"): Call("alert.resolve", _alert()),
    ("POST", "/api/v1/alerts/{alert_id}/notes"): Call("alert.note", _alert({"note": "walk"})),
    ("POST", "/api/v1/alerts/{alert_id}/shelve"): Call(
        "alert.shelve", _alert({"minutes": 5, "reason": "walk check"})
    ),
    ("POST", "/api/v1/alerts/{alert_id}/unshelve"): Call(
        "alert.unshelve", _alert(None, shelved=True)
    ),
    ("POST", "/api/v1/alerts/{alert_id}/assign"): Call("alert.assign", _assign),
    ("PUT", "/api/v1/alert-rules/{rule_id}"): Call("alert_rule.save", _alert_rule),
    ("DELETE", "/api/v1/alert-rules/{rule_id}"): Call("alert_rule.delete", _saved_alert_rule),
    ("POST", "/api/v1/webhooks"): Call("webhook.create", _webhook),
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): Call("webhook.delete", _saved_webhook),
    # garage
    ("PUT", PARKING + "/lanes/{device_id}"): Call("parking.lane.save", _lane),
    ("DELETE", PARKING + "/lanes/{device_id}"): Call("parking.lane.delete", _saved_lane),
    ("PUT", PARKING + "/plate-settings"): Call(
        "parking.plate_settings.save",
        lambda w: Prepared({"site_id": SITE}, {"json": {"formats": ["cn"]}}),
    ),
    ("PUT", PARKING + "/garages/{zone_id}/tariff"): Call(
        "parking.tariff.save",
        lambda w: Prepared({"site_id": SITE, "zone_id": "garage"}, {"json": TARIFF}),
    ),
    ("POST", PARKING + "/vehicles"): Call("parking.vehicle.register", _vehicle),
    ("DELETE", PARKING + "/vehicles/{subject_id}"): Call("parking.vehicle.delete", _saved_vehicle),
    ("POST", PARKING + "/lists"): Call("parking.list.add", _list_entry),
    ("DELETE", PARKING + "/lists/{entry_id}"): Call("parking.list.delete", _saved_list_entry),
    ("POST", PARKING + "/permits"): Call("parking.permit.add", _permit),
    ("DELETE", PARKING + "/permits/{permit_id}"): Call("parking.permit.delete", _saved_permit),
    ("POST", "/api/v1/parking/sessions/{session_id}/payments"): Call("parking.payment", _payment),
    ("POST", PARKING + "/reviews/{review_id}/resolve"): Call("parking.review.resolve", _review),
    ("POST", "/api/v1/parking/sessions/lookup"): Call("parking.sessions.lookup", _sessions_lookup),
    ("POST", PARKING + "/lanes/{device_id}/open"): Call("parking.lane.manual_open", _manual_open),
    ("POST", PARKING + "/vehicle-rules"): Call("parking.vehicle_rules.create", _vehicle_rule),
    ("PATCH", PARKING + "/vehicle-rules/{rule_id}"): Call(
        "parking.vehicle_rules.edit",
        _saved_vehicle_rule(json={"type": "allow", "reason": "walk edit"}),
    ),
    ("POST", PARKING + "/vehicle-rules/{rule_id}/expire"): Call(
        "parking.vehicle_rules.expire", _saved_vehicle_rule(json={"reason": "walk"})
    ),
    ("DELETE", PARKING + "/vehicle-rules/{rule_id}"): Call(
        "parking.vehicle_rules.delete", _saved_vehicle_rule(params={"reason": "walk"})
    ),
    ("POST", PARKING + "/vehicle-rules/import"): Call("parking.vehicle_rules.import", _rules_csv),
    # doors and people
    ("POST", PEOPLE): Call("access.enrol", _new_person),
    ("PATCH", PEOPLE + "/{person_id}"): Call("access.person.change", _person({"group": "visitor"})),
    ("DELETE", PEOPLE + "/{person_id}"): Call(
        "access.erase", _person(None, params={"purpose": "walk"})
    ),
    ("POST", PEOPLE + "/{person_id}/badges"): Call("access.badge.add", _badge),
    ("POST", "/api/v1/access/sites/{site_id}/badges/{badge_ref}/revoke"): Call(
        "access.badge.revoke", _given_badge
    ),
    ("POST", "/api/v1/access/sites/{site_id}/badges/{badge_ref}/lost"): Call(
        "access.badge.lost", _given_badge
    ),
    ("POST", "/api/v1/access/sites/{site_id}/attendance/corrections"): Call(
        "attendance.correct", _correction
    ),
    ("POST", "/api/v1/access/sites/{site_id}/doors/{device_id}/unlock"): Call(
        "door.unlock", _unlock
    ),
    ("POST", PEOPLE + "/{person_id}/bar"): Call("access.bar", _person({"reason": "walk check"})),
    ("DELETE", PEOPLE + "/{person_id}/bar"): Call("access.unbar", _barred_person),
    ("POST", PEOPLE + "/{person_id}/faces"): Call("access.enrol_face", _face),
    ("DELETE", PEOPLE + "/{person_id}/faces"): Call("access.erase_faces", _person()),
    ("PUT", "/api/v1/access/sites/{site_id}/rules/{rule_id}"): Call(
        "access.rule.save", _access_rule
    ),
    ("DELETE", "/api/v1/access/sites/{site_id}/rules/{rule_id}"): Call(
        "access.rule.delete", _saved_access_rule
    ),
    ("PUT", "/api/v1/access/sites/{site_id}/holidays/{day}"): Call("access.holiday.save", _holiday),
    ("DELETE", "/api/v1/access/sites/{site_id}/holidays/{day}"): Call(
        "access.holiday.delete", _saved_holiday
    ),
    # console forms
    ("POST", "/login"): Call("auth.login", _form_login),
    ("POST", "/logout"): Call("auth.logout", _form(lambda me: {})),
    ("POST", "/account/password"): Call("user.password_change", _form(_password_form)),
    ("POST", "/account/second-factor"): Call(
        "user.totp_confirm", _form(lambda me: {}, Role.OPERATOR, enrolling=True)
    ),
}


def changing_routes() -> list[tuple[str, str]]:
    """(method, path) of every route of the app that may change something."""
    return sorted(
        {(m, route.path) for route in APP_ROUTES for m in route.methods or () if m in CHANGING}
    )


def unwalked(routes: list[tuple[str, str]]) -> list[str]:
    """The routes in neither table, each with what to add for it."""
    return [
        f"{method} {path}: add ({method!r}, {path!r}): Call('<area>.<what it did>', prepare) "
        "to CALLS in tests/test_audit_coverage.py (and record_audit(context, request, "
        "operator, '<area>.<what it did>', site_id, [<ids of what changed>], purpose) in the "
        "route), or, for device traffic only, an entry with the reason to EXEMPT"
        for method, path in routes
        if (method, path) not in CALLS and (method, path) not in EXEMPT
    ]


def calls_of(key: tuple[str, str]) -> tuple[Call, ...]:
    found = CALLS[key]
    return found if isinstance(found, tuple) else (found,)


def walk_call(walk: Walk, method: str, path: str, call: Call) -> str | None:
    """Make one call; what is wrong with its audit trail, or None."""
    name = f"{method} {path}"
    prepared = call.prepare(walk)
    walk.new_entries()  # what preparing it wrote does not count
    url = re.sub(r"\{(\w+)\}", lambda m: prepared.path[m.group(1)], path)
    client = prepared.client or walk.admin
    answer = client.request(method, url, **prepared.request)
    if answer.status_code >= 400:
        failed = f"{answer.status_code} {answer.text[:300]}"
        return f"{name}: the call failed ({failed}); fix its entry in CALLS"
    entries = walk.new_entries()
    named = [e for e in entries if e["action"] == call.action]
    if not named:
        seen = sorted({e["action"] for e in entries}) or "none"
        return (
            f"{name} left no audit entry {call.action!r} (new entries: {seen}); add "
            f"record_audit(context, request, operator, {call.action!r}, site_id, "
            "[<ids of what changed>], purpose) to the route after the change"
        )
    leaked = [value for value in walk.personal if value in orjson.dumps(named).decode()]
    if leaked:
        return f"{name}: its audit entry holds personal values {leaked}; name a reference (an id)"
    return None


def _walk_order(key: tuple[str, str]) -> tuple[bool, str, str]:
    """Sign-outs and the like last, so that nothing after them needs what they end."""
    method, path = key
    return path in ("/logout", "/api/v1/auth/logout"), path, method


# --- the tests ---------------------------------------------------------------------------
def test_every_state_changing_route_is_walked_or_exempt() -> None:
    routes = changing_routes()
    assert len(routes) > 60
    missing = unwalked(routes)
    assert missing == [], "state-changing routes the audit walk does not know:\n" + "\n".join(
        missing
    )
    stale = sorted((set(CALLS) | set(EXEMPT)) - set(routes))
    assert stale == [], f"entries for routes the app no longer has: {stale}"


def test_a_new_route_without_an_entry_fails_the_walk_by_name() -> None:
    new = ("POST", "/api/v1/doors/{device_id}/open")
    [message] = unwalked([*changing_routes(), new])
    assert message.startswith("POST /api/v1/doors/{device_id}/open: add")
    assert "CALLS" in message and "record_audit" in message and "EXEMPT" in message


@pytest.fixture(scope="module")
def walk(shared_server: LiveServer) -> Iterator[Walk]:
    opened = Walk(shared_server)
    yield opened
    opened.close()


def test_a_route_that_leaves_no_entry_fails_the_walk(walk: Walk) -> None:
    """The check can fail: validating a rule stores nothing and writes no entry."""
    validate = Call(
        "alert_rule.validate",
        lambda w: Prepared(request={"json": {"rule_id": "walk", **RULE}}),
    )
    failure = walk_call(walk, "POST", "/api/v1/alert-rules/validate", validate)
    assert failure is not None
    assert "left no audit entry 'alert_rule.validate'" in failure and "record_audit(" in failure


def test_an_entry_holding_a_personal_value_fails_the_walk(walk: Walk) -> None:
    """The check can fail: a purpose that quotes a plate puts the plate in the entry."""
    plate = walk.plate()
    quoting = Call(
        "events.lookup",
        lambda w: Prepared(
            request={
                "json": {"site": SITE, "field": "plate", "value": plate, "purpose": f"re {plate}"}
            }
        ),
    )
    failure = walk_call(walk, "POST", "/api/v1/events/lookup", quoting)
    assert failure is not None and "holds personal values" in failure and plate in failure


def test_every_state_changing_route_leaves_an_audit_entry(walk: Walk) -> None:
    failures = []
    walked = 0
    for method, path in sorted(CALLS, key=_walk_order):
        for call in calls_of((method, path)):
            failure = walk_call(walk, method, path, call)
            walked += 1
            if failure is not None:
                failures.append(failure)
    assert failures == [], "\n".join(failures)
    assert walked >= len(CALLS)


# --- the command line ----------------------------------------------------------------------
def _entries_of(server: LiveServer) -> list[Any]:
    store = server.open_storage()
    try:
        return list(store.privacy.audit_entries(after_seq=0, limit=100_000))
    finally:
        store.close()


def _wait_for(server: LiveServer, action: str) -> Any:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [e for e in _entries_of(server) if e.action == action]
        if found:
            return found[-1]
        time.sleep(0.5)
    raise AssertionError(f"no {action!r} entry within 30 s")


def test_commands_that_change_something_are_audited(
    configured_server: Callable[[str], LiveServer], tmp_path: Path
) -> None:
    """Accounts, sites and devices, alarms, key rotation, retention (run by hand and by
    the server's schedule) and backups: each leaves an entry, by ``cli:<user>``."""
    server = configured_server("retention_interval_s = 10\n[retention_days]\nheartbeats = 10")
    token = server.add_site_with_device("cli-aw", "door", DeviceKind.DOOR_CONTACT)
    old = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    with device_client(server, token) as door:
        posted = [{"kind": "door.forced"}, {"kind": "device.heartbeat", "time": old}]
        assert door.post("/api/v1/events", json=posted).status_code < 300
    with server.client() as admin:
        [alert] = admin.get("/api/v1/alerts", params={"site": "cli-aw"}).json()["alerts"]
    scheduled = _wait_for(server, "retention.run")  # the server's next run takes the heartbeat
    assert scheduled.actor == "system:retention" and scheduled.targets == ("heartbeats:1",)
    server.stop()

    folder = server.settings.data_dir
    commands = [
        (["users", "add", "cli-walker", "--role", "viewer"], "user.create"),
        (["users", "disable", "cli-walker"], "user.disable"),
        (["users", "enable", "cli-walker"], "user.enable"),
        (["sites", "add", "cli-new", "--name", "New"], "site.create"),
        (["sites", "add-zone", "cli-new", "hall"], "zone.create"),
        (["devices", "add", "cli-new", "cam", "--kind", "camera"], "device.create"),
        (["devices", "token", "cli-new", "cam"], "device.token_rotate"),
        (["devices", "revoke", "cli-new", "cam"], "device.token_revoke"),
        (["alerts", "ack", alert["alert_id"]], "alert.acknowledge"),
        (["alerts", "resolve", alert["alert_id"]], "alert.resolve"),
        (["keys", "rotate"], "keys.rotate"),
        (["retention", "run"], "retention.run"),
        (["backup", str(tmp_path / "copy.db")], "backup.write"),
    ]
    for args, action in commands:
        before = len(_entries_of(server))
        result = sitewarden(*args, data_dir=folder)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        new = _entries_of(server)[before:]
        assert [e.action for e in new] == [action], f"{args}: {[e.action for e in new]}"
        assert new[0].actor.startswith("cli:") and "cli-walker" not in str(new[0].targets)
    verified = sitewarden("audit", "verify", data_dir=folder)
    assert verified.returncode == 0, verified.stderr
