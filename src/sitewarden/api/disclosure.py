"""How much of an event's personal part a caller sees, and the audit entry it costs.

Nothing is opened unless the request states a purpose. With a purpose, roles with
``personal:read`` see fields in full, roles with ``personal:masked`` see them masked,
others see only that a sealed part exists. Every request that opens anything writes
one audit entry naming the events, before the answer leaves.

A lookup by plate, ID number or badge tries a value against the blind index, so each
one counts against the operator's hourly quota, and a burst raises an alert.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum

from fastapi import Request

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.context import AppContext
from sitewarden.api.operator_scope import record_audit
from sitewarden.api.schemas import EventOut
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event
from sitewarden.privacy.masking import mask_personal
from sitewarden.privacy.records import ERASED_PERSONAL

LOOKUP_BURST = "security.lookup_burst"
RAISED_BY = "sitewarden"  # the device id of events sitewarden raises itself


class Disclosure(Enum):
    NONE = "none"
    MASKED = "masked"
    FULL = "full"


def disclosure_for(operator: Operator, purpose: str | None) -> Disclosure:
    if purpose is None:
        return Disclosure.NONE
    if operator.may(Permission.PERSONAL_READ):
        return Disclosure.FULL
    if operator.may(Permission.PERSONAL_MASKED):
        return Disclosure.MASKED
    return Disclosure.NONE


def present_events(
    context: AppContext,
    request: Request,
    operator: Operator,
    events: Sequence[Event],
    purpose: str | None,
    action: str = "events.read",
) -> list[EventOut]:
    """Events as the caller may see them; audits what was opened."""
    level = disclosure_for(operator, purpose)
    shown: list[EventOut] = []
    opened_ids: list[str] = []
    sites: set[str] = set()
    for event in events:
        personal = None
        fields: list[str] = []
        state = "none" if event.sealed_personal is None else "sealed"
        if event.sealed_personal == ERASED_PERSONAL:
            state = "erased"
        if level is not Disclosure.NONE and state == "sealed":
            opened = context.vault.open_event(event)
            state = opened.state
            if opened.fields is not None:
                fields = sorted(opened.fields)
                personal = (
                    opened.fields if level is Disclosure.FULL else mask_personal(opened.fields)
                )
                opened_ids.append(str(event.id))
                sites.add(event.site_id)
        shown.append(
            EventOut(
                id=event.id,
                site_id=event.site_id,
                zone_id=event.zone_id,
                device_id=event.device_id,
                kind=event.kind,
                severity=event.severity,
                occurred_at=event.occurred_at,
                received_at=event.received_at,
                attributes=event.attributes,
                personal=personal,
                personal_state=state,
                personal_fields=fields,
                disclosure=level.value if personal is not None else "none",
                note=event.note,
            )
        )
    if opened_ids:
        record_audit(
            context,
            request,
            operator,
            action,
            sites.pop() if len(sites) == 1 else None,
            opened_ids,
            purpose,
        )
    return shown


def take_lookup(context: AppContext, operator: Operator, site_id: str) -> None:
    """Count one lookup against ``operator``'s quota (RateLimited, 429, past it); the
    lookup that completes a burst stores a ``security.lookup_burst`` event, which the
    ``lookup-burst`` rule turns into an alert."""
    burst = context.lookups.take(operator.username)
    if burst is None:
        return
    now = datetime.now(UTC)
    event = Event(
        id=context.ids.new(),
        site_id=site_id,
        zone_id=None,
        device_id=RAISED_BY,
        kind=LOOKUP_BURST,
        severity=KINDS[LOOKUP_BURST].severity,
        occurred_at=now,
        received_at=now,
        attributes={
            "operator": operator.username,
            "lookups": burst,
            "window_s": math.ceil(context.lookups.burst_window_s),
        },
        personal=None,
        note=None,
    )
    context.intake.take([event])
