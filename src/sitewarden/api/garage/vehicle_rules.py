"""Allow and deny list entries and permits as the lists page sees them: one kind of row,
created, edited, expired and deleted with a reason (CSV import and export:
``vehicle_rule_files``).

Every change writes an audit entry whose purpose is the reason given. Plates are shown
masked to every reader; in full only with a purpose to roles with ``personal:read``;
either way the opening is audited. An import stores every row or none.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import ParkingManager, ParkingReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.garage.common import AppGateDesk, _now, _plate_match
from sitewarden.api.garage.vehicle_rule_schemas import (
    RuleReason,
    VehicleRuleEdit,
    VehicleRuleIn,
    VehicleRuleOut,
)
from sitewarden.api.operator_scope import OptionalPurpose, Purpose, SiteInScope, record_audit
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.parking.records import ListEntry, Permit
from sitewarden.privacy.masking import mask_plate
from sitewarden.registry.service import require_zone
from sitewarden.validity import check_window

router = APIRouter(prefix="/api/v1", tags=["parking"])
Rule = ListEntry | Permit


def _state(valid_from: datetime | None, valid_until: datetime | None, now: datetime) -> str:
    if valid_from is not None and now < valid_from:
        return "upcoming"
    if valid_until is not None and now >= valid_until:
        return "expired"
    return "active"


def _rule_out(rule: Rule, plate: str | None, disclosure: str, now: datetime) -> VehicleRuleOut:
    common = {
        "plate": plate,
        "disclosure": disclosure,
        "zone_id": rule.zone_id,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "state": _state(rule.valid_from, rule.valid_until, now),
        "created_at": rule.created_at,
        "created_by": rule.created_by,
    }
    if isinstance(rule, ListEntry):
        return VehicleRuleOut(
            rule_id=rule.entry_id,
            type=rule.list_name,
            permit_kind=None,
            reason=rule.reason,
            **common,
        )
    return VehicleRuleOut(
        rule_id=rule.permit_id, type="permit", permit_kind=rule.kind, reason=None, **common
    )


def site_rules(context: AppContext, site_id: str) -> list[Rule]:
    tables = context.store.parking_config
    return [*tables.list_entries(site_id), *tables.list_permits(site_id)]


def _find(context: AppContext, site_id: str, rule_id: str) -> Rule:
    tables = context.store.parking_config
    found = tables.get_list_entry(site_id, rule_id) or tables.get_permit(site_id, rule_id)
    if found is None:
        raise NotFound(f"no list entry or permit {rule_id!r} in site {site_id!r}")
    return found


def _rule_id(rule: Rule) -> str:
    return rule.entry_id if isinstance(rule, ListEntry) else rule.permit_id


def _plate_shown(
    context: AppContext, site_id: str, subject_id: str, full: bool
) -> tuple[str | None, str]:
    value = context.vault.subject_value(site_id, subject_id)
    if value is None:
        return None, "erased"
    return (value, "full") if full else (mask_plate(value), "masked")


def _check_edit(context: AppContext, site_id: str, body: VehicleRuleEdit) -> None:
    check_window(body.valid_from, body.valid_until)
    if body.zone_id is not None:
        require_zone(context.store.registry, site_id, body.zone_id)
    if body.type == "permit":
        if body.permit_kind is None or body.valid_from is None or body.valid_until is None:
            raise InvalidInput("a permit needs permit_kind, valid_from and valid_until")
    elif body.permit_kind is not None:
        raise InvalidInput("permit_kind is for permits only")


def audit_rule_change(
    context: AppContext,
    request: Request,
    operator: Operator,
    action: str,
    site_id: str,
    targets: list[str],
    reason: str,
) -> None:
    record_audit(context, request, operator, action, site_id, targets, reason)


@router.get("/parking/sites/{site_id}/vehicle-rules", response_model=list[VehicleRuleOut])
def list_vehicle_rules(
    site_id: str,
    request: Request,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    purpose: OptionalPurpose = None,
) -> list[VehicleRuleOut]:
    """Every list entry and permit of the site, newest first, each with its plate masked
    (in full with a purpose, for roles with personal:read); the opening is audited."""
    full = purpose is not None and operator.may(Permission.PERSONAL_READ)
    now = _now()
    rules = sorted(site_rules(context, site_id), key=lambda r: r.created_at, reverse=True)
    out = [
        _rule_out(rule, *_plate_shown(context, site_id, rule.subject_id, full), now)
        for rule in rules
    ]
    opened = [
        rule.subject_id for rule, shown in zip(rules, out, strict=True) if shown.plate is not None
    ]
    if opened:
        action = "parking.vehicle_rules.read" if full else "parking.vehicle_rules.read_masked"
        record_audit(context, request, operator, action, site_id, opened, purpose)
    return out


@router.post(
    "/parking/sites/{site_id}/vehicle-rules", response_model=VehicleRuleOut, status_code=201
)
def create_vehicle_rule(
    site_id: str,
    body: VehicleRuleIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> VehicleRuleOut:
    """An allow or deny entry, or a permit, for one plate at one garage or all."""
    _check_edit(context, site_id, body)
    match = _plate_match(desk, site_id, body.plate)
    subject = context.vault.subject_for(site_id, "plate", "vehicle", match.compact)
    rule = new_rule(site_id, subject, body, operator.username)
    tables = context.store.parking_config
    if isinstance(rule, ListEntry):
        tables.add_list_entry(rule)
    else:
        tables.add_permit(rule)
    audit_rule_change(
        context,
        request,
        operator,
        "parking.vehicle_rules.create",
        site_id,
        [_rule_id(rule)],
        body.reason,
    )
    return _rule_out(rule, mask_plate(match.compact), "masked", _now())


def new_rule(site_id: str, subject: str, body: VehicleRuleEdit, username: str) -> Rule:
    if body.type == "permit":
        assert body.permit_kind is not None and body.valid_from and body.valid_until  # checked
        return Permit(
            site_id,
            str(uuid.uuid4()),
            subject,
            body.zone_id,
            body.permit_kind,
            body.valid_from,
            body.valid_until,
            _now(),
            username,
        )
    return ListEntry(
        site_id,
        str(uuid.uuid4()),
        subject,
        body.type,
        body.zone_id,
        body.reason,
        body.valid_from,
        body.valid_until,
        _now(),
        username,
    )


def _store_change(context: AppContext, rule: Rule) -> None:
    tables = context.store.parking_config
    if isinstance(rule, ListEntry):
        tables.replace_list_entry(rule)
    else:
        tables.replace_permit(rule)


@router.patch("/parking/sites/{site_id}/vehicle-rules/{rule_id}", response_model=VehicleRuleOut)
def edit_vehicle_rule(
    site_id: str,
    rule_id: str,
    body: VehicleRuleEdit,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> VehicleRuleOut:
    """A rule's garage and window (and list, kind or reason); its plate stays: for another
    vehicle, delete the rule and create one."""
    rule = _find(context, site_id, rule_id)
    _check_edit(context, site_id, body)
    changed: Rule
    if isinstance(rule, ListEntry):
        if body.type == "permit":
            raise InvalidInput("a list entry cannot become a permit; delete it and add a permit")
        changed = replace(
            rule,
            list_name=body.type,
            zone_id=body.zone_id,
            reason=body.reason,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )
    else:
        if body.type != "permit":
            raise InvalidInput("a permit cannot become a list entry; delete it and add one")
        assert body.permit_kind is not None and body.valid_from and body.valid_until  # checked
        changed = replace(
            rule,
            kind=body.permit_kind,
            zone_id=body.zone_id,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )
    _store_change(context, changed)
    audit_rule_change(
        context, request, operator, "parking.vehicle_rules.edit", site_id, [rule_id], body.reason
    )
    return _rule_out(changed, None, "none", _now())


@router.post(
    "/parking/sites/{site_id}/vehicle-rules/{rule_id}/expire", response_model=VehicleRuleOut
)
def expire_vehicle_rule(
    site_id: str,
    rule_id: str,
    body: RuleReason,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> VehicleRuleOut:
    """Ends a rule now (valid_until = now) and keeps it on record; one not yet begun ends
    before it begins."""
    rule = _find(context, site_id, rule_id)
    now = _now()
    if rule.valid_until is not None and rule.valid_until <= now:
        raise InvalidInput(f"{rule_id!r} has already expired")
    begun = now - timedelta(seconds=1)
    changed: Rule
    if isinstance(rule, ListEntry):
        starts = rule.valid_from
        changed = replace(
            rule, valid_from=None if starts is None else min(starts, begun), valid_until=now
        )
    else:
        changed = replace(rule, valid_from=min(rule.valid_from, begun), valid_until=now)
    _store_change(context, changed)
    audit_rule_change(
        context, request, operator, "parking.vehicle_rules.expire", site_id, [rule_id], body.reason
    )
    return _rule_out(changed, None, "none", now)


@router.delete("/parking/sites/{site_id}/vehicle-rules/{rule_id}", status_code=204)
def delete_vehicle_rule(
    site_id: str,
    rule_id: str,
    reason: Purpose,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    """Removes a rule; ``reason`` (in the query) goes into the audit entry."""
    rule = _find(context, site_id, rule_id)
    tables = context.store.parking_config
    if isinstance(rule, ListEntry):
        tables.delete_list_entry(site_id, rule_id)
    else:
        tables.delete_permit(site_id, rule_id)
    audit_rule_change(
        context, request, operator, "parking.vehicle_rules.delete", site_id, [rule_id], reason
    )
    return Response(status_code=204)
