"""Records of the vault, the audit chain and consents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Stands in an event's sealed personal part once its subject was erased (not a valid
# sealed value, so it can never be opened); the event itself stays.
ERASED_PERSONAL = b"\x00"


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A per-subject data key, encrypted under the KEK named by ``kek_id``."""

    site_id: str
    subject_id: str
    wrapped: bytes
    kek_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Subject:
    """A person or vehicle, found by a truncated blind index of one identifying value."""

    site_id: str
    subject_id: str
    kind: str  # "person" or "vehicle"
    field: str  # which personal field identifies it: plate, national_id, badge_id
    lookup: bytes
    sealed_value: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    site_id: str | None
    targets: tuple[str, ...]
    purpose: str | None
    request_id: str | None
    mac: bytes
    address: str | None = None  # the client's address; None before 0020 and for the CLI


@dataclass(frozen=True, slots=True)
class AuditHead:
    seq: int
    mac: bytes
    seal: bytes


@dataclass(frozen=True, slots=True)
class Consent:
    site_id: str
    consent_id: str
    subject_id: str
    purpose: str
    method: str
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None = None
    evidence: str | None = None  # where the signed form is kept, its reference
    expires_at: datetime | None = None  # lapses on its own then; None: until withdrawn

    def state(self, now: datetime) -> str:
        """active, withdrawn or expired."""
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
