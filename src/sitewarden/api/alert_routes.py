"""Alert routes: lists in two orders, one alert with its history, the live stream, who
an alarm may be assigned to, and what operators do to an alarm (acknowledge, resolve,
note, shelve, assign), each one written to the alert's history and to the audit log.
Rules and occupancy are in ``api/alert_rule_routes.py``, webhooks in ``api/webhooks.py``."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.records import User
from sitewarden.accounts.roles import Permission, Role, role_may
from sitewarden.alerts.alert_search import AlertFilter, Order, sort_key
from sitewarden.alerts.lifecycle import SHELVE_LIMIT_MINUTES
from sitewarden.alerts.model import AlarmState, Alert, AlertChange, AlertState
from sitewarden.alerts.notify import encode_sse
from sitewarden.api.authentication import AlertHandler, AlertReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import check_site_scope, record_audit
from sitewarden.api.schemas import OperatorText
from sitewarden.errors import Conflict, InvalidInput, NotFound
from sitewarden.events.kinds import Severity

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class AlertOut(BaseModel):
    alert_id: str
    site_id: str
    rule_id: str
    severity: Severity
    state: AlertState
    alarm_state: AlarmState
    title: str
    zone_id: str | None
    device_id: str | None
    count: int
    first_at: datetime
    last_at: datetime
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    returned_at: datetime | None
    resolved_at: datetime | None
    resolved_by: str | None
    shelved_until: datetime | None
    shelved_by: str | None
    shelve_reason: str | None
    assigned_to: str | None


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    note: str | None


class AlertDetail(AlertOut):
    last_event_id: str | None
    history: list[HistoryOut]


class AlertPage(BaseModel):
    alerts: list[AlertOut]
    next_cursor: str | None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: OperatorText | None = Field(default=None, max_length=2000)


class RequiredNoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: OperatorText = Field(min_length=1, max_length=2000)


class ShelveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(ge=1, le=SHELVE_LIMIT_MINUTES, description="how long, at most a shift")
    reason: OperatorText = Field(min_length=3, max_length=500)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str | None = Field(max_length=64, description="null: assigned to nobody")


class AssigneeOut(BaseModel):
    """Who an alarm may be assigned to, and no more: the chooser needs nothing else."""

    user_id: str
    display_name: str = Field(description="the username, which /assign takes")


_ALERT_FIELDS = [name for name in AlertOut.model_fields if name != "alarm_state"]


def alert_out(alert: Alert, now: datetime | None = None) -> AlertOut:
    fields = {name: getattr(alert, name) for name in _ALERT_FIELDS}
    return AlertOut(**fields, alarm_state=alert.alarm_state(now or datetime.now(UTC)))


def _cursor(alert: Alert, order: Order) -> str:
    raw = orjson.dumps([order, *sort_key(alert, order)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(value: str, order: Order) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        decoded = orjson.loads(raw)
        if not isinstance(decoded, list) or not decoded or decoded[0] != order:
            raise ValueError("another order")
        return tuple(decoded[1:])
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise InvalidInput("cursor is not one this API gave out for this order") from exc


def visible_alert(context: AppContext, operator: Operator, alert_id: str) -> Alert:
    alert = context.store.alerts.find_alert(alert_id)
    if alert is None or not operator.sees_site(alert.site_id):
        raise NotFound(f"alert {alert_id!r} not found")
    return alert


@router.get("/alerts", response_model=AlertPage, summary="Alerts, by activity or by priority")
def list_alerts(
    operator: AlertReader,
    context: Context,
    site: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[list[AlertState] | None, Query(description="repeat for several")] = None,
    severity: Annotated[Severity | None, Query(description="this severity or worse")] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    device: Annotated[str | None, Query(max_length=64, description="alerts of this device")] = None,
    assigned: Annotated[str | None, Query(max_length=64, description="an operator")] = None,
    shelved: Annotated[bool | None, Query(description="only shelved now, or none")] = None,
    order: Annotated[
        Order,
        Query(description="recent: last activity; priority: to acknowledge, severity, time"),
    ] = "recent",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> AlertPage:
    if site is not None:
        check_site_scope(operator, site)
    now = datetime.now(UTC)
    alerts = context.store.alert_search.list_alerts(
        AlertFilter(
            site_scope=operator.site_scope,
            site_id=site,
            states=state or [],
            min_severity=severity.value if severity else None,
            rule_id=rule,
            device_id=device,
            assigned_to=assigned,
            shelved=shelved,
            now=now,
            order=order,
            after=_uncursor(cursor, order) if cursor else None,
            limit=limit,
        )
    )
    return AlertPage(
        alerts=[alert_out(a, now) for a in alerts],
        next_cursor=_cursor(alerts[-1], order) if len(alerts) == limit else None,
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
        last_event_id=None if alert.last_event_id is None else str(alert.last_event_id),
        history=[HistoryOut(at=h.at, actor=h.actor, action=h.action, note=h.note) for h in history],
    )


def _done(
    context: AppContext,
    request: Request,
    operator: Operator,
    alert: Alert,
    action: str,
    change: AlertChange | None,
    refusal: str,
) -> AlertOut:
    """Announce and audit a change an operator made, or refuse (409) if none was made."""
    if change is None:
        raise Conflict(f"alert {alert.alert_id} is {alert.alarm_state(datetime.now(UTC))}; "
                       f"{refusal}")  # fmt: skip
    context.alerts.announce([change])
    record_audit(
        context, request, operator, f"alert.{action}", alert.site_id, [alert.alert_id], None
    )
    return alert_out(change.alert)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge_alert(
    alert_id: str, body: NoteIn, request: Request, operator: AlertHandler, context: Context
) -> AlertOut:
    """An active alarm becomes acknowledged; one that already returned to normal is
    resolved by the acknowledgement (ISA-18.2)."""
    alert = visible_alert(context, operator, alert_id)
    change = context.store.alarms.change_state(
        alert.site_id, alert.alert_id, "acknowledge", operator.username, body.note,
        datetime.now(UTC),
    )  # fmt: skip
    return _done(context, request, operator, alert, "acknowledge", change,
                 "only an unacknowledged alarm can be acknowledged")  # fmt: skip


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut)
def resolve_alert(
    alert_id: str, body: NoteIn, request: Request, operator: AlertHandler, context: Context
) -> AlertOut:
    alert = visible_alert(context, operator, alert_id)
    change = context.store.alarms.change_state(
        alert.site_id, alert.alert_id, "resolve", operator.username, body.note,
        datetime.now(UTC),
    )  # fmt: skip
    return _done(context, request, operator, alert, "resolve", change, "it is resolved already")


@router.post("/alerts/{alert_id}/notes", response_model=AlertOut)
def note_alert(
    alert_id: str,
    body: RequiredNoteIn,
    request: Request,
    operator: AlertHandler,
    context: Context,
) -> AlertOut:
    alert = visible_alert(context, operator, alert_id)
    change = context.store.alarms.add_note(
        alert.site_id, alert.alert_id, operator.username, body.note, datetime.now(UTC)
    )
    return _done(context, request, operator, alert, "note", change, "it is gone")


@router.post("/alerts/{alert_id}/shelve", response_model=AlertOut)
def shelve_alert(
    alert_id: str, body: ShelveIn, request: Request, operator: AlertHandler, context: Context
) -> AlertOut:
    """Keep the alarm out of the sound and the banner for a while, with a reason; it is
    not resolved, and shows again when the time is up."""
    alert = visible_alert(context, operator, alert_id)
    now = datetime.now(UTC)
    change = context.store.alarms.shelve(
        alert.site_id, alert.alert_id, operator.username,
        now + timedelta(minutes=body.minutes), body.reason, now,
    )  # fmt: skip
    return _done(context, request, operator, alert, "shelve", change,
                 "a resolved alarm cannot be shelved")  # fmt: skip


@router.post("/alerts/{alert_id}/unshelve", response_model=AlertOut)
def unshelve_alert(
    alert_id: str, request: Request, operator: AlertHandler, context: Context
) -> AlertOut:
    alert = visible_alert(context, operator, alert_id)
    change = context.store.alarms.unshelve(
        alert.site_id, alert.alert_id, operator.username, datetime.now(UTC)
    )
    return _done(context, request, operator, alert, "unshelve", change, "it is not shelved")


@router.get(
    "/alerts/{alert_id}/assignees",
    response_model=list[AssigneeOut],
    summary="Who the alarm may be assigned to",
)
def list_assignees(alert_id: str, operator: AlertHandler, context: Context) -> list[AssigneeOut]:
    """Active users who may handle alarms and see the alarm's site, by name. Operators
    may call it (they cannot list users): it tells them names and ids, nothing else."""
    alert = visible_alert(context, operator, alert_id)
    return [
        AssigneeOut(user_id=user.user_id, display_name=user.username)
        for user in context.store.accounts.list_users()
        if _assignment_refusal(user, alert.site_id) is None
    ]


@router.post("/alerts/{alert_id}/assign", response_model=AlertOut)
def assign_alert(
    alert_id: str, body: AssignIn, request: Request, operator: AlertHandler, context: Context
) -> AlertOut:
    """To an operator who may handle alarms of its site, or (null) to nobody."""
    alert = visible_alert(context, operator, alert_id)
    if body.username is not None:
        user = context.store.accounts.get_user_by_name(body.username)
        if user is None:
            raise InvalidInput(f"no active user {body.username!r}")
        refusal = _assignment_refusal(user, alert.site_id)
        if refusal is not None:
            raise InvalidInput(refusal)
    change = context.store.alarms.assign(
        alert.site_id, alert.alert_id, operator.username, body.username, datetime.now(UTC)
    )
    return _done(context, request, operator, alert, "assign", change,
                 "a resolved alarm cannot be assigned")  # fmt: skip


def _assignment_refusal(user: User, site_id: str) -> str | None:
    """Why ``user`` may not be given an alarm of ``site_id``, or None if they may."""
    if user.disabled:
        return f"no active user {user.username!r}"
    if not role_may(Role(user.role), Permission.ALERTS_HANDLE):
        return f"{user.username!r} ({user.role}) may not handle alarms"
    if user.site_scope is not None and site_id not in user.site_scope:
        return f"{user.username!r} does not see site {site_id!r}"
    return None
