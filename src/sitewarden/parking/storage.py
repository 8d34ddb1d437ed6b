"""What parking needs from a store. ``store/parking_tables.py`` implements it for both backends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
