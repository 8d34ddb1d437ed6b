"""The consent register of a site: every consent with its purpose, evidence, expiry
and state, for the privacy centre's consents page (withdrawal is
``POST /api/v1/sites/{site_id}/consents/{consent_id}/withdraw``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from sitewarden.api.authentication import ConsentManager
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.api.schemas import ConsentOut

router = APIRouter(prefix="/api/v1", tags=["privacy"])


class RegisteredConsentOut(ConsentOut):
    state: str  # active, withdrawn or expired


@router.get("/sites/{site_id}/consent-register", response_model=list[RegisteredConsentOut])
def consent_register(
    site_id: str,
    request: Request,
    operator: ConsentManager,
    context: Context,
    site: SiteInScope,
    consent_purpose: Annotated[str | None, Query(max_length=32)] = None,
) -> list[RegisteredConsentOut]:
    """Newest first; subjects appear by their pseudonymous ids only (audited)."""
    now = datetime.now(UTC)
    consents = [
        c
        for c in context.store.privacy.site_consents(site_id)
        if consent_purpose is None or c.purpose == consent_purpose
    ]
    record_audit(
        context, request, operator, "consent.register.read", site_id, [], consent_purpose or "all"
    )
    return [
        RegisteredConsentOut.model_validate(
            {
                **ConsentOut.model_validate(c, from_attributes=True).model_dump(),
                "state": c.state(now),
            }
        )
        for c in consents
    ]
