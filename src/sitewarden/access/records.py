"""Plain records of access control: people, badges, face templates, rules, holidays,
snapshots. Personal values only ever appear here sealed (``sealed_*`` bytes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

GROUPS = ("resident", "staff", "contractor", "visitor")
ALL_ZONES = "*"


def subject_of(person_id: str) -> str:
    """The vault subject of an enrolled person (the vault's ``person_ref`` convention)."""
    return f"p-{person_id}"


def person_of(subject_id: str) -> str | None:
    """The person id behind a vault subject id, or None if it is not a person's."""
    return subject_id[2:] if subject_id.startswith("p-") else None


@dataclass(frozen=True, slots=True)
class Person:
    site_id: str
    person_id: str
    group: str
    valid_from: datetime | None
    valid_until: datetime | None
    sealed_name: bytes
    sealed_national_id: bytes | None
    sealed_phone: bytes | None
    barred_at: datetime | None
    barred_by: str | None
    sealed_bar_reason: bytes | None
    created_at: datetime
    created_by: str

    @property
    def subject_id(self) -> str:
        return subject_of(self.person_id)


@dataclass(frozen=True, slots=True)
class Badge:
    site_id: str
    badge_ref: str
    person_id: str
    lookup: bytes
    sealed_value: bytes
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None  # 'revoked' or 'lost'; None while active


@dataclass(frozen=True, slots=True)
class SealedTemplate:
    site_id: str
    template_id: str
    person_id: str
    sealed_template: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Window:
    """Open from ``start`` to ``end`` on each of ``days`` (0 = Monday), site time.

    ``end`` at or before ``start`` runs over midnight into the next day; ``end`` of
    None means the end of the day (24:00)."""

    days: tuple[int, ...]
    start: time
    end: time | None


@dataclass(frozen=True, slots=True)
class AccessRule:
    site_id: str
    rule_id: str
    group: str
    zone_id: str
    windows: tuple[Window, ...]
    applies_on_holidays: bool
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Holiday:
    site_id: str
    day: str
    name: str


@dataclass(frozen=True, slots=True)
class ReaderImage:
    """A reader's face image kept sealed for disputes (only when the site turned it on)."""

    site_id: str
    event_id: str
    device_id: str
    person_id: str | None
    taken_at: datetime
    expires_at: datetime
    media_type: str
    sealed_image: bytes


@dataclass(frozen=True, slots=True)
class Snapshot:
    site_id: str
    snapshot_id: str
    device_id: str
    taken_at: datetime
    width: int
    height: int
    faces_blurred: int
    sealed_image: bytes | None = None
