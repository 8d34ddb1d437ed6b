"""Alert records, the signals rules produce, and the changes notifiers receive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event

# "open": active and unacknowledged; "returned": its condition returned to normal before
# anyone acknowledged it (ISA-18.2's returned-unacknowledged); see alerts/lifecycle.py.
AlertState = Literal["open", "acknowledged", "returned", "resolved"]
# What an operator sees (ISA-18.2 / IEC 62682 names): the state, or "shelved" over it.
AlarmState = Literal[
    "unacknowledged", "acknowledged", "returned_unacknowledged", "shelved", "resolved"
]
SEVERITY_RANK = {Severity.INFO: 0, Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}


@dataclass(frozen=True, slots=True)
class AlertSignal:
    """A rule's verdict on one event: fire (open or repeat) or clear (resolve)."""

    action: Literal["fire", "clear"]
    rule_id: str
    title: str
    severity: Severity
    site_id: str
    dedupe_key: str
    zone_id: str | None
    device_id: str | None
    event_id: UUID
    at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    site_id: str
    alert_id: str
    rule_id: str
    dedupe_key: str
    severity: Severity
    state: AlertState
    title: str
    zone_id: str | None
    device_id: str | None
    count: int
    first_at: datetime
    last_at: datetime
    last_event_id: UUID | None
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    returned_at: datetime | None = None
    shelved_until: datetime | None = None
    shelved_by: str | None = None
    shelve_reason: str | None = None
    assigned_to: str | None = None

    def shelved(self, now: datetime) -> bool:
        """Shelved now: hidden from the sound and the banner until ``shelved_until``."""
        return self.shelved_until is not None and self.shelved_until > now

    def alarm_state(self, now: datetime) -> AlarmState:
        if self.state == "resolved":
            return "resolved"
        if self.shelved(now):
            return "shelved"
        if self.state == "returned":
            return "returned_unacknowledged"
        return "unacknowledged" if self.state == "open" else "acknowledged"

    def as_payload(self) -> dict[str, Any]:
        """What notifiers send: no personal data, only the alert itself."""

        def iso(moment: datetime | None) -> str | None:
            return None if moment is None else moment.isoformat()

        return {
            "alert_id": self.alert_id,
            "site_id": self.site_id,
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "state": self.state,
            "title": self.title,
            "zone_id": self.zone_id,
            "device_id": self.device_id,
            "count": self.count,
            "first_at": iso(self.first_at),
            "last_at": iso(self.last_at),
            "escalated_at": iso(self.escalated_at),
            "acknowledged_at": iso(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "resolved_at": iso(self.resolved_at),
            "resolved_by": self.resolved_by,
            "returned_at": iso(self.returned_at),
            "shelved_until": iso(self.shelved_until),
            "assigned_to": self.assigned_to,
        }


ChangeKind = Literal[
    "opened",
    "repeated",
    "acknowledged",
    "returned",
    "resolved",
    "escalated",
    "shelved",
    "unshelved",
    "assigned",
    "noted",
]


@dataclass(frozen=True, slots=True)
class AlertChange:
    kind: ChangeKind
    alert: Alert

    @property
    def site_id(self) -> str:
        return self.alert.site_id

    def as_payload(self) -> dict[str, Any]:
        return {"change": self.kind, "alert": self.alert.as_payload()}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    note: str | None


@dataclass(frozen=True)
class OfflineTransition:
    """A device found silent: applied only if it is still silent when the write commits."""

    site_id: str
    device_id: str
    deadline: datetime
    event: Event
    signals: tuple[AlertSignal, ...]


@dataclass(frozen=True, slots=True)
class SilentDevice:
    site_id: str
    device_id: str
    zone_id: str | None
    last_seen_at: datetime
    deadline: datetime
