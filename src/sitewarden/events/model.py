"""The one event model: what sitewarden stores for everything that happens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sitewarden.events.kinds import Severity

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = datetime.resolution


@dataclass(slots=True)
class Event:
    """A validated event, ready to store or already stored.

    ``personal`` holds the fields that identify a person or vehicle, in clear, only
    in memory between validation and sealing. Stores never see it: they keep
    ``sealed_personal`` (and ``sealed_media`` for face crops and snapshots), sealed
    under the data key of ``subject_id``.
    """

    id: UUID
    site_id: str
    zone_id: str | None
    device_id: str
    kind: str
    severity: Severity
    occurred_at: datetime
    received_at: datetime
    attributes: dict[str, Any]
    personal: dict[str, Any] | None
    note: str | None
    subject_id: str | None = None
    sealed_personal: bytes | None = None
    sealed_media: bytes | None = None

    @property
    def family(self) -> str:
        return family_of(self.kind)


def family_of(kind: str) -> str:
    """``access.granted`` -> ``access``."""
    return kind.split(".", 1)[0]


def to_micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (how stores keep time)."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    return EPOCH + micros * _MICROSECOND
