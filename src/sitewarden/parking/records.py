"""Plain records of the parking tables. Vehicles appear only as vault subject ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sitewarden.parking.tariffs import Tariff
from sitewarden.vision.plate_formats import DEFAULT_FORMATS, PlateFormat

Direction = Literal["entry", "exit"]
ListName = Literal["allow", "deny"]
SessionState = Literal["open", "closed", "voided"]
# What an entry gate does with a plate read it is not sure of: keep the barrier shut
# until a person confirms the plate, or let the car in and have a person confirm it after.
UnsureReads = Literal["hold", "admit"]


@dataclass(frozen=True, slots=True)
class Lane:
    """A plate camera at a garage's entry or exit gate; the garage is its zone."""

    site_id: str
    device_id: str
    zone_id: str
    direction: Direction
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlateSettings:
    """How a site reads plates: its formats in order, and when a read needs a person."""

    site_id: str
    formats: tuple[str, ...] = DEFAULT_FORMATS
    custom_formats: tuple[PlateFormat, ...] = ()
    review_below: float = 0.8  # frames read less surely than this go to the review queue
    duplicate_window_s: int = 10  # reads of one car at one lane this close are one read
    unsure_reads: UnsureReads = "hold"  # at entry; exits always hold (no fee on a guess)


@dataclass(frozen=True, slots=True)
class GarageTariff:
    site_id: str
    zone_id: str
    tariff: Tariff
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True, slots=True)
class Vehicle:
    site_id: str
    subject_id: str
    owner_ref: str | None
    note: str | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class ListEntry:
    """An allow or deny entry for one vehicle; ``zone_id`` None means every garage."""

    site_id: str
    entry_id: str
    subject_id: str
    list_name: ListName
    zone_id: str | None
    reason: str
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class Permit:
    """A monthly resident, staff or other permit: free passage in its window."""

    site_id: str
    permit_id: str
    subject_id: str
    zone_id: str | None
    kind: str
    valid_from: datetime
    valid_until: datetime
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class ParkingSession:
    site_id: str
    session_id: str
    zone_id: str
    subject_id: str
    state: SessionState
    entry_at: datetime
    entry_device: str | None
    currency: str
    exit_at: datetime | None = None
    exit_device: str | None = None
    fee_minor: int = 0
    paid_minor: int = 0
    paid_at: datetime | None = None
    lost_ticket: bool = False
    permit_id: str | None = None
    closed_reason: str | None = None
    entry_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    site_id: str
    payment_id: str
    session_id: str
    amount_minor: int
    currency: str
    method: str
    reference: str
    paid_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class GateRead:
    """The last decision at a lane for a vehicle, to fold repeated reads into one."""

    site_id: str
    device_id: str
    subject_id: str
    at: datetime
    opened: bool
    reason: str
    session_id: str | None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A frame read too unsurely to act on; its plate guess is sealed in ``event_id``."""

    site_id: str
    review_id: str
    device_id: str
    zone_id: str | None
    direction: Direction
    event_id: str | None
    confidence: float
    reason: str
    created_at: datetime
    state: Literal["pending", "resolved"] = "pending"
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    alternatives: tuple[str, ...] = ()  # vehicle subjects of the readers' other reads


@dataclass(frozen=True, slots=True)
class ExitSettlement:
    """What an exit decision wants done with an open session, decided under the lock."""

    close: bool
    fee_minor: int
    due_minor: int
    reason: str


@dataclass(frozen=True, slots=True)
class SessionQuery:
    site_id: str
    zone_id: str | None = None
    subject_ids: tuple[str, ...] | None = None
    state: str | None = None
    since: datetime | None = None  # entries from
    until: datetime | None = None  # entries before
    limit: int = 100
