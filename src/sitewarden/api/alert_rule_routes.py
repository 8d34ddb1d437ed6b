"""Alert rules (list, check, save, delete), how often each fires, and occupancy series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from sitewarden.alerts.rules import Rule, parse_rule
from sitewarden.api.authentication import AlertReader, EventReader, RuleManager
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import (
    SiteInScope,
    check_rule_delete,
    check_rule_save,
    check_site_scope,
    record_audit,
    rule_visible,
)
from sitewarden.errors import InvalidInput, NotFound

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class RuleRateOut(BaseModel):
    rule_id: str
    title: str
    open_now: int
    opened: int
    repeats: int


class OccupancyPoint(BaseModel):
    zone_id: str
    source: Literal["camera", "wifi"]
    interval_start: datetime
    interval_s: int
    count: int


@router.get("/alert-rules", summary="The rules in force (defaults and saved ones)")
def list_rules(operator: AlertReader, context: Context) -> list[dict[str, Any]]:
    return [
        rule.model_dump(mode="json")
        for rule in context.alerts.engine_rules()
        if rule_visible(operator, rule)
    ]


@router.get(
    "/alert-rules/rates",
    response_model=list[RuleRateOut],
    summary="Per rule: alarms open now, opened and repeats folded in the last hours",
)
def rule_rates(
    operator: AlertReader,
    context: Context,
    site: Annotated[str | None, Query(max_length=64)] = None,
    hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24,
) -> list[RuleRateOut]:
    """A flooding rule shows here: its repeats are folded into one alarm with a count."""
    if site is not None:
        check_site_scope(operator, site)
    since = datetime.now(UTC) - timedelta(hours=hours)
    titles = {rule.rule_id: rule.title for rule in context.alerts.engine_rules()}
    rates = context.store.alert_search.rule_rates(operator.site_scope, site, since)
    return [
        RuleRateOut(
            rule_id=rate.rule_id,
            title=titles.get(rate.rule_id, rate.rule_id),
            open_now=rate.open_now,
            opened=rate.opened,
            repeats=rate.repeats,
        )
        for rate in rates
    ]


@router.post("/alert-rules/validate", summary="Check a rule without saving it")
def validate_rule(body: dict[str, Any], operator: RuleManager) -> dict[str, Any]:
    return parse_rule(body).model_dump(mode="json")


@router.put("/alert-rules/{rule_id}", summary="Save a rule (replaces a default of that id)")
def save_rule(
    rule_id: str, body: dict[str, Any], request: Request, operator: RuleManager, context: Context
) -> dict[str, Any]:
    rule: Rule = parse_rule({**body, "rule_id": rule_id})
    check_rule_save(context, operator, rule)
    context.store.rules.save_rule(
        rule_id, rule.model_dump_json(), operator.username, datetime.now(UTC)
    )
    context.alerts.reload_rules()
    site = rule.sites[0] if rule.sites and len(rule.sites) == 1 else None
    record_audit(context, request, operator, "alert_rule.save", site, [rule_id], None)
    return rule.model_dump(mode="json")


@router.delete("/alert-rules/{rule_id}", status_code=204, response_class=Response)
def delete_rule(
    rule_id: str, request: Request, operator: RuleManager, context: Context
) -> Response:
    check_rule_delete(context, operator, rule_id)
    if not context.store.rules.delete_rule(rule_id):
        raise NotFound(f"no saved rule {rule_id!r} (defaults can be replaced, not deleted)")
    context.alerts.reload_rules()
    record_audit(context, request, operator, "alert_rule.delete", None, [rule_id], None)
    return Response(status_code=204)


@router.get("/sites/{site_id}/occupancy", response_model=list[OccupancyPoint])
def occupancy(
    site_id: str,
    operator: EventReader,
    context: Context,
    site: SiteInScope,
    zone: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[OccupancyPoint]:
    end = until or datetime.now(UTC)
    start = since or end - timedelta(hours=24)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("since and until need a timezone offset")
    context.occupancy.flush()  # include the interval in progress
    return [
        OccupancyPoint(zone_id=z, source=src, interval_start=at, interval_s=secs, count=n)
        for z, src, at, secs, n in context.store.occupancy.occupancy(site_id, zone, start, end)
    ]
