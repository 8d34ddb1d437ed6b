"""Subject request routes: the register of access and erasure requests with their
deadlines, what is held about a request's subject, its export as a ZIP behind a link
that expires, and its erasure (confirmed by a second person where the site asks).

Each step is audited with the request's stated purpose; the identifying value is
resolved once, when the request is opened, and never stored.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from sitewarden.accounts.accounts import Operator
from sitewarden.api.authentication import SubjectRequester
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import SiteInScope, check_site_scope, record_audit, visible_site
from sitewarden.errors import NotFound
from sitewarden.privacy.request_desk import RequestDesk
from sitewarden.privacy.request_register import (
    ExportLink,
    RequestRegister,
    RequestSettings,
    SubjectRequest,
)
from sitewarden.privacy.subject_archive import build_archive
from sitewarden.privacy.subject_requests import SubjectRef

router = APIRouter(prefix="/api/v1", tags=["privacy"])

DOWNLOAD_PATH = "/api/v1/subject-requests/download/"


class OpenRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    site: str = Field(max_length=64)
    kind: Literal["access", "erasure"]
    field: str = Field(
        description="plate, national_id, badge_id, phone or subject_id", max_length=32
    )
    value: str = Field(min_length=1, max_length=128)
    purpose: str = Field(min_length=3, max_length=200, description="e.g. the request's reference")


class RequestOut(BaseModel):
    site_id: str
    request_id: str
    kind: str
    field: str
    masked_value: str
    subjects: int
    purpose: str
    state: str
    opened_by: str
    opened_at: datetime
    due_at: datetime
    overdue: bool
    erase_asked_by: str | None
    answered_by: str | None
    answered_at: datetime | None
    outcome: str | None


class HeldOut(BaseModel):
    category: str
    count: int
    retention_days: float | None


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    valid_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)


class ExportLinkOut(BaseModel):
    url: str
    expires_at: datetime
    events: int


class ErasureOut(BaseModel):
    request: RequestOut
    erased: bool = Field(description="false while the erasure waits for a second person")
    subject_ids: list[str]
    events_erased: int
    unresolved: list[str]


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    erasure_needs_confirmation: bool
    deadline_days: int = Field(ge=1, le=90)


class SettingsOut(SettingsIn):
    site_id: str


def request_out(request: SubjectRequest, now: datetime) -> RequestOut:
    return RequestOut(
        site_id=request.site_id,
        request_id=request.request_id,
        kind=request.kind,
        field=request.field,
        masked_value=request.masked_value,
        subjects=len(request.subject_ids),
        purpose=request.purpose,
        state=request.state,
        opened_by=request.opened_by,
        opened_at=request.opened_at,
        due_at=request.due_at,
        overdue=request.overdue(now),
        erase_asked_by=request.erase_asked_by,
        answered_by=request.answered_by,
        answered_at=request.answered_at,
        outcome=request.outcome,
    )


def desk_of(context: AppContext) -> RequestDesk:
    return RequestDesk(RequestRegister(context.store.db), context.subject_requests)


def _request_in_scope(
    context: AppContext, operator: Operator, site_id: str, request_id: str
) -> SubjectRequest:
    check_site_scope(operator, site_id)  # SiteInScope checked it already; kept for clarity
    return desk_of(context).get(site_id, request_id)


@router.get("/subject-requests", response_model=list[RequestOut], summary="The request register")
def list_requests(
    operator: SubjectRequester,
    context: Context,
    site: Annotated[str | None, Query(max_length=64)] = None,
) -> list[RequestOut]:
    """Newest first; the values are shown masked only."""
    if site is not None:
        check_site_scope(operator, site)
        sites: list[str] | None = [site]
    else:
        sites = None if operator.site_scope is None else list(operator.site_scope)
    now = datetime.now(UTC)
    return [request_out(r, now) for r in RequestRegister(context.store.db).list_requests(sites)]


@router.post("/subject-requests", response_model=RequestOut, status_code=201)
def open_request(
    body: OpenRequestIn, request: Request, operator: SubjectRequester, context: Context
) -> RequestOut:
    """Register an access or erasure request; its deadline follows the site's setting."""
    visible_site(context, operator, body.site)
    opened = desk_of(context).open(
        SubjectRef(body.site, body.field, body.value),
        body.kind,
        body.purpose,
        operator.username,
        datetime.now(UTC),
    )
    record_audit(
        context,
        request,
        operator,
        f"subject_request.open.{body.kind}",
        body.site,
        [opened.request_id, *opened.subject_ids],
        body.purpose,
    )
    return request_out(opened, datetime.now(UTC))


@router.get("/subject-requests/{site_id}/{request_id}/held", response_model=list[HeldOut])
def held_data(
    site_id: str,
    request_id: str,
    request: Request,
    operator: SubjectRequester,
    context: Context,
    site: SiteInScope,
) -> list[HeldOut]:
    """What is held about the request's subjects, counted by category, with retention."""
    subject_request = _request_in_scope(context, operator, site_id, request_id)
    held = desk_of(context).held(subject_request, context.settings.retention_days)
    record_audit(
        context,
        request,
        operator,
        "subject_request.held",
        site_id,
        [request_id, *subject_request.subject_ids],
        subject_request.purpose,
    )
    return [
        HeldOut(category=h.category, count=h.count, retention_days=h.retention_days) for h in held
    ]


