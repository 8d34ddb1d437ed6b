"""The doors page's API: the latest reader decisions and door states of a site, and a
remote unlock with a reason.

Who passed is a masked reference for everyone; with a purpose, roles that may see
personal data get the name (masked or in full), audited as ``doors.read``. An unlock
is audited as ``door.unlock`` with the reason as the entry's purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, StringConstraints
from starlette.concurrency import run_in_threadpool

from sitewarden.access.door_watch import door_states, latest_decisions
from sitewarden.access.remote_unlock import door_reader, remote_unlock
from sitewarden.api.access_common import AppAccessDesk
from sitewarden.api.authentication import DoorUnlocker, EventReader
from sitewarden.api.context import Context
from sitewarden.api.disclosure import Disclosure, disclosure_for
from sitewarden.api.operator_scope import OptionalPurpose, SiteInScope, record_audit
from sitewarden.api.schemas import OperatorText
from sitewarden.privacy.masking import mask_name, mask_tail

router = APIRouter(prefix="/api/v1", tags=["access"])

STATE_SPAN = timedelta(hours=24)


class DoorDecisionOut(BaseModel):
    event_id: str
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    granted: bool
    reason: str | None
    credential: str | None
    direction: str | None
    person_ref: str | None
    name: str | None = None


class DoorStateOut(BaseModel):
    event_id: str
    at: datetime
    device_id: str
    zone_id: str | None
    door: str | None
    state: str
    open_seconds: float | None


class DoorsOut(BaseModel):
    site_id: str
    timezone: str
    disclosure: str
    commands: bool  # whether unlocks reach doors (a broker link is up)
    decisions: list[DoorDecisionOut]
    doors: list[DoorStateOut]


class UnlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[
        OperatorText, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)
    ]
    direction: Literal["in", "out"] = "in"


class UnlockOut(BaseModel):
    event_id: str
    device_id: str
    at: datetime
    sent_to_door: bool


@router.get(
    "/access/sites/{site_id}/doors",
    response_model=DoorsOut,
    summary="Latest reader decisions and door held-open/forced states (names with a purpose)",
)
def read_doors(
    site_id: str,
    request: Request,
    operator: EventReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    purpose: OptionalPurpose = None,
) -> DoorsOut:
    now = datetime.now(UTC)
    start = since if since is not None else now - STATE_SPAN
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    decisions = latest_decisions(context.store.events, site_id, start, limit)
    level = disclosure_for(operator, purpose)
    names: dict[str, str] = {}
    if level is not Disclosure.NONE:
        for person_id in sorted({d.person_id for d in decisions if d.person_id}):
            person = context.store.access.get_person(site_id, person_id)
            details = None if person is None else desk.people.details(person)
            if details is not None:
                full = details.name
                names[person_id] = full if level is Disclosure.FULL else mask_name(full)
        if names:
            targets = [f"p-{person_id}" for person_id in names]
            record_audit(context, request, operator, "doors.read", site_id, targets, purpose)
    return DoorsOut(
        site_id=site_id,
        timezone=site.timezone,
        disclosure=level.value if names else "none",
        commands=bool(desk.listeners),
        decisions=[
            DoorDecisionOut(
                event_id=d.event_id,
                at=d.at,
                device_id=d.device_id,
                zone_id=d.zone_id,
                door=d.door,
                granted=d.granted,
                reason=d.reason,
                credential=d.credential,
                direction=d.direction,
                person_ref=None if d.person_id is None else mask_tail(d.person_id, 4),
                name=None if d.person_id is None else names.get(d.person_id),
            )
            for d in decisions
        ],
        doors=[
            DoorStateOut(
                event_id=s.event_id,
                at=s.at,
                device_id=s.device_id,
                zone_id=s.zone_id,
                door=s.door,
                state=s.state,
                open_seconds=s.open_seconds,
            )
            for s in door_states(context.store.events, site_id, now - STATE_SPAN)
        ],
    )


@router.post(
    "/access/sites/{site_id}/doors/{device_id}/unlock",
    response_model=UnlockOut,
    summary="Open a door remotely, with a reason (audited; sent on the door's commands topic)",
)
async def unlock_door(
    site_id: str,
    device_id: str,
    body: UnlockIn,
    request: Request,
    operator: DoorUnlocker,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> UnlockOut:
    reader = await run_in_threadpool(door_reader, desk, site_id, device_id)
    decision = await run_in_threadpool(remote_unlock, desk, reader, body.direction)
    targets = [device_id, decision.event_id]
    record_audit(context, request, operator, "door.unlock", site_id, targets, body.reason)
    return UnlockOut(
        event_id=decision.event_id,
        device_id=device_id,
        at=datetime.now(UTC),
        sent_to_door=bool(desk.listeners),
    )
