"""Attendance corrections: an authorised user (``access:manage``) sets a staff member's
first in or last out of a day, with a reason. Audited as ``attendance.correct`` with
the reason as the entry's purpose; the attendance report applies it and says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sitewarden.access.attendance_corrections import (
    REASON_MAX,
    REASON_MIN,
    AttendanceCorrections,
    Correction,
    correction_times,
    new_correction_id,
)
from sitewarden.api.authentication import AccessManager
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.api.schemas import OperatorText
from sitewarden.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["access"])


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_ref: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    day: date = Field(description="the local day the shift opened")
    first_in: time | None = Field(None, description="site time; null keeps the recorded one")
    last_out: time | None = Field(
        None, description="site time; at or before first_in means the next morning"
    )
    reason: Annotated[
        OperatorText,
        StringConstraints(strip_whitespace=True, min_length=REASON_MIN, max_length=REASON_MAX),
    ]


class CorrectionCreated(BaseModel):
    correction_id: str
    person_ref: str
    day: date
    first_in: datetime | None
    last_out: datetime | None
    corrected_by: str
    corrected_at: datetime


@router.post(
    "/access/sites/{site_id}/attendance/corrections",
    response_model=CorrectionCreated,
    status_code=201,
    summary="Correct a day's first in or last out, with a reason (audited)",
)
def add_correction(
    site_id: str,
    body: CorrectionIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
) -> CorrectionCreated:
    if context.store.access.get_person(site_id, body.person_ref) is None:
        raise NotFound(f"person {body.person_ref!r} not found in site {site_id!r}")
    first_in, last_out = correction_times(
        body.day,
        None if body.first_in is None else body.first_in.replace(tzinfo=None),
        None if body.last_out is None else body.last_out.replace(tzinfo=None),
        site.timezone,
    )
    correction = Correction(
        site_id=site_id,
        person_id=body.person_ref,
        day=body.day,
        correction_id=new_correction_id(),
        first_in=first_in,
        last_out=last_out,
        reason=body.reason,
        corrected_by=operator.username,
        corrected_at=datetime.now(UTC),
    )
    AttendanceCorrections(context.store.db).add(correction)
    targets = [f"p-{body.person_ref}", correction.correction_id]
    record_audit(context, request, operator, "attendance.correct", site_id, targets, body.reason)
    return CorrectionCreated(
        correction_id=correction.correction_id,
        person_ref=body.person_ref,
        day=body.day,
        first_in=first_in,
        last_out=last_out,
        corrected_by=operator.username,
        corrected_at=correction.corrected_at,
    )
