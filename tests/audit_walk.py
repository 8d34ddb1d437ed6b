"""The audit walk's machinery (issue 21): ``Walk`` builds one fresh object per call on
the walk's own site and reads the audit log as it grows; ``walk_call`` makes one call and
says what is wrong with the audit entry it left. The call table itself, and the tests,
are in tests/test_audit_coverage.py."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pyotp

from sitewarden.accounts import accounts
from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, PatientTransport, device_client

SITE = "aw"  # the walk's own site; everything it changes lies in it (or is new)
PASSWORD = "walk-the-audit-trail-1"
TARIFF = {"currency": "CNY", "hourly_minor": 500, "free_minutes": 0}


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


# --- accounts, signed in or signing in --------------------------------------------
def own_password(walk: Walk) -> Prepared:
    me = walk.account()
    body = {"current_password": me.password, "new_password": PASSWORD + "-new"}
    return Prepared(request={"json": body}, client=me.client)


def own_key(walk: Walk) -> Prepared:
    key = walk.ok("POST", "/api/v1/me/api-keys", json={"name": "walk"})
    return Prepared({"key_id": key["key_id"]})


def totp_start(walk: Walk) -> Prepared:
    return Prepared(client=walk.account(Role.OPERATOR).client)


def totp_confirm(walk: Walk) -> Prepared:
    me = walk.account(Role.OPERATOR)
    secret = me.client.post("/api/v1/me/totp").json()["secret"]
    return Prepared(request={"json": {"code": pyotp.TOTP(secret).now()}}, client=me.client)


def others_key(walk: Walk) -> Prepared:
    user_id, key_id = walk.key_of_another_user()
    return Prepared({"user_id": user_id, "key_id": key_id})


def api_login(walk: Walk) -> Prepared:
    me = walk.account()
    body = {"username": me.username, "password": me.password}
    client = httpx.Client(base_url=walk.server.url)
    walk.accounts.append(client)
    return Prepared(request={"json": body}, client=client)


def api_logout(walk: Walk) -> Prepared:
    return Prepared(client=walk.account().client)


def form_login(walk: Walk) -> Prepared:
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


def form(fields: Callable[[Account], dict[str, str]], role: Role = Role.VIEWER,
          enrolling: bool = False) -> Callable[[Walk], Prepared]:  # fmt: skip
    def prepare(walk: Walk) -> Prepared:
        me = walk.account(role)
        data = {"csrf_token": me.csrf, **fields(me)}
        if enrolling:
            secret = me.client.post("/api/v1/me/totp").json()["secret"]
            data["code"] = pyotp.TOTP(secret).now()
        return Prepared(request={"data": data}, client=me.client)

    return prepare


def password_form(me: Account) -> dict[str, str]:
    return {"current_password": me.password, "new_password": PASSWORD + "-form"}
