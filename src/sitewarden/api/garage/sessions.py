"""Sessions, payments and the review queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from sitewarden.accounts.accounts import Operator
from sitewarden.api.authentication import ParkingCashier, ParkingReader, ParkingReviewer
from sitewarden.api.context import AppContext, Context
from sitewarden.api.disclosure import Disclosure, take_lookup
from sitewarden.api.garage.common import (
    AppGateDesk,
    GateDesk,
    _now,
    _plate_match,
    _Shown,
    decision_out,
)
from sitewarden.api.operator_scope import OptionalPurpose, SiteInScope, record_audit, visible_site
from sitewarden.api.parking_schemas import (
    PaymentIn,
    PaymentOut,
    ReviewFrameOut,
    ReviewOut,
    ReviewResolveIn,
    ReviewResolveOut,
    SessionLookupIn,
    SessionOut,
)
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.parking.gate_rules import settle_exit
from sitewarden.parking.records import (
    ParkingSession,
    Payment,
    ReviewItem,
    SessionQuery,
)
from sitewarden.parking.review_frames import FrameShape
from sitewarden.validity import check_window
from sitewarden.vision.plate_formats import match_plate

router = APIRouter(prefix="/api/v1", tags=["parking"])


def session_out(
    context: AppContext,
    desk: GateDesk,
    session: ParkingSession,
    plate: tuple[str | None, str] = (None, "none"),
) -> SessionOut:
    due = None
    if session.state == "open":
        site = context.store.registry.get_site(session.site_id)
        tariff = desk.gates.tariff(session.site_id, session.zone_id)
        settled = settle_exit(session, tariff, site.timezone if site else "UTC", _now(), None)
        due = settled.due_minor
    return SessionOut.model_validate(
        {**asdict(session), "due_now_minor": due, "plate": plate[0], "disclosure": plate[1]}
    )


def _visible_session(context: AppContext, operator: Operator, session_id: str) -> ParkingSession:
    session = context.store.parking.find_session(session_id)
    if session is None or not operator.sees_site(session.site_id):
        raise NotFound(f"parking session {session_id!r} not found")
    return session


@router.get("/parking/sites/{site_id}/sessions", response_model=list[SessionOut])
def list_sessions(
    site_id: str,
    request: Request,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
    zone: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(pattern="^(open|closed|voided)$")] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: OptionalPurpose = None,
) -> list[SessionOut]:
    check_window(since, until, ("since", "until"))
    query = SessionQuery(site_id, zone, None, state, since, until, limit)
    shown = _Shown(context, operator, purpose)
    out = [
        session_out(context, desk, s, shown.plate(site_id, s.subject_id))
        for s in context.store.parking.find_sessions(query)
    ]
    if shown.opened:
        record_audit(
            context, request, operator, "parking.sessions.read", site_id, shown.opened, purpose
        )
    return out


@router.post(
    "/parking/sessions/lookup",
    response_model=list[SessionOut],
    summary="Sessions of one plate (blind index; audited)",
)
def lookup_sessions(
    body: SessionLookupIn,
    request: Request,
    operator: ParkingReader,
    context: Context,
    desk: AppGateDesk,
) -> list[SessionOut]:
    """The plate travels in the body, not the URL, so it stays out of access logs."""
    visible_site(context, operator, body.site)
    take_lookup(context, operator, body.site)
    match = match_plate(body.plate, desk.gates.formats(body.site))
    value = match.compact if match is not None else body.plate
    subjects = context.vault.find_subjects(body.site, "plate", value)
    record_audit(
        context, request, operator, "parking.sessions.lookup", body.site, subjects, body.purpose
    )
    if not subjects:
        return []
    shown = _Shown(context, operator, body.purpose)
    sessions = context.store.parking.find_sessions(
        SessionQuery(body.site, subject_ids=tuple(subjects), limit=body.limit)
    )
    return [session_out(context, desk, s, shown.plate(body.site, s.subject_id)) for s in sessions]


@router.get("/parking/sessions/{session_id}", response_model=SessionOut)
def get_session(
    session_id: str, operator: ParkingReader, context: Context, desk: AppGateDesk
) -> SessionOut:
    """One session with what leaving now costs: what a pay station shows."""
    return session_out(context, desk, _visible_session(context, operator, session_id))


@router.post(
    "/parking/sessions/{session_id}/payments",
    response_model=PaymentOut,
    summary="Record a payment from a pay station or app (a retried reference counts once)",
)
def pay_session(
    session_id: str,
    body: PaymentIn,
    request: Request,
    response: Response,
    operator: ParkingCashier,
    context: Context,
    desk: AppGateDesk,
) -> PaymentOut:
    session = _visible_session(context, operator, session_id)
    payment = Payment(
        site_id=session.site_id,
        payment_id=str(uuid.uuid4()),
        session_id=session_id,
        amount_minor=body.amount_minor,
        currency=body.currency,
        method=body.method,
        reference=body.reference,
        paid_at=_now(),
        recorded_by=operator.username,
    )
    after, recorded = context.store.parking.add_payment(payment)
    if recorded:
        targets = [payment.payment_id, session_id]
        record_audit(context, request, operator, "parking.payment", session.site_id, targets, None)
    response.status_code = 201 if recorded else 200
    return PaymentOut(recorded=recorded, session=session_out(context, desk, after))


# --- review queue -----------------------------------------------------------------------------
def review_out(
    item: ReviewItem,
    plate: tuple[str | None, str] = (None, "none"),
    frame: FrameShape | None = None,
    others: Sequence[str] = (),
) -> ReviewOut:
    return ReviewOut(
        site_id=item.site_id,
        review_id=item.review_id,
        device_id=item.device_id,
        zone_id=item.zone_id,
        direction=item.direction,
        confidence=item.confidence,
        reason=item.reason,
        created_at=item.created_at,
        state=item.state,
        resolution=item.resolution,
        resolved_by=item.resolved_by,
        resolved_at=item.resolved_at,
        plate=plate[0],
        disclosure=plate[1],
        frame=None if frame is None else ReviewFrameOut(**asdict(frame)),
        candidates=([] if plate[0] is None else [plate[0]]) + list(others),
    )


def _review_plate(context: AppContext, shown: _Shown, item: ReviewItem) -> tuple[str | None, str]:
    """The model's guess, from the sealed plate.read event."""
    if shown.level is Disclosure.NONE or item.event_id is None:
        return None, "none"
    event = context.store.events.get_event(uuid.UUID(item.event_id))
    if event is None:
        return None, "expired"
    subject = event.subject_id
    if subject is None:
        return None, "none"
    return shown.plate(item.site_id, subject)


