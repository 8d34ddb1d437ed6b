"""Handling a subject request from the register: open it (resolving the value to its
subjects, keeping the value only masked), say what is held, answer it with an export
or an erasure, and, where the site asks for it, let an erasure wait for a second person.

The caller (the API) checks roles and site scope and audits each step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sitewarden.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from sitewarden.events.categories import CATEGORIES
from sitewarden.privacy.masking import MASKS, mask_tail
from sitewarden.privacy.request_register import (
    RequestKind,
    RequestRegister,
    SubjectRequest,
)
from sitewarden.privacy.subject_export import export_subject
from sitewarden.privacy.subject_requests import ErasureReport, SubjectRef, SubjectRequests

CATEGORY_OF = {kind: category for category, kinds in CATEGORIES.items() for kind in kinds}


@dataclass(frozen=True, slots=True)
class HeldCategory:
    """How many items of one category are held about the subject, and for how long."""

    category: str
    count: int
    retention_days: float | None  # None: kept while the record is (not on a schedule)


def masked(field: str, value: str) -> str:
    return MASKS.get(field, mask_tail)(value)


@dataclass(frozen=True)
class RequestDesk:
    register: RequestRegister
    requests: SubjectRequests

    def open(
        self, ref: SubjectRef, kind: RequestKind, purpose: str, by: str, now: datetime
    ) -> SubjectRequest:
        """Register a request; a value that names no one is registered too (the answer
        is then that nothing is held)."""
        try:
            subject_ids = self.requests.resolve(ref)
        except NotFound:
            subject_ids = []
        request = SubjectRequest(
            ref.site_id,
            uuid.uuid4().hex,
            kind,
            ref.field,
            masked(ref.field, ref.value),
            tuple(subject_ids),
            purpose,
            "open",
            by,
            now,
            self.register.settings_for(ref.site_id).due(now),
        )
        self.register.add_request(request)
        return request

    def get(self, site_id: str, request_id: str) -> SubjectRequest:
        request = self.register.get_request(site_id, request_id)
        if request is None:
            raise NotFound(f"subject request {request_id!r} not found in site {site_id!r}")
        return request

    def held(self, request: SubjectRequest, schedule: dict[str, float]) -> list[HeldCategory]:
        """Counts by category of what is held about the request's subjects now."""
        site, ids = request.site_id, list(request.subject_ids)
        events = self.requests.events_of(site, ids) if ids else []
        counts = dict.fromkeys(schedule, 0)
        for event in events:
            category = CATEGORY_OF.get(event.kind)
            if category is not None:
                counts[category] = counts.get(category, 0) + 1
            if event.sealed_media is not None:
                counts["face_crops"] = counts.get("face_crops", 0) + 1
        held = [
            HeldCategory(category, count, schedule.get(category))
            for category, count in counts.items()
        ]
        consents = sum(len(self.requests.privacy.list_consents(site, s)) for s in ids)
        held.append(HeldCategory("consents", consents, None))
        for holder in self.requests.holders:
            records = sum(1 for s in ids if holder.export_records(site, s) is not None)
            held.append(HeldCategory(holder.section, records, None))
        return held

    def export(self, request: SubjectRequest) -> dict[str, Any]:
        """Everything held about the request's subjects, opened (the caller audits it)."""
        if request.kind != "access":
            raise InvalidInput("only an access request is answered with an export")
        answer: dict[str, Any] = {
            "site_id": request.site_id,
            "request_id": request.request_id,
            "subjects": [],
            "events": [],
            "unresolved": [],
        }
        covered: set[str] = set()
        for subject_id in request.subject_ids:
            if subject_id in covered:
                continue
            try:
                part = export_subject(
                    self.requests, SubjectRef(request.site_id, "subject_id", subject_id)
                )
            except NotFound:
                continue  # erased since the request was opened
            covered |= {s["subject_id"] for s in part["subjects"]}
            answer["subjects"] += part["subjects"]
            answer["events"] += part["events"]
            answer["unresolved"] = part["unresolved"]
            answer["exported_at"] = part["exported_at"]
        return answer

    def ask_erasure(
        self, request: SubjectRequest, by: str, now: datetime, needs_confirmation: bool
    ) -> tuple[SubjectRequest, ErasureReport | None]:
        """Erase now, or, where the site asks for a second person, wait for one."""
        if request.kind != "erasure":
            raise InvalidInput("only an erasure request is answered with an erasure")
        if request.state != "open":
            raise Conflict(f"subject request {request.request_id} is {request.state} already")
        if needs_confirmation:
            waiting = replace(request, state="awaiting_confirmation", erase_asked_by=by)
            self.register.update_request(waiting)
            return waiting, None
        return self._erase(request, by, now)

    def confirm_erasure(
        self, request: SubjectRequest, by: str, now: datetime
    ) -> tuple[SubjectRequest, ErasureReport]:
        if request.state != "awaiting_confirmation":
            raise Conflict(f"subject request {request.request_id} awaits no confirmation")
        if by == request.erase_asked_by:
            raise PermissionDenied(
                "a second person must confirm this erasure: another privacy officer or "
                "administrator, not the one who asked for it"
            )
        return self._erase(request, by, now)

    def _erase(
        self, request: SubjectRequest, by: str, now: datetime
    ) -> tuple[SubjectRequest, ErasureReport]:
        erased: list[str] = []
        events = 0
        unresolved: list[str] = []
        for subject_id in request.subject_ids:
            if subject_id in erased:
                continue
            try:
                report = self.requests.erase(SubjectRef(request.site_id, "subject_id", subject_id))
            except NotFound:
                continue
            erased += report.subject_ids
            events += report.events_erased
            unresolved = report.unresolved
        self.register.drop_links(request.site_id, request.request_id)
        outcome = f"erased {len(erased)} subjects, {events} events detached"
        answered = self.register.answer(request, by, now, outcome)
        return answered, ErasureReport(erased, events, unresolved)
