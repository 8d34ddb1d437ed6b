"""Event routes: devices post batches; operators search and read."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sitewarden.api.authentication import EventReader, PlateLookup, device_only
from sitewarden.api.context import Context
from sitewarden.api.disclosure import present_events, take_lookup
from sitewarden.api.operator_scope import OptionalPurpose, check_site_scope, record_audit
from sitewarden.api.schemas import EventOut, EventPageOut, IngestResult, KindOut, LookupIn
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.kinds import KINDS, Severity
from sitewarden.events.model import family_of, from_micros, to_micros
from sitewarden.events.query import TELEMETRY_KINDS, EventQuery, severities_from
from sitewarden.intake.batch import check_batch, split_batch
from sitewarden.privacy.subjects import LOOKUP_FIELDS
from sitewarden.registry.records import Sender

router = APIRouter(prefix="/api/v1", tags=["events"])

INGEST_PATH = "/api/v1/events"

_INGEST_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Up to 10,000 events: a JSON array, or NDJSON (one event a line).",
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {"oneOf": [spec.json_schema() for spec in KINDS.values()]},
                }
            },
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/events",
    response_model=IngestResult,
    openapi_extra=_INGEST_BODY_DOC,
    responses={207: {"model": IngestResult, "description": "some events were rejected"}},
    summary="Post a batch of events (devices only)",
)
async def post_events(
    request: Request, context: Context, sender: Sender = Depends(device_only)
) -> Response:
    """Accepted events are durable when this answers; rejected ones name index and reason."""
    body = await request.body()
    items = split_batch(
        body, request.headers.get("content-type", ""), context.settings.max_batch_events
    )
    checked = check_batch(
        items,
        sender=sender,
        ids=context.ids,
        limits=context.intake_limits,
        find_device=lambda device_id: context.relayed.find(sender.site_id, device_id),
    )
    if checked.accepted:
        context.intake.count(checked.accepted)  # Wi-Fi hashes stay in memory only
        # Sealing may create subjects and data keys (a database write): off the event loop.
        await run_in_threadpool(context.intake.seal, checked.accepted)
        await context.intake.write(checked.accepted)
    status = 200
    if checked.rejected:
        status = 207 if checked.accepted else 422
    answer = {
        "accepted": [str(event.id) for event in checked.accepted],
        "rejected": [{"index": r.index, "reason": r.reason} for r in checked.rejected],
    }
    return Response(orjson.dumps(answer), status_code=status, media_type="application/json")


def encode_cursor(cursor: tuple[datetime, UUID]) -> str:
    raw = f"{to_micros(cursor[0])}.{cursor[1].hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        micros, _, hex_id = raw.partition(".")
        return from_micros(int(micros)), UUID(hex=hex_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not one this API gave out; start again without it") from exc


def _kind_filter(kind: str | None) -> tuple[str | None, str | None]:
    """``access.granted`` filters one kind; ``access`` or ``access.*`` a whole family."""
    if kind is None:
        return None, None
    family = kind.removesuffix(".*").removesuffix(".")
    if "." not in family:
        if not any(spec.family == family for spec in KINDS.values()):
            raise InvalidInput(f"unknown kind family {family!r}")
        return None, family
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind {kind!r}")
    return kind, family_of(kind)


@router.get("/events", response_model=EventPageOut, summary="Search events, newest first")
def list_events(
    request: Request,
    operator: EventReader,
    context: Context,
    site: Annotated[str | None, Query(max_length=64)] = None,
    zone: Annotated[str | None, Query(max_length=64)] = None,
    device: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[
        str | None, Query(max_length=64, description="a kind, or a family such as 'access'")
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in the note")] = None,
    severity: Annotated[Severity | None, Query(description="this severity or worse")] = None,
    telemetry: Annotated[
        bool,
        Query(
            description="false leaves out heartbeats, people counts, Wi-Fi presence and "
            "object tracks (kinds: " + ", ".join(sorted(TELEMETRY_KINDS)) + ")"
        ),
    ] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    purpose: OptionalPurpose = None,
) -> EventPageOut:
    if site is not None:
        check_site_scope(operator, site)
    if (zone is not None or device is not None) and site is None:
        raise InvalidInput("filtering by zone or device needs the site too (?site=...)")
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"{name} needs a timezone offset, e.g. 2026-11-22T08:00:00Z")
    exact_kind, family = _kind_filter(kind)
    query = EventQuery(
        site_scope=operator.site_scope,
        site_id=site,
        zone_id=zone,
        device_id=device,
        kind=exact_kind,
        family=family,
        since=since,
        until=until,
        text=q,
        severities=severities_from(severity) if severity is not None else None,
        exclude_kinds=None if telemetry else TELEMETRY_KINDS,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
    )
    page = context.store.events.query_events(query)
    return EventPageOut(
        events=present_events(context, request, operator, page.events, purpose),
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
    )


@router.get("/events/{event_id}", response_model=EventOut, summary="One event")
def get_event(
    event_id: UUID,
    request: Request,
    operator: EventReader,
    context: Context,
    purpose: OptionalPurpose = None,
) -> EventOut:
    event = context.store.events.get_event(event_id)
    if event is None or not operator.sees_site(event.site_id):
        raise NotFound(f"event {event_id} not found")
    return present_events(context, request, operator, [event], purpose)[0]


@router.post(
    "/events/lookup",
    response_model=EventPageOut,
    summary="Events of one plate, ID number or badge (blind index; audited)",
)
def lookup_events(
    body: LookupIn, request: Request, operator: PlateLookup, context: Context
) -> EventPageOut:
    """The value travels in the body, not the URL, so it stays out of access logs."""
    check_site_scope(operator, body.site)
    if body.field not in LOOKUP_FIELDS:
        raise InvalidInput(f"look up by one of {', '.join(sorted(LOOKUP_FIELDS))}")
    take_lookup(context, operator, body.site)
    subjects = context.vault.find_subjects(body.site, body.field, body.value)
    record_audit(
        context,
        request,
        operator,
        "events.lookup",
        body.site,
        subjects,
        body.purpose,
    )
    if not subjects:
        return EventPageOut(events=[], next_cursor=None)
    page = context.store.events.query_events(
        EventQuery(
            site_id=body.site,
            subject_ids=tuple(subjects),
            limit=body.limit,
            after=decode_cursor(body.cursor) if body.cursor else None,
        )
    )
    return EventPageOut(
        events=present_events(context, request, operator, page.events, body.purpose),
        next_cursor=encode_cursor(page.next_cursor) if page.next_cursor else None,
    )


@router.get("/kinds", response_model=list[KindOut], summary="Event kinds and their schemas")
async def list_kinds(operator: EventReader) -> list[KindOut]:
    return [
        KindOut(
            kind=spec.name,
            family=spec.family,
            severity=spec.severity,
            description=spec.description,
            json_schema=spec.json_schema(),
        )
        for spec in KINDS.values()
    ]
