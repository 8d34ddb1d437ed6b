"""Alert routes: list, read, acknowledge, resolve, the live stream, rules, occupancy.
Webhooks are in ``api/webhooks.py``."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from sitewarden.accounts.accounts import Operator
from sitewarden.alerts.model import Alert, AlertChange
from sitewarden.alerts.notify import encode_sse
from sitewarden.alerts.rules import Rule, parse_rule
from sitewarden.api.authentication import AlertHandler, AlertReader, EventReader, RuleManager
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import (
    SiteInScope,
    check_rule_delete,
    check_rule_save,
    check_site_scope,
    rule_visible,
)
from sitewarden.api.schemas import OperatorText
from sitewarden.errors import Conflict, InvalidInput, NotFound
from sitewarden.events.kinds import Severity
from sitewarden.events.model import from_micros, to_micros

router = APIRouter(prefix="/api/v1", tags=["alerts"])

State = Literal["open", "acknowledged", "resolved"]


class AlertOut(BaseModel):
    alert_id: str
    site_id: str
    rule_id: str
    severity: Severity
    state: State
    title: str
    zone_id: str | None
    device_id: str | None
    count: int
    first_at: datetime
    last_at: datetime
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str | None


class AlertDetail(AlertOut):
    history: list[HistoryOut]


class AlertPage(BaseModel):
    alerts: list[AlertOut]
    next_cursor: str | None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: OperatorText | None = Field(default=None, max_length=2000)


class OccupancyPoint(BaseModel):
    zone_id: str
    source: Literal["camera", "wifi"]
    interval_start: datetime
    interval_s: int
    count: int


def alert_out(alert: Alert) -> AlertOut:
    return AlertOut.model_validate(alert, from_attributes=True)


def _cursor(alert: Alert) -> str:
    raw = f"{to_micros(alert.last_at)}.{alert.alert_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(value: str) -> tuple[datetime, str]:
    try:
        micros, _, alert_id = (
            base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(".")
        )
        return from_micros(int(micros)), alert_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not one this API gave out") from exc


def visible_alert(context: AppContext, operator: Operator, alert_id: str) -> Alert:
    alert = context.store.alerts.find_alert(alert_id)
    if alert is None or not operator.sees_site(alert.site_id):
        raise NotFound(f"alert {alert_id!r} not found")
    return alert


@router.get("/alerts", response_model=AlertPage, summary="Alerts, most recent activity first")
def list_alerts(
    operator: AlertReader,
    context: Context,
    site: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[list[State] | None, Query(description="repeat for several")] = None,
    severity: Annotated[Severity | None, Query(description="this severity or worse")] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AlertPage:
    if site is not None:
        check_site_scope(operator, site)
    alerts = context.store.alerts.list_alerts(
        site_scope=operator.site_scope,
        site_id=site,
        states=state or [],
        min_severity=severity.value if severity else None,
        rule_id=rule,
        before=_uncursor(cursor) if cursor else None,
        limit=limit,
    )
    return AlertPage(
        alerts=[alert_out(a) for a in alerts],
        next_cursor=_cursor(alerts[-1]) if len(alerts) == limit else None,
    )


@router.get("/alerts/stream", summary="Live alert changes (Server-Sent Events)")
async def stream_alerts(
    request: Request, operator: AlertReader, context: Context
) -> StreamingResponse:
    queue = context.alerts.hub.subscribe()

    async def events() -> AsyncIterator[bytes]:
        try:
            yield b": connected\n\n"
            while True:
                try:
                    payload = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if operator.sees_site(payload["alert"]["site_id"]):
                    yield encode_sse(payload)
        finally:
            context.alerts.hub.unsubscribe(queue)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: str, operator: AlertReader, context: Context) -> AlertDetail:
    alert = visible_alert(context, operator, alert_id)
    history = context.store.alerts.alert_history(alert.site_id, alert.alert_id)
    return AlertDetail(
        **alert_out(alert).model_dump(),
        history=[HistoryOut(at=h.at, actor=h.actor, action=h.action, note=h.note) for h in history],
    )


def _change(
    context: AppContext, operator: Operator, alert_id: str, action: str, note: str | None
) -> AlertOut:
    alert = visible_alert(context, operator, alert_id)
    change: AlertChange | None = context.store.alerts.change_alert_state(
        alert.site_id, alert.alert_id, action, operator.username, note, datetime.now(UTC)
    )
    if change is None:
        raise Conflict(f"alert {alert_id} is {alert.state}; it cannot be {action}d now")
    context.alerts.announce([change])
    return alert_out(change.alert)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_alert(
    alert_id: str, body: NoteIn, operator: AlertHandler, context: Context
) -> AlertOut:
    return _change(context, operator, alert_id, "acknowledge", body.note)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut)
def resolve_alert(
    alert_id: str, body: NoteIn, operator: AlertHandler, context: Context
) -> AlertOut:
    return _change(context, operator, alert_id, "resolve", body.note)


# --- rules ------------------------------------------------------------------------------
@router.get("/alert-rules", summary="The rules in force (defaults and saved ones)")
def list_rules(operator: AlertReader, context: Context) -> list[dict[str, Any]]:
    return [
        rule.model_dump(mode="json")
        for rule in context.alerts.engine_rules()
        if rule_visible(operator, rule)
    ]


@router.post("/alert-rules/validate", summary="Check a rule without saving it")
def validate_rule(body: dict[str, Any], operator: RuleManager) -> dict[str, Any]:
    return parse_rule(body).model_dump(mode="json")


@router.put("/alert-rules/{rule_id}", summary="Save a rule (replaces a default of that id)")
def save_rule(
    rule_id: str, body: dict[str, Any], operator: RuleManager, context: Context
) -> dict[str, Any]:
    rule: Rule = parse_rule({**body, "rule_id": rule_id})
    check_rule_save(context, operator, rule)
    context.store.rules.save_rule(
        rule_id, rule.model_dump_json(), operator.username, datetime.now(UTC)
    )
    context.alerts.reload_rules()
    return rule.model_dump(mode="json")


@router.delete("/alert-rules/{rule_id}", status_code=204, response_class=Response)
def delete_rule(rule_id: str, operator: RuleManager, context: Context) -> Response:
    check_rule_delete(context, operator, rule_id)
    if not context.store.rules.delete_rule(rule_id):
        raise NotFound(f"no saved rule {rule_id!r} (defaults can be replaced, not deleted)")
    context.alerts.reload_rules()
    return Response(status_code=204)


# --- occupancy --------------------------------------------------------------------------
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
