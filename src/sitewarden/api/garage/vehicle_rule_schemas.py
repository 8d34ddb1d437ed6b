"""The shapes of the lists page's API: list entries and permits as one kind of row."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sitewarden.api.parking_schemas import PlateText
from sitewarden.api.schemas import OperatorText

RuleType = Literal["allow", "deny", "permit"]
PermitKind = Literal["resident", "staff", "visitor", "other"]
Reason = Field(
    min_length=1,
    max_length=200,
    description="why; kept in the clear and audited, so no plates, ID or phone numbers",
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleReason(_In):
    reason: OperatorText = Reason


class VehicleRuleEdit(RuleReason):
    """A rule's new garage, window and kind; a list entry keeps ``reason`` as its own."""

    type: RuleType
    zone_id: str | None = Field(default=None, max_length=64, description="None: every garage")
    permit_kind: PermitKind | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class VehicleRuleIn(VehicleRuleEdit):
    plate: str = PlateText


class VehicleRuleOut(BaseModel):
    rule_id: str
    type: RuleType
    plate: str | None = Field(description="masked unless a purpose and personal:read")
    disclosure: str
    zone_id: str | None
    permit_kind: str | None
    reason: str | None = Field(description="a list entry's reason; permits have none")
    valid_from: datetime | None
    valid_until: datetime | None
    state: Literal["upcoming", "active", "expired"]
    created_at: datetime
    created_by: str


class RulesImportIn(RuleReason):
    csv: str = Field(max_length=900_000, description="the file's text, columns as the export")


class RowProblemOut(BaseModel):
    line: int
    problem: str


class RulesImportOut(BaseModel):
    stored: int
    list_entries: int
    permits: int


class FeeDayOut(BaseModel):
    day: date
    slots: int
    night_slots: int
    before_cap_minor: int
    charged_minor: int
    capped: bool


class FeePreviewOut(BaseModel):
    currency: str
    entry_at: datetime
    exit_at: datetime
    timezone: str
    fee_minor: int
    elapsed_minutes: int
    within_free_minutes: bool
    clock_change_minutes: int = Field(description="DST: the local clock's shift during the stay")
    days: list[FeeDayOut]
