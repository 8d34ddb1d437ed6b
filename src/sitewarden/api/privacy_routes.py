"""Privacy routes: subject access and erasure requests, consent records, the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from sitewarden.api.authentication import AuditReader, ConsentManager, SubjectRequester
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope, record_audit, visible_site
from sitewarden.api.schemas import (
    AuditEntryOut,
    AuditPageOut,
    ConsentIn,
    ConsentOut,
    ErasureOut,
    SubjectRequestIn,
)
from sitewarden.privacy import consent as consents
from sitewarden.privacy.records import Consent
from sitewarden.privacy.subject_export import export_subject
from sitewarden.privacy.subject_requests import SubjectRef

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.post("/subjects/export", summary="Everything held about a person or vehicle (audited)")
def export(
    body: SubjectRequestIn, request: Request, operator: SubjectRequester, context: Context
) -> dict[str, Any]:
    visible_site(context, operator, body.site)
    exported = export_subject(
        context.subject_requests, SubjectRef(body.site, body.field, body.value)
    )
    record_audit(
        context,
        request,
        operator,
        "subject.export",
        body.site,
        [s["subject_id"] for s in exported["subjects"]],
        body.purpose,
    )
    return exported


@router.post("/subjects/erase", response_model=ErasureOut, summary="Crypto-shred a subject")
def erase(
    body: SubjectRequestIn, request: Request, operator: SubjectRequester, context: Context
) -> ErasureOut:
    visible_site(context, operator, body.site)
    report = context.subject_requests.erase(SubjectRef(body.site, body.field, body.value))
    record_audit(
        context,
        request,
        operator,
        "subject.erase",
        body.site,
        report.subject_ids,
        body.purpose,
    )
    return ErasureOut(
        subject_ids=report.subject_ids,
        events_erased=report.events_erased,
        unresolved=report.unresolved,
    )


def consent_out(consent: Consent) -> ConsentOut:
    return ConsentOut.model_validate(consent, from_attributes=True)


@router.post("/sites/{site_id}/consents", response_model=ConsentOut, status_code=201)
def record_consent(
    site_id: str,
    body: ConsentIn,
    request: Request,
    operator: ConsentManager,
    context: Context,
    site: SiteInScope,
) -> ConsentOut:
    consent = consents.record_consent(
        context.store.privacy,
        site_id,
        body.subject_id,
        body.purpose,
        body.method,
        operator.username,
        body.given_at,
        evidence=body.evidence,
        expires_at=body.expires_at,
    )
    record_audit(
        context,
        request,
        operator,
        "consent.record",
        site_id,
        [consent.consent_id, consent.subject_id],
        consent.purpose,
    )
    return consent_out(consent)


@router.get("/sites/{site_id}/consents", response_model=list[ConsentOut])
def list_consents(
    site_id: str,
    subject_id: Annotated[str, Query(max_length=64)],
    operator: ConsentManager,
    context: Context,
    site: SiteInScope,
) -> list[ConsentOut]:
    return [consent_out(c) for c in context.store.privacy.list_consents(site_id, subject_id)]


@router.post("/sites/{site_id}/consents/{consent_id}/withdraw", response_model=ConsentOut)
def withdraw_consent(
    site_id: str,
    consent_id: str,
    request: Request,
    operator: ConsentManager,
    context: Context,
    site: SiteInScope,
) -> ConsentOut:
    consent, erased = consents.withdraw_consent(
        context.store.privacy, site_id, consent_id, context.store.biometric_media()
    )
    record_audit(
        context,
        request,
        operator,
        "consent.withdraw",
        site_id,
        [consent.consent_id, consent.subject_id],
        f"withdrawn; {erased} biometric items erased",
    )
    updated = context.store.privacy.get_consent(site_id, consent_id)
    assert updated is not None
    return consent_out(updated)


MAX_SEQ = 2**63 - 1  # the largest sequence number a database column holds (BIGINT)


@router.get("/audit", response_model=AuditPageOut, summary="The audit log, oldest first")
def read_audit(
    operator: AuditReader,
    context: Context,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="a seq from next_after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPageOut:
    entries = context.store.privacy.audit_entries(after_seq=after, limit=limit)
    visible = [e for e in entries if e.site_id is None or operator.sees_site(e.site_id)]
    return AuditPageOut(
        entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in visible],
        next_after=entries[-1].seq if len(entries) == limit else None,
    )