def _other_plates(shown: _Shown, item: ReviewItem) -> list[str]:
    """The readers' other reads of the frame, shown as the guess is (none erased)."""
    if shown.level is Disclosure.NONE:
        return []
    return [p for s in item.alternatives if (p := shown.plate(item.site_id, s)[0]) is not None]


@router.get("/parking/sites/{site_id}/reviews", response_model=list[ReviewOut])
def list_reviews(
    site_id: str,
    request: Request,
    operator: ParkingReviewer,
    context: Context,
    site: SiteInScope,
    state: Annotated[str | None, Query(pattern="^(pending|resolved)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    purpose: OptionalPurpose = None,
) -> list[ReviewOut]:
    shown = _Shown(context, operator, purpose)
    items = context.store.parking_reviews.list_reviews(site_id, state, limit)
    frames = context.store.review_frames.kept_for(site_id, [item.review_id for item in items])
    out = [
        review_out(
            item,
            _review_plate(context, shown, item),
            frames.get(item.review_id),
            _other_plates(shown, item),
        )
        for item in items
    ]
    if shown.opened:
        record_audit(
            context, request, operator, "parking.reviews.read", site_id, shown.opened, purpose
        )
    return out


def _guess_of(context: AppContext, site_id: str, review_id: str) -> str:
    """The reader's guess of a review, opened from its sealed event (to confirm it)."""
    item = context.store.parking_reviews.get_review(site_id, review_id)
    if item is None:
        raise NotFound(f"review {review_id!r} not found")
    event = (
        None if item.event_id is None else context.store.events.get_event(uuid.UUID(item.event_id))
    )
    value = None
    if event is not None and event.subject_id is not None:
        value = context.vault.subject_value(site_id, event.subject_id)
    if value is None:
        raise InvalidInput(
            f"review {review_id!r}: the reader's guess is no longer kept; type the plate you read"
        )
    return value


@router.post(
    "/parking/sites/{site_id}/reviews/{review_id}/resolve", response_model=ReviewResolveOut
)
def resolve_review(
    site_id: str,
    review_id: str,
    body: ReviewResolveIn,
    request: Request,
    operator: ParkingReviewer,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> ReviewResolveOut:
    """Confirm the plate a person reads off the frame (the gate then decides), or dismiss."""
    if [body.plate is not None, body.dismiss, body.confirm].count(True) != 1:
        raise InvalidInput("give one of: the plate you read, confirm: true or dismiss: true")
    text = _guess_of(context, site_id, review_id) if body.confirm else body.plate
    plate = None if text is None else _plate_match(desk, site_id, text)
    decision = desk.gates.resolve_review(site_id, review_id, plate, operator.username)
    item = context.store.parking_reviews.get_review(site_id, review_id)
    assert item is not None
    record_audit(
        context,
        request,
        operator,
        "parking.review.resolve",
        site_id,
        [review_id],
        item.resolution,
    )
    return ReviewResolveOut(
        review=review_out(item), decision=None if decision is None else decision_out(decision)
    )


# --- reports ----------------------------------------------------------------------------------
