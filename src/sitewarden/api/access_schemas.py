"""Request and response bodies of the access API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sitewarden.api.schemas import OperatorText

Group = Literal["resident", "staff", "contractor", "visitor"]
Direction = Literal["in", "out"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonIn(_In):
    name: str = Field(min_length=1, max_length=200)
    group: Group
    national_id: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    badges: list[str] = Field(default_factory=list, max_length=10)


class PersonChangeIn(_In):
    group: Group | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    clear_window: bool = Field(default=False, description="make the validity open-ended")


class PersonOut(BaseModel):
    person_id: str
    subject_id: str = Field(description="the vault subject: use it for consents and requests")
    group: str
    valid_from: datetime | None
    valid_until: datetime | None
    barred: bool
    barred_at: datetime | None
    barred_by: str | None
    badges: int
    face_templates: int
    created_at: datetime
    groups: list[str] = Field(
        default_factory=list, description="the named access groups the person is in, sorted"
    )
    disclosure: str = Field(description="none, masked or full")
    name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    bar_reason: str | None = None


class PersonGroupsIn(_In):
    groups: list[str] = Field(
        max_length=100,
        description="the named groups the person is in (replaces them): 1-40 lowercase "
        "letters, digits and hyphens each, at most 20",
        examples=[["tower-a", "gym"]],
    )


class BadgeIn(_In):
    badge_id: str = Field(min_length=1, max_length=128)


class BadgeOut(BaseModel):
    badge_ref: str
    person_id: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None = Field(default=None, description="revoked or lost")


class FaceTemplateOut(BaseModel):
    created_at: datetime = Field(description="when the template was made; never the vector")
    source: str = Field(
        default="enrolment",
        description="enrolment (a photo enrolled) or reader (learned from a reader's frame "
        "when a badge let the person in; face_learning)",
    )


class BarIn(_In):
    reason: str = Field(min_length=3, max_length=500)


class EnrolmentOut(BaseModel):
    person_id: str
    templates: int
    gallery_version: int


class WindowIn(_In):
    days: list[str | int] = Field(min_length=1, max_length=7, examples=[["mon", "fri"]])
    start: str = Field(examples=["08:00"])
    end: str = Field(examples=["18:00"], description="24:00 for midnight; before start: overnight")


class RuleIn(_In):
    group: str = Field(max_length=64, description="a person type or a named group (e.g. 'tower-a')")
    zone_id: str = Field(default="*", min_length=1, max_length=64, description="'*': every zone")
    windows: list[WindowIn] = Field(min_length=1, max_length=20)
    applies_on_holidays: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class WindowOut(BaseModel):
    days: list[int]
    start: str
    end: str


class RuleOut(BaseModel):
    rule_id: str
    group: str
    zone_id: str
    windows: list[WindowOut]
    applies_on_holidays: bool
    valid_from: datetime | None
    valid_until: datetime | None


class GroupOut(BaseModel):
    name: str = Field(description="a named access group (person types are not listed)")
    members: int = Field(description="people in the group")
    rules: int = Field(description="access rules that name the group")


class HolidayIn(_In):
    name: OperatorText = Field(min_length=1, max_length=100)  # stored in the clear


class HolidayOut(BaseModel):
    day: str
    name: str


class BadgeDecisionIn(_In):
    badge_id: str = Field(min_length=1, max_length=128)
    direction: Direction = "in"


class DecisionOut(BaseModel):
    granted: bool
    reason: str = Field(
        description="granted, not_enrolled, outside_schedule, holiday, not_permitted, barred, "
        "expired, not_yet_valid, revoked, no_clear_face, face_too_small, ambiguous, no_consent"
    )
    credential: str
    direction: str
    site_id: str
    device_id: str
    zone_id: str | None
    event_id: str
    person_ref: str | None = Field(description="masked tail of the person's id")
    person_name: str | None = Field(description="masked, for the reader's display")
    rule_id: str | None
    faces: int | None = Field(description="faces in the frame (face decisions)")
    note: str | None
    distance: float | None = Field(description="embedding distance of the nearest template")
    elapsed_ms: float | None
    face_learning: str | None = Field(
        default=None,
        description="for a badge sent with the reader's frame: learned, or why the frame's "
        "face was not kept (off, not_granted, no_consent, not_enrolled, no_clear_face, "
        "not_this_person, already_known)",
    )


class SnapshotOut(BaseModel):
    snapshot_id: str
    site_id: str
    device_id: str
    taken_at: datetime
    width: int
    height: int
    faces_blurred: int
