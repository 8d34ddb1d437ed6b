"""A search over stored events, and one page of its answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sitewarden.events.model import Event


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
