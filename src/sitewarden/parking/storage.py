"""What parking needs from a store. ``store/parking_tables.py`` implements it for both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sitewarden.parking.records import (
    GarageTariff,
    GateRead,
    Lane,
    ListEntry,
    ParkingSession,
    Payment,
    Permit,
    PlateSettings,
    ReviewItem,
    Vehicle,
)


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


class ParkingStore(Protocol):
    # --- configuration -------------------------------------------------------------
    def put_lane(self, lane: Lane) -> None: ...
    def get_lane(self, site_id: str, device_id: str) -> Lane | None: ...
    def list_lanes(self, site_id: str) -> list[Lane]: ...
    def delete_lane(self, site_id: str, device_id: str) -> int: ...
    def put_plate_settings(self, settings: PlateSettings) -> None: ...
    def get_plate_settings(self, site_id: str) -> PlateSettings | None: ...
    def put_tariff(self, tariff: GarageTariff) -> None: ...
    def get_tariff(self, site_id: str, zone_id: str) -> GarageTariff | None: ...

    # --- vehicles, lists, permits ----------------------------------------------------
    def put_vehicle(self, vehicle: Vehicle) -> None: ...
    def get_vehicle(self, site_id: str, subject_id: str) -> Vehicle | None: ...
    def list_vehicles(self, site_id: str, limit: int) -> list[Vehicle]: ...
    def delete_vehicle(self, site_id: str, subject_id: str) -> int: ...
    def add_list_entry(self, entry: ListEntry) -> None: ...
    def list_entries(self, site_id: str, subject_id: str | None = None) -> list[ListEntry]: ...
    def delete_list_entry(self, site_id: str, entry_id: str) -> int: ...
    def add_permit(self, permit: Permit) -> None: ...
    def list_permits(self, site_id: str, subject_id: str | None = None) -> list[Permit]: ...
    def delete_permit(self, site_id: str, permit_id: str) -> int: ...

    # --- sessions and payments -------------------------------------------------------
    def start_session(self, session: ParkingSession, void_reason: str) -> list[str]:
        """Insert ``session``; void the vehicle's open session in that garage first.

        Returns the ids voided."""
        ...

    def get_session(self, site_id: str, session_id: str) -> ParkingSession | None: ...
    def find_session(self, session_id: str) -> ParkingSession | None: ...
    def open_session_of(
        self, site_id: str, zone_id: str, subject_id: str
    ) -> ParkingSession | None: ...
    def settle_exit(
        self,
        site_id: str,
        session_id: str,
        exit_at: datetime,
        exit_device: str,
        decide: Callable[[ParkingSession], ExitSettlement],
    ) -> tuple[ParkingSession, ExitSettlement] | None:
        """Run ``decide`` on the session as it is inside the write lock; close it if told.

        None if the session is no longer open (another exit closed it first)."""
        ...

    def add_payment(self, payment: Payment) -> tuple[ParkingSession, bool]:
        """Record a payment on an open session; (session after, False if a repeat)."""
        ...

    def find_sessions(self, query: SessionQuery) -> list[ParkingSession]: ...
    def open_session_counts(self, site_id: str) -> dict[str, int]: ...
    def sessions_overlapping(
        self, site_id: str, zone_id: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime | None]]: ...
    def payments_between(
        self, site_id: str, since: datetime, until: datetime
    ) -> list[tuple[datetime, int, str]]: ...

    # --- gate reads and reviews ------------------------------------------------------
    def last_gate_read(self, site_id: str, device_id: str, subject_id: str) -> GateRead | None: ...
    def record_gate_read(self, read: GateRead) -> None: ...
    def add_review(self, item: ReviewItem) -> None: ...
    def get_review(self, site_id: str, review_id: str) -> ReviewItem | None: ...
    def list_reviews(self, site_id: str, state: str | None, limit: int) -> list[ReviewItem]: ...
    def resolve_review(
        self, site_id: str, review_id: str, resolution: str, actor: str, at: datetime
    ) -> bool: ...
