"""Access routes: readers ask for decisions; operators read attendance. People, badges
and faces are in ``access_people.py``, rules and holidays in ``access_rules.py``.

Reader routes take the reader's own device token (or a gateway's of the same site).
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from sitewarden.access.attendance_corrections import AttendanceCorrections
from sitewarden.access.decisions import AccessDesk, Decision, Reader
from sitewarden.access.reader_images import keep_reader_image, open_reader_image
from sitewarden.api.access_common import AppAccessDesk, get_desk
from sitewarden.api.access_people import ENROL_LIMIT, ENROL_PATH
from sitewarden.api.access_people import router as people_router
from sitewarden.api.access_rules import router as rules_router
from sitewarden.api.access_schemas import BadgeDecisionIn, DecisionOut
from sitewarden.api.attendance_report import (
    AttendanceOut,
    build_report,
    corrected_days,
    to_csv,
    to_xlsx,
)
from sitewarden.api.authentication import AccessManager, AttendanceReader, device_only
from sitewarden.api.context import Context
from sitewarden.api.disclosure import Disclosure, disclosure_for
from sitewarden.api.operator_scope import OptionalPurpose, Purpose, SiteInScope, record_audit
from sitewarden.api.schemas import IMAGE_UPLOAD
from sitewarden.errors import InvalidInput, UnsupportedMediaType
from sitewarden.privacy.masking import mask_name
from sitewarden.registry.records import Sender
from sitewarden.vision.images import FACE_IMAGE, decode_image, image_slot

__all__ = ["DECIDE_PATH", "ENROL_LIMIT", "ENROL_PATH", "get_desk", "router"]

DECIDE_PATH = re.compile(r"^/api/v1/readers/[^/]+/decide$")
READER_MEDIA = ("application/json", "image/jpeg", "image/png", "multipart/form-data")
IMAGE_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": BadgeDecisionIn.model_json_schema()},
            **IMAGE_UPLOAD["requestBody"]["content"],
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "badge_id": {"type": "string", "minLength": 1, "maxLength": 128},
                        "direction": {"type": "string", "enum": ["in", "out"]},
                        "frame": {"type": "string", "format": "binary"},
                    },
                    "required": ["badge_id", "frame"],
                }
            },
        }
    }
}

routes = APIRouter(prefix="/api/v1", tags=["access"])


def decision_out(decision: Decision) -> DecisionOut:
    # Read by attribute, so the server-only person_id never reaches the answer.
    shown = DecisionOut.model_validate(decision, from_attributes=True)
    if decision.elapsed_ms is not None:
        shown.elapsed_ms = round(decision.elapsed_ms, 1)
    return shown


# --- readers (devices) --------------------------------------------------------------------
@routes.post(
    "/readers/{device_id}/decide",
    response_model=DecisionOut,
    summary="A badge (JSON), a face (JPEG/PNG body, up to 8 MB), or a badge with the "
    "reader's frame (form: badge_id, direction, frame) at a reader: open or not",
    openapi_extra=IMAGE_BODY,
)
async def decide(
    device_id: str,
    request: Request,
    context: Context,
    desk: AppAccessDesk,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    sender: Sender = Depends(device_only),
) -> DecisionOut:
    """The frame is read in memory and dropped, unless the site keeps reader images
    sealed for disputes (``reader_image_days``, off by default)."""
    reader = await run_in_threadpool(desk.reader_for, sender, device_id)
    body = await request.body()
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in READER_MEDIA:
        raise UnsupportedMediaType(
            "send a badge as application/json, a face as the body (image/jpeg or image/png), "
            f"or a badge with the reader's frame as multipart/form-data, not {media or 'nothing'}"
        )
    if media == "multipart/form-data":
        badge, frame, frame_media, way = await _badge_and_frame(request)
        decision = await run_in_threadpool(
            decide_by_badge_and_frame, desk, reader, badge, frame, frame_media, direction or way
        )
        return decision_out(decision)
    if media == "application/json":
        try:
            asked = BadgeDecisionIn.model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidInput(f"badge decision body: {problems}") from exc
        decision = await run_in_threadpool(
            desk.decide_badge, reader, asked.badge_id, direction or asked.direction
        )
        return decision_out(decision)
    decision = await run_in_threadpool(decide_by_face, desk, reader, body, media, direction or "in")
    days = context.settings.reader_image_days
    if days > 0:
        await run_in_threadpool(
            keep_reader_image,
            context.store.access_media,
            context.vault,
            decision,
            body,
            media,
            days,
        )
    return decision_out(decision)


async def _badge_and_frame(request: Request) -> tuple[str, bytes, str, str]:
    """The form a reader sends a badge with its frame in: badge_id, direction, frame."""
    form = await request.form(max_files=1, max_fields=3)
    badge, frame, asked = form.get("badge_id"), form.get("frame"), form.get("direction", "in")
    if not isinstance(badge, str) or not 1 <= len(badge.strip()) <= 128:
        raise InvalidInput("form field 'badge_id': 1 to 128 characters are required")
    if frame is None or isinstance(frame, str):
        raise InvalidInput("form field 'frame': the reader's frame, a JPEG or PNG file")
    if asked not in ("in", "out"):
        raise InvalidInput("form field 'direction': 'in' or 'out'")
    return badge, await frame.read(), frame.content_type or "", str(asked)


def decide_by_badge_and_frame(
    desk: AccessDesk, reader: Reader, badge: str, body: bytes, media: str, direction: str
) -> Decision:
    """A badge decision that may learn the face in the reader's frame, decoded holding
    one face-image slot; the frame is dropped after."""
    with image_slot(FACE_IMAGE):
        frame = decode_image(body, media, FACE_IMAGE)
        return desk.decide_badge_with_frame(reader, badge, frame, direction)


def decide_by_face(
    desk: AccessDesk, reader: Reader, body: bytes, media: str, direction: str
) -> Decision:
    """Decode and decide holding one face-image slot, so that a burst of reader frames
    keeps only a few decoded images in memory at once."""
    with image_slot(FACE_IMAGE):
        image = decode_image(body, media, FACE_IMAGE)
        return desk.decide_face(reader, image, direction)


@routes.get(
    "/access/sites/{site_id}/reader-images/{event_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
    summary="The face image a reader sent for a decision, if the site keeps them (audited)",
)
def get_reader_image(
    site_id: str,
    event_id: str,
    request: Request,
    purpose: Purpose,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> Response:
    """For disputes: kept only when ``reader_image_days`` is above 0, until it expires."""
    kept = open_reader_image(context.store.access_media, context.vault, site_id, event_id)
    targets = [f"p-{kept.person_id}"] if kept.person_id else [event_id]
    record_audit(context, request, operator, "reader_image.read", site_id, targets, purpose)
    return Response(kept.sealed_image, media_type=kept.media_type)


# --- attendance -------------------------------------------------------------------------------
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@routes.get(
    "/access/sites/{site_id}/attendance",
    response_model=AttendanceOut,
    summary="Staff attendance per day, week and month, corrections applied, late days and "
    "missing punches marked (format=csv or xlsx for a file of the same figures)",
)
def read_attendance(
    site_id: str,
    request: Request,
    since: date,
    until: date,
    operator: AttendanceReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
    purpose: OptionalPurpose = None,
    group: Annotated[str, Query(pattern="^[a-z0-9][a-z0-9-]{0,39}$")] = "staff",
    late_after: Annotated[time, Query(description="site time; a later first in is late")] = time(
        9, 0
    ),
    format: Annotated[str, Query(pattern="^(json|csv|xlsx)$")] = "json",
) -> AttendanceOut | Response:
    records = corrected_days(
        context.store.access,
        context.store.events,
        AttendanceCorrections(context.store.db),
        site_id,
        site.timezone,
        since,
        until,
        group,
    )
    level = disclosure_for(operator, purpose)
    names: dict[str, str] | None = None
    if level is not Disclosure.NONE:
        names = {}
        for person_id in sorted({r.day.person_id for r in records}):
            person = context.store.access.get_person(site_id, person_id)
            details = None if person is None else desk.people.details(person)
            if details is not None:
                names[person_id] = (
                    details.name if level is Disclosure.FULL else mask_name(details.name)
                )
        targets = [f"p-{person_id}" for person_id in names]
        record_audit(context, request, operator, "attendance.read", site_id, targets, purpose)
    report = build_report(
        records,
        site_id=site_id,
        timezone=site.timezone,
        since=since,
        until=until,
        group=group,
        late_after=late_after.replace(tzinfo=None),
        disclosure=level.value if names is not None else "none",
        names=names,
    )
    if format == "json":
        return report
    filename = f"attendance-{site_id}-{since.isoformat()}-{until.isoformat()}.{format}"
    body = to_csv(report).encode() if format == "csv" else to_xlsx(report)
    return Response(
        body,
        media_type=EXPORT_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# The app includes this one; prefixes sit on the inner routers (the route walk reads them).
router = APIRouter()
router.include_router(routes)
router.include_router(people_router)
router.include_router(rules_router)
