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

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.audit_walk import (
    PASSWORD,
    SITE,
    TARIFF,
    Call,
    Prepared,
    Walk,
    api_login,
    api_logout,
    form,
    form_login,
    others_key,
    own_key,
    own_password,
    password_form,
    totp_confirm,
    totp_start,
    walk_call,
)
from tests.conftest import LiveServer
from tests.test_access_decisions import ALWAYS
from tests.test_route_scope import APP_ROUTES

CHANGING = ("DELETE", "PATCH", "POST", "PUT")
HOOK_TARGET = "https://93.184.216.34/hook"  # a public address; critical alerts only: none sent


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
    ("POST", "/api/v1/me/password"): Call("user.password_change", own_password),
    ("POST", "/api/v1/me/sessions/end-others"): Call(
        "user.sessions_end", lambda w: Prepared(client=w.account().client)
    ),
    ("POST", "/api/v1/me/api-keys"): Call(
        "api_key.create", lambda w: Prepared(request={"json": {"name": "walk"}})
    ),
    ("DELETE", "/api/v1/me/api-keys/{key_id}"): Call("api_key.revoke", own_key),
    ("POST", "/api/v1/me/totp"): Call("user.totp_start", totp_start),
    ("POST", "/api/v1/me/totp/confirm"): Call("user.totp_confirm", totp_confirm),
    ("DELETE", "/api/v1/users/{user_id}/api-keys/{key_id}"): Call("api_key.revoke", others_key),
    ("POST", "/api/v1/auth/login"): Call("auth.login", api_login),
    ("POST", "/api/v1/auth/logout"): Call("auth.logout", api_logout),
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
    ("PUT", PEOPLE + "/{person_id}/groups"): Call(
        "access.person.groups", _person({"groups": ["tower-a"]})
    ),
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
    ("POST", "/login"): Call("auth.login", form_login),
    ("POST", "/logout"): Call("auth.logout", form(lambda me: {})),
    ("POST", "/account/password"): Call("user.password_change", form(password_form)),
    ("POST", "/account/second-factor"): Call(
        "user.totp_confirm", form(lambda me: {}, Role.OPERATOR, enrolling=True)
    ),
}


# Reads and exports served as GET that open or hand out personal data or records: each
# must leave its entry too (a sample; the reads of events and the garage are tested
# beside their routes).
READS: dict[tuple[str, str], Call] = {
    ("GET", "/api/v1/records-of-processing.md"): Call("records.export", lambda w: Prepared()),
    ("GET", "/api/v1/subject-requests/{site_id}/{request_id}/held"): Call(
        "subject_request.held", _opened_request("access")
    ),
    ("GET", "/api/v1/audit/export"): Call(
        "audit.export",
        lambda w: Prepared(request={"params": {"purpose": "walk inspection", "format": "csv"}}),
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


def test_reads_and_exports_served_as_get_leave_an_audit_entry(walk: Walk) -> None:
    failures = [walk_call(walk, method, path, call) for (method, path), call in READS.items()]
    assert [f for f in failures if f is not None] == []
