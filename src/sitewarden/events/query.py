"""A search over stored events, and one page of its answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sitewarden.events.categories import CATEGORIES
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event

# Kinds that report state over and over (heartbeats, people counts, Wi-Fi presence, object
# tracks): a search for what happened usually leaves them out, or they bury the rest.
TELEMETRY_KINDS: frozenset[str] = CATEGORIES["heartbeats"] | CATEGORIES["occupancy_raw"]


def severities_from(least: Severity) -> tuple[Severity, ...]:
    """``least`` and every severity worse than it (the enum lists them mildest first)."""
    order = list(Severity)
    return tuple(order[order.index(least) :])


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
    severities: tuple[Severity, ...] | None = None  # any of these (see severities_from)
    exclude_kinds: frozenset[str] | None = None  # none of these (e.g. TELEMETRY_KINDS)
    limit: int = 100
    after: tuple[datetime, UUID] | None = None  # keyset cursor: older than this
    subject_ids: tuple[str, ...] | None = None  # events of these subjects (blind-index lookups)


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[Event] = field(default_factory=list)
    next_cursor: tuple[datetime, UUID] | None = None