@router.post("/subject-requests/{site_id}/{request_id}/export", response_model=ExportLinkOut)
def export_request(
    site_id: str,
    request_id: str,
    body: ExportIn,
    request: Request,
    operator: SubjectRequester,
    context: Context,
    site: SiteInScope,
) -> ExportLinkOut:
    """Answer an access request: a download link to its ZIP, valid for ``valid_minutes``."""
    desk = desk_of(context)
    subject_request = _request_in_scope(context, operator, site_id, request_id)
    exported = desk.export(subject_request)  # refuses an erasure request
    now = datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(minutes=body.valid_minutes)
    desk.register.add_link(token, ExportLink(site_id, request_id, operator.username, expires_at))
    events = len(exported["events"])
    desk.register.answer(
        subject_request,
        operator.username,
        now,
        f"exported {events} events; link until {expires_at:%Y-%m-%d %H:%M} UTC",
    )
    record_audit(
        context,
        request,
        operator,
        "subject.export",
        site_id,
        [request_id, *subject_request.subject_ids],
        subject_request.purpose,
    )
    return ExportLinkOut(url=DOWNLOAD_PATH + token, expires_at=expires_at, events=events)


@router.get("/subject-requests/download/{token}", summary="An export's ZIP, while its link lasts")
def download_export(
    token: Annotated[str, Path(max_length=100)],
    request: Request,
    operator: SubjectRequester,
    context: Context,
) -> Response:
    desk = desk_of(context)
    link = desk.register.get_link(token)
    if link is None or not operator.sees_site(link.site_id):
        raise NotFound("no export at this link; it was never made or its subject was erased")
    if link.expires_at <= datetime.now(UTC):
        raise NotFound(
            f"this export's link expired at {link.expires_at:%Y-%m-%d %H:%M} UTC; "
            "export the request again for a new one"
        )
    subject_request = desk.get(link.site_id, link.request_id)
    archive = build_archive(desk.export(subject_request))
    record_audit(
        context,
        request,
        operator,
        "subject.export.download",
        link.site_id,
        [link.request_id, *subject_request.subject_ids],
        subject_request.purpose,
    )
    name = f"subject-export-{link.site_id}-{link.request_id[:8]}.zip"
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _erasure_out(
    subject_request: SubjectRequest,
    erased: bool,
    ids: list[str],
    events: int,
    unresolved: list[str],
) -> ErasureOut:
    return ErasureOut(
        request=request_out(subject_request, datetime.now(UTC)),
        erased=erased,
        subject_ids=ids,
        events_erased=events,
        unresolved=unresolved,
    )


@router.post("/subject-requests/{site_id}/{request_id}/erase", response_model=ErasureOut)
def erase_request(
    site_id: str,
    request_id: str,
    request: Request,
    operator: SubjectRequester,
    context: Context,
    site: SiteInScope,
) -> ErasureOut:
    """Answer an erasure request: erase now, or wait for a second person's confirmation
    where the site's settings ask for one."""
    desk = desk_of(context)
    subject_request = _request_in_scope(context, operator, site_id, request_id)
    needs = desk.register.settings_for(site_id).erasure_needs_confirmation
    updated, report = desk.ask_erasure(subject_request, operator.username, datetime.now(UTC), needs)
    record_audit(
        context,
        request,
        operator,
        "subject.erase" if report is not None else "subject.erase.asked",
        site_id,
        [request_id, *subject_request.subject_ids],
        subject_request.purpose,
    )
    if report is None:
        return _erasure_out(updated, False, [], 0, [])
    return _erasure_out(updated, True, report.subject_ids, report.events_erased, report.unresolved)


@router.post("/subject-requests/{site_id}/{request_id}/confirm-erasure", response_model=ErasureOut)
def confirm_erasure(
    site_id: str,
    request_id: str,
    request: Request,
    operator: SubjectRequester,
    context: Context,
    site: SiteInScope,
) -> ErasureOut:
    """The second person's confirmation: another privacy officer or administrator."""
    desk = desk_of(context)
    subject_request = _request_in_scope(context, operator, site_id, request_id)
    updated, report = desk.confirm_erasure(subject_request, operator.username, datetime.now(UTC))
    record_audit(
        context,
        request,
        operator,
        "subject.erase.confirmed",
        site_id,
        [request_id, *subject_request.subject_ids],
        f"{subject_request.purpose}; asked by {subject_request.erase_asked_by}",
    )
    return _erasure_out(updated, True, report.subject_ids, report.events_erased, report.unresolved)


@router.get("/sites/{site_id}/subject-request-settings", response_model=SettingsOut)
def read_settings(
    site_id: str, operator: SubjectRequester, context: Context, site: SiteInScope
) -> SettingsOut:
    saved = RequestRegister(context.store.db).settings_for(site_id)
    return SettingsOut(
        site_id=site_id,
        erasure_needs_confirmation=saved.erasure_needs_confirmation,
        deadline_days=saved.deadline_days,
    )


@router.put("/sites/{site_id}/subject-request-settings", response_model=SettingsOut)
def save_settings(
    site_id: str,
    body: SettingsIn,
    request: Request,
    operator: SubjectRequester,
    context: Context,
    site: SiteInScope,
) -> SettingsOut:
    """Whether an erasure waits for a second person, and the deadline for new requests."""
    RequestRegister(context.store.db).save_settings(
        RequestSettings(site_id, body.erasure_needs_confirmation, body.deadline_days)
    )
    record_audit(
        context,
        request,
        operator,
        "subject_request.settings",
        site_id,
        [],
        f"second person for erasure: {body.erasure_needs_confirmation}; "
        f"deadline {body.deadline_days} days",
    )
    return SettingsOut(site_id=site_id, **body.model_dump())
