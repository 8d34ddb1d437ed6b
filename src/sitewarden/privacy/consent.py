"""Consent records: purpose, when, how, who recorded it, and withdrawal.

Whatever needs consent (face templates for access) calls ``require_consent`` first.
Withdrawing consent for ``access`` erases the subject's biometric media at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from sitewarden.errors import InvalidInput, NotFound, PermissionDenied
from sitewarden.privacy.records import Consent
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.validity import check_window

# face_learning: templates learned from reader frames when a badge lets the person in
# (access/face_learning.py); it needs access as well.
PURPOSES = frozenset({"access", "face_learning", "attendance", "parking", "marketing"})
METHODS = frozenset({"written", "electronic", "verbal_witnessed"})
BIOMETRIC_PURPOSES = frozenset({"access", "face_learning"})

# Erases one kind of a subject's biometric media, (site, subject) -> items erased: each
# feature that keeps such media hands one in (events' face crops, access's templates).
MediaEraser = Callable[[str, str], int]


def record_consent(
    consents: PrivacyTables,
    site_id: str,
    subject_id: str,
    purpose: str,
    method: str,
    recorded_by: str,
    given_at: datetime | None = None,
    *,
    evidence: str | None = None,
    expires_at: datetime | None = None,
) -> Consent:
    if purpose not in PURPOSES:
        raise InvalidInput(f"unknown consent purpose {purpose!r}; use one of {sorted(PURPOSES)}")
    if method not in METHODS:
        raise InvalidInput(f"unknown consent method {method!r}; use one of {sorted(METHODS)}")
    given = given_at or datetime.now(UTC)
    check_window(given, expires_at, ("given_at", "expires_at"))
    consent = Consent(
        site_id,
        uuid.uuid4().hex,
        subject_id,
        purpose,
        method,
        given,
        recorded_by,
        evidence=evidence,
        expires_at=expires_at,
    )
    consents.add_consent(consent)
    return consent


def active_consent(
    consents: PrivacyTables, site_id: str, subject_id: str, purpose: str
) -> Consent | None:
    now = datetime.now(UTC)
    for consent in consents.list_consents(site_id, subject_id):
        if consent.purpose == purpose and consent.state(now) == "active":
            return consent
    return None


def require_consent(
    consents: PrivacyTables, site_id: str, subject_id: str, purpose: str
) -> Consent:
    consent = active_consent(consents, site_id, subject_id, purpose)
    if consent is None:
        raise PermissionDenied(
            f"subject {subject_id} has no recorded consent for {purpose!r}; record it first"
        )
    return consent


def withdraw_consent(
    consents: PrivacyTables,
    site_id: str,
    consent_id: str,
    biometric_media: Mapping[str, Sequence[MediaEraser]],
) -> tuple[Consent, int]:
    """Withdraw; a biometric purpose erases the subject's media of that purpose now
    (each eraser ``biometric_media`` gives for it). Returns (consent, erased)."""
    consent = consents.get_consent(site_id, consent_id)
    if consent is None:
        raise NotFound(f"consent {consent_id!r} not found in site {site_id!r}")
    if consent.withdrawn_at is not None:
        raise InvalidInput(f"consent {consent_id!r} was withdrawn already")
    now = datetime.now(UTC)
    consents.withdraw_consent(site_id, consent_id, now)
    erased = 0
    if consent.purpose in BIOMETRIC_PURPOSES:
        erasers = biometric_media.get(consent.purpose, ())
        erased = sum(erase(site_id, consent.subject_id) for erase in erasers)
    return consent, erased
