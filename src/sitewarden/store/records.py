"""Plain records the store reads and writes. No behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args
from uuid import UUID

from sitewarden.events.model import Event
from sitewarden.registry.device_kinds import DeviceKind

# Stands in an event's sealed personal part once its subject was erased (not a valid
# sealed value, so it can never be opened); the event itself stays.
ERASED_PERSONAL = b"\x00"

# A device's rotation: the clockwise turn, in degrees, that makes a camera's picture upright.
Rotation = Literal[0, 90, 180, 270]
ROTATIONS: tuple[int, ...] = get_args(Rotation)


@dataclass(frozen=True, slots=True)
class Site:
    site_id: str
    name: str
    timezone: str
    plan_width: int
    plan_height: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Zone:
    site_id: str
    zone_id: str
    name: str
    capacity: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Device:
    site_id: str
    device_id: str
    zone_id: str | None
    kind: DeviceKind
    name: str
    x: float | None
    y: float | None
    heartbeat_s: int
    created_at: datetime
    rotation: int = 0
    last_seen_at: datetime | None = None
    token_id: str | None = None
    token_issued_at: datetime | None = None
    token_revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceCredential:
    """What authenticating a device token needs, looked up by the token's public id."""

    site_id: str
    device_id: str
    zone_id: str | None
    kind: DeviceKind
    token_id: str
    token_hash: bytes | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    username: str
    role: str
    password_hash: str
    created_at: datetime
    site_scope: tuple[str, ...] | None = None  # None: every site
    disabled: bool = False
    must_change_password: bool = False
    last_login_at: datetime | None = None
    totp_secret: bytes | None = None  # sealed; see auth/second_factor.py
    totp_enabled: bool = False
    failed_logins: int = 0  # unused since sign-in delays replaced the account lock-out
    locked_until: datetime | None = None  # unused, as failed_logins
    totp_pending: bytes | None = None  # a sealed enrolment not confirmed yet
    totp_last_step: int | None = None  # read only: Store.claim_totp_step writes it


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    name: str
    secret_hash: bytes
    created_at: datetime
    revoked_at: datetime | None = None
    scopes: tuple[str, ...] | None = None  # permissions this key may use; None: the role's


@dataclass(frozen=True, slots=True)
class WebSession:
    session_hash: bytes
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    second_factor: bool = False  # the sign-in included a valid TOTP code


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Filters for operator searches; ``site_scope`` is what the caller may see."""

    site_scope: tuple[str, ...] | None = None
    site_id: str | None = None
    zone_id: str | None = None
    device_id: str | None = None
    kind: str | None = None
    family: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    limit: int = 100
    after: tuple[datetime, UUID] | None = None  # keyset cursor: older than this
    subject_ids: tuple[str, ...] | None = None  # events of these subjects (blind-index lookups)


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[Event] = field(default_factory=list)
    next_cursor: tuple[datetime, UUID] | None = None


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


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    site_id: str | None  # None: every site
    url: str
    secret: str
    min_severity: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    delivery_id: str
    webhook_id: str
    site_id: str
    alert_id: str
    payload: str
    state: str  # pending, delivered, dead
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class SilentDevice:
    site_id: str
    device_id: str
    zone_id: str | None
    last_seen_at: datetime
    deadline: datetime
