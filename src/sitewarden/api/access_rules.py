"""Access rules, named groups and holidays of a site: who may pass where, and when."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fastapi import APIRouter, Request, Response

from sitewarden.access.groups import check_rule_group, site_groups
from sitewarden.access.records import ALL_ZONES, AccessRule, Holiday
from sitewarden.access.schedule import parse_window
from sitewarden.api.access_schemas import (
    GroupOut,
    HolidayIn,
    HolidayOut,
    RuleIn,
    RuleOut,
    WindowOut,
)
from sitewarden.api.answers import deleted_or_404
from sitewarden.api.authentication import AccessManager, AccessReader
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.errors import InvalidInput
from sitewarden.validity import check_window

router = APIRouter(prefix="/api/v1/access/sites/{site_id}", tags=["access"])
RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"


def rule_out(rule: AccessRule) -> RuleOut:
    return RuleOut(
        rule_id=rule.rule_id,
        group=rule.group,
        zone_id=rule.zone_id,
        windows=[
            WindowOut(
                days=list(w.days),
                start=w.start.isoformat("minutes"),
                end="24:00" if w.end is None else w.end.isoformat("minutes"),
            )
            for w in rule.windows
        ],
        applies_on_holidays=rule.applies_on_holidays,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
    )


@router.put("/rules/{rule_id}", response_model=RuleOut, summary="Create or replace a rule")
def put_rule(
    site_id: str,
    rule_id: str,
    body: RuleIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> RuleOut:
    if not re.match(RULE_ID, rule_id):
        raise InvalidInput("rule id: letters, digits, '.', '_' and '-', up to 64 characters")
    check_rule_group(body.group)
    check_window(body.valid_from, body.valid_until)
    if body.zone_id != ALL_ZONES and context.store.registry.get_zone(site_id, body.zone_id) is None:
        raise InvalidInput(f"zone {body.zone_id!r} does not exist in site {site_id!r}")
    rule = AccessRule(
        site_id=site_id,
        rule_id=rule_id,
        group=body.group,
        zone_id=body.zone_id,
        windows=tuple(parse_window(w.days, w.start, w.end) for w in body.windows),
        applies_on_holidays=body.applies_on_holidays,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        created_at=datetime.now(UTC),
    )
    context.store.access.put_access_rule(rule)
    record_audit(context, request, operator, "access.rule.save", site_id, [rule_id], None)
    return rule_out(rule)


@router.get("/rules", response_model=list[RuleOut], summary="The site's access rules")
def list_rules(
    site_id: str, operator: AccessReader, context: Context, site: SiteInScope
) -> list[RuleOut]:
    return [rule_out(rule) for rule in context.store.access.list_access_rules(site_id)]


@router.get("/groups", response_model=list[GroupOut], summary="The site's named access groups")
def list_groups(
    site_id: str, operator: AccessReader, context: Context, site: SiteInScope
) -> list[GroupOut]:
    """Every named group someone is in or a rule names, with how many of each; no
    person is named, so nothing here is audited."""
    groups = site_groups(
        context.store.access_groups.member_counts(site_id),
        context.store.access.list_access_rules(site_id),
    )
    return [GroupOut(name=name, members=members, rules=rules) for name, members, rules in groups]


@router.delete("/rules/{rule_id}", status_code=204, summary="Delete a rule")
def delete_rule(
    site_id: str,
    rule_id: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.access.delete_access_rule(site_id, rule_id)
    if removed:
        record_audit(context, request, operator, "access.rule.delete", site_id, [rule_id], None)
    return deleted_or_404(removed, f"rule {rule_id!r} not found in site {site_id!r}")


@router.put("/holidays/{day}", response_model=HolidayOut, summary="Mark a day a holiday")
def put_holiday(
    site_id: str,
    day: date,
    body: HolidayIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> HolidayOut:
    context.store.access.put_holiday(Holiday(site_id, day.isoformat(), body.name))
    targets = [day.isoformat()]
    record_audit(context, request, operator, "access.holiday.save", site_id, targets, None)
    return HolidayOut(day=day.isoformat(), name=body.name)


@router.get("/holidays", response_model=list[HolidayOut], summary="The site's holidays")
def list_holidays(
    site_id: str, operator: AccessReader, context: Context, site: SiteInScope
) -> list[HolidayOut]:
    return [HolidayOut(day=h.day, name=h.name) for h in context.store.access.list_holidays(site_id)]


@router.delete("/holidays/{day}", status_code=204, summary="Unmark a holiday")
def delete_holiday(
    site_id: str,
    day: date,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    removed = context.store.access.delete_holiday(site_id, day.isoformat())
    if removed:
        targets = [day.isoformat()]
        record_audit(context, request, operator, "access.holiday.delete", site_id, targets, None)
    return deleted_or_404(removed, f"{day.isoformat()} is not a holiday of site {site_id!r}")
