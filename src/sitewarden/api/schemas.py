"""Request and response bodies of the API (pydantic models at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from sitewarden.accounts.roles import Permission, Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import Severity
from sitewarden.privacy.free_text import note_validator
from sitewarden.registry.records import Rotation

# The request body of routes that take one image (a frame, a face, a snapshot).
IMAGE_UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}

# Text operators write (alert notes, vehicle notes, list reasons, payment references) is
# stored in the clear: identifiers and refused categories in it are refused (422).
OperatorText = Annotated[str, AfterValidator(note_validator)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiteIn(_In):
    site_id: str = Field(max_length=64, examples=["riverside"])
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="UTC", max_length=64, examples=["Asia/Shanghai"])
    plan_width: int = Field(default=1000, ge=1, le=100_000, description="site plan width, units")
    plan_height: int = Field(default=700, ge=1, le=100_000)


class SitePatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    plan_width: int | None = Field(default=None, ge=1, le=100_000)
    plan_height: int | None = Field(default=None, ge=1, le=100_000)


class SiteOut(BaseModel):
    site_id: str
    name: str
    timezone: str
    plan_width: int
    plan_height: int
    created_at: datetime


class ZoneIn(_In):
    zone_id: str = Field(max_length=64)
    name: str = Field(min_length=1, max_length=200)
    capacity: int | None = Field(default=None, ge=0, le=10_000_000)


class ZonePatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    capacity: int | None = Field(default=None, ge=0, le=10_000_000)


class ZoneOut(BaseModel):
    site_id: str
    zone_id: str
    name: str
    capacity: int | None
    created_at: datetime


ROTATION_HELP = (
    "clockwise turn in degrees (0, 90, 180 or 270) that makes the camera's picture upright; "
    "snapshots are stored turned by it"
)


class DeviceIn(_In):
    device_id: str = Field(max_length=64)
    kind: DeviceKind
    name: str | None = Field(default=None, max_length=200)
    zone_id: str | None = Field(default=None, max_length=64)
    x: float | None = Field(default=None, ge=0, le=100_000)
    y: float | None = Field(default=None, ge=0, le=100_000)
    heartbeat_s: int = Field(default=60, ge=5, le=86400)
    rotation: Rotation = Field(default=0, description=ROTATION_HELP)


class DevicePatch(_In):
    kind: DeviceKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    zone_id: str | None = Field(default=None, max_length=64)
    x: float | None = Field(default=None, ge=0, le=100_000)
    y: float | None = Field(default=None, ge=0, le=100_000)
    heartbeat_s: int | None = Field(default=None, ge=5, le=86400)
    rotation: Rotation | None = Field(default=None, description=ROTATION_HELP)


class DeviceOut(BaseModel):
    site_id: str
    device_id: str
    kind: DeviceKind
    name: str
    zone_id: str | None
    x: float | None
    y: float | None
    heartbeat_s: int
    rotation: int = Field(description=ROTATION_HELP)
    status: str = Field(description="online, offline, or unknown (never heard from)")
    last_seen_at: datetime | None
    token_issued_at: datetime | None
    token_revoked_at: datetime | None
    created_at: datetime


class ActivityBucket(BaseModel):
    start: datetime
    count: int = Field(description="events the device sent in [start, start + bucket_s)")


class DeviceActivity(BaseModel):
    site_id: str
    device_id: str
    since: datetime
    until: datetime
    bucket_s: int = Field(description="seconds per bucket: 900 up to 24 h, else 3600")
    heartbeat_s: int
    buckets: list[ActivityBucket]


class DeviceWithToken(DeviceOut):
    token: str = Field(description="shown once; store it in the device now")


class DeviceToken(BaseModel):
    site_id: str
    device_id: str
    token: str = Field(description="shown once; the previous token stopped working")


class UserIn(_In):
    username: str = Field(max_length=64)
    role: Role
    password: str | None = Field(
        default=None, max_length=1024, description="omit to have one generated and shown once"
    )
    site_scope: list[str] | None = Field(
        default=None, description="sites this user may see; omit for every site"
    )


class UserPatch(_In):
    role: Role | None = None
    disabled: bool | None = None
    site_scope: list[str] | None = None
    password: str | None = Field(default=None, max_length=1024)


class UserOut(BaseModel):
    user_id: str
    username: str
    role: Role
    site_scope: list[str] | None
    disabled: bool
    must_change_password: bool
    created_at: datetime
    last_login_at: datetime | None
    totp_enabled: bool = Field(description="whether a second factor (TOTP) is in use")


class CreatedUser(UserOut):
    password: str | None = Field(description="the generated password, shown once")


class PasswordReset(BaseModel):
    user_id: str
    password: str = Field(description="a one-time password, shown once; changed at sign-in")


class SessionOut(BaseModel):
    created_at: datetime
    expires_at: datetime
    client_address: str | None = Field(description="where the sign-in came from")
    user_agent: str | None = Field(description="the browser's User-Agent at sign-in")
    second_factor: bool
    current: bool = Field(description="the session this request came with")


class EndedSessions(BaseModel):
    ended: int


class PasswordChange(_In):
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class ApiKeyIn(_In):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Permission] | None = Field(
        default=None, description="limit the key to these permissions; omit for the role's"
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="refused from then on (with a timezone); omit for never"
    )


class TotpEnrolment(BaseModel):
    secret: str = Field(description="base32; enter it in an authenticator app (shown once)")
    otpauth_uri: str


class TotpCode(_In):
    code: str = Field(min_length=6, max_length=6)


class ApiKeyOut(BaseModel):
    key_id: str
    name: str
    scopes: list[str] | None = None
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None


class CreatedApiKey(ApiKeyOut):
    token: str = Field(description="shown once")


class LoginIn(_In):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024)
    totp: str | None = Field(default=None, max_length=10, description="6-digit code, if enrolled")


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: datetime


class Rejected(BaseModel):
    index: int = Field(description="0-based position of the event in the batch")
    reason: str


class IngestResult(BaseModel):
    accepted: list[UUID] = Field(description="ids of the events now stored durably")
    rejected: list[Rejected]


class EventOut(BaseModel):
    id: UUID
    site_id: str
    zone_id: str | None
    device_id: str
    kind: str
    severity: Severity
    occurred_at: datetime
    received_at: datetime
    attributes: dict[str, Any]
    personal: dict[str, Any] | None = Field(
        description="personal fields (full or masked by role) when a purpose was given"
    )
    personal_state: str = Field(description="none, sealed, or erased (subject erased)")
    personal_fields: list[str] = Field(description="names of the personal fields, once opened")
    disclosure: str = Field(description="none, masked or full: what this answer shows")
    note: str | None


class EventPageOut(BaseModel):
    events: list[EventOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next (older) page")


class KindOut(BaseModel):
    kind: str
    family: str
    severity: Severity
    description: str
    json_schema: dict[str, Any]


class LookupIn(_In):
    site: str = Field(max_length=64)
    field: str = Field(description="plate, national_id or badge_id", max_length=32)
    value: str = Field(min_length=1, max_length=128)
    purpose: str = Field(min_length=3, max_length=200, description="why you look (audited)")
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=200)


class SubjectRequestIn(_In):
    site: str = Field(max_length=64)
    field: str = Field(
        description="plate, national_id, badge_id, phone or subject_id", max_length=32
    )
    value: str = Field(min_length=1, max_length=128)
    purpose: str = Field(min_length=3, max_length=200, description="e.g. the request's reference")


class ErasureOut(BaseModel):
    subject_ids: list[str]
    events_erased: int
    unresolved: list[str] = Field(description="what the erasure may not have reached, in words")


class ConsentIn(_In):
    subject_id: str = Field(max_length=64)
    purpose: str = Field(max_length=32)
    method: str = Field(max_length=32)
    given_at: datetime | None = None
    evidence: str | None = Field(default=None, max_length=200, description="the form's reference")
    expires_at: datetime | None = Field(
        default=None, description="lapses then; none: until withdrawn"
    )


class ConsentOut(BaseModel):
    site_id: str
    consent_id: str
    subject_id: str
    purpose: str
    method: str
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None
    evidence: str | None = None
    expires_at: datetime | None = None


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    site_id: str | None
    targets: list[str]
    purpose: str | None
    request_id: str | None
    address: str | None = None  # where the request came from; None for older entries


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_after: int | None = Field(description="pass as ?after= for the next page")
