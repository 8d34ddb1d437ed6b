"""Request and response bodies of the parking API."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sitewarden.api.schemas import OperatorText

PlateText = Field(min_length=1, max_length=32, examples=["浙A·12345"])
Purpose = Field(min_length=3, max_length=200, description="why you need the plates (audited)")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadIn(_In):
    plate: str = PlateText
    confidence: float | None = Field(default=None, ge=0, le=1)
    time: datetime | None = Field(default=None, description="camera time; fees use server time")


class DecisionOut(BaseModel):
    open: bool
    reason: str
    direction: str
    site_id: str
    device_id: str
    zone_id: str
    plate: str | None = Field(description="masked: 浙A·***")
    plate_format: str | None
    session_id: str | None
    fee_minor: int | None
    due_minor: int | None
    currency: str | None
    duplicate: bool
    review_id: str | None
    event_id: str | None
    detail: str | None
    voided_sessions: list[str]
    confidence: float | None = None
    read_ms: float | None = None
    frames: int | None = Field(
        default=None,
        description="frames of the car the read stands on (docs/parking.md#bursts): 1 read "
        "alone, 2 or more when earlier frames at the lane that read the plate alike settled "
        "an unsure read; null for reads sent as text",
    )


class LaneIn(_In):
    direction: Literal["entry", "exit"]
    zone_id: str | None = Field(default=None, max_length=64, description="defaults to the device's")


class LaneOut(BaseModel):
    site_id: str
    device_id: str
    zone_id: str
    direction: str
    created_at: datetime


class CustomFormatIn(_In):
    name: str = Field(max_length=32)
    pattern: str = Field(max_length=20, examples=["LLDD LLL"])


class PlateSettingsIn(_In):
    formats: list[str] = Field(min_length=1, max_length=20, examples=[["cn", "cn_ne"]])
    custom_formats: list[CustomFormatIn] = Field(default_factory=list, max_length=20)
    review_below: float = Field(default=0.8, ge=0, le=1)
    duplicate_window_s: int = Field(default=10, ge=0, le=600)
    unsure_reads: Literal["hold", "admit"] = Field(
        default="hold",
        description="entry gates, on a plate read the reader is not sure of: hold the "
        "barrier until a person confirms it, or admit the car and queue the read for review",
    )


class PlateSettingsOut(BaseModel):
    site_id: str
    formats: list[str]
    custom_formats: list[CustomFormatIn]
    review_below: float
    duplicate_window_s: int
    unsure_reads: str
    built_in: dict[str, str]


class TariffIn(_In):
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["CNY"])
    hourly_minor: int = Field(ge=0, le=10_000_000)
    free_minutes: int = Field(default=0, ge=0, le=1440)
    night_hourly_minor: int | None = Field(default=None, ge=0, le=10_000_000)
    night_start: time | None = None
    night_end: time | None = None
    daily_cap_minor: int | None = Field(default=None, ge=0, le=100_000_000)
    lost_ticket_minor: int = Field(default=0, ge=0, le=100_000_000)
    exit_grace_minutes: int = Field(default=15, ge=0, le=240)


class TariffOut(TariffIn):
    site_id: str
    zone_id: str
    updated_at: datetime
    updated_by: str


class VehicleIn(_In):
    plate: str = PlateText
    owner_ref: str | None = Field(
        default=None,
        max_length=64,
        description=(
            "a person's id in sitewarden (checked against the site's people), or a short "
            "reference such as a flat; never an ID or phone number"
        ),
    )
    note: OperatorText | None = Field(
        default=None, max_length=200, description="no plates, ID or phone numbers: kept in clear"
    )


class VehicleOut(BaseModel):
    site_id: str
    subject_id: str
    plate: str | None
    disclosure: str
    owner_ref: str | None
    note: str | None
    created_at: datetime
    created_by: str


class ListEntryIn(_In):
    plate: str = PlateText
    list: Literal["allow", "deny"]
    zone_id: str | None = Field(default=None, max_length=64, description="None: every garage")
    reason: OperatorText = Field(
        min_length=1, max_length=200, description="no plates, ID or phone numbers: kept in clear"
    )
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class ListEntryOut(BaseModel):
    site_id: str
    entry_id: str
    subject_id: str
    list: str
    zone_id: str | None
    reason: str
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime
    created_by: str


class PermitIn(_In):
    plate: str = PlateText
    kind: Literal["resident", "staff", "visitor", "other"]
    zone_id: str | None = Field(default=None, max_length=64)
    valid_from: datetime
    valid_until: datetime


class PermitOut(BaseModel):
    site_id: str
    permit_id: str
    subject_id: str
    zone_id: str | None
    kind: str
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    created_by: str


class SessionOut(BaseModel):
    site_id: str
    session_id: str
    zone_id: str
    subject_id: str
    state: str
    entry_at: datetime
    entry_device: str | None
    exit_at: datetime | None
    exit_device: str | None
    currency: str
    fee_minor: int
    paid_minor: int
    due_now_minor: int | None = Field(description="what leaving now costs (open sessions)")
    paid_at: datetime | None
    lost_ticket: bool
    permit_id: str | None
    closed_reason: str | None
    plate: str | None = None
    disclosure: str = "none"


class PaymentIn(_In):
    amount_minor: int = Field(gt=0, le=100_000_000)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    method: Literal["cash", "card", "app", "qr", "other"]
    reference: OperatorText = Field(
        min_length=1, max_length=100, description="the payment's own id: a retry is recorded once"
    )


class PaymentOut(BaseModel):
    recorded: bool = Field(description="False when this reference was recorded before")
    session: SessionOut


class SessionLookupIn(_In):
    site: str = Field(max_length=64)
    plate: str = PlateText
    purpose: str = Purpose
    limit: int = Field(default=100, ge=1, le=1000)


class ReviewFrameOut(BaseModel):
    width: int
    height: int
    box: tuple[int, int, int, int] = Field(description="the plate: x, y, width, height in pixels")


class ReviewOut(BaseModel):
    site_id: str
    review_id: str
    device_id: str
    zone_id: str | None
    direction: str
    confidence: float
    reason: str
    created_at: datetime
    state: str
    resolution: str | None = Field(
        description="confirmed or dismissed by a person; settled: a later frame of the same "
        "car read the plate surely (docs/parking.md#bursts)"
    )
    resolved_by: str | None = Field(
        description="the operator, or for a settled review the lane's camera"
    )
    resolved_at: datetime | None
    plate: str | None = None
    disclosure: str = "none"
    frame: ReviewFrameOut | None = Field(
        default=None, description="the gate frame kept with the read, if any (GET .../frame)"
    )
    candidates: list[str] = Field(
        default_factory=list,
        description="the readers' readings, the guess first, then up to three other plates "
        "the looks and the second reader read, shown as ``plate`` is",
    )


class ReviewResolveIn(_In):
    plate: str | None = Field(default=None, min_length=1, max_length=32)
    dismiss: bool = False
    confirm: bool = Field(
        default=False, description="the reader's guess is right: decide on it as read"
    )


class ReviewResolveOut(BaseModel):
    review: ReviewOut
    decision: DecisionOut | None


class GarageOccupancyOut(BaseModel):
    zone_id: str
    name: str
    capacity: int | None
    occupied: int
    lanes: int


class OccupancyPointOut(BaseModel):
    at: datetime
    occupied: int


class RevenueDayOut(BaseModel):
    day: date
    currency: str
    amount_minor: int
    payments: int
