"""Allow and deny list entries and permits as CSV: one row per rule, checked all at once.

An import is all or nothing: every row is checked before anything is stored, and a file
with any bad row is refused whole, each bad row named by its line and its problem.
The export writes the same columns, so a file exported can be imported elsewhere.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sitewarden.privacy.free_text import note_validator
from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, match_plate

COLUMNS = ("type", "plate", "garage", "permit_kind", "reason", "valid_from", "valid_until")
RULE_TYPES = ("allow", "deny", "permit")
PERMIT_KINDS = ("resident", "staff", "visitor", "other")
MAX_ROWS = 5000
REASON_MAX = 200


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One checked row: a list entry (allow, deny) or a permit, about one plate."""

    line: int
    rule_type: str
    plate: PlateMatch
    zone_id: str | None
    permit_kind: str | None
    reason: str | None
    valid_from: datetime | None
    valid_until: datetime | None


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    problem: str


@dataclass(frozen=True, slots=True)
class ExportRow:
    rule_type: str
    plate: str
    zone_id: str | None
    permit_kind: str | None
    reason: str | None
    valid_from: datetime | None
    valid_until: datetime | None


def csv_time(moment: datetime | None) -> str:
    """UTC, to the second, with a Z: the form the export writes and the import reads."""
    if moment is None:
        return ""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _time(text: str, column: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not a time such as 2026-12-01T08:00:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"{column} {text!r} needs a timezone offset, e.g. 2026-12-01T08:00:00Z")
    return moment


def _row(
    line: int, values: dict[str, str], formats: Sequence[PlateFormat], zones: Collection[str]
) -> RuleRow:
    rule_type = values["type"]
    if rule_type not in RULE_TYPES:
        raise ValueError(f"type {rule_type!r}: use allow, deny or permit")
    plate = match_plate(values["plate"], formats)
    if plate is None:
        raise ValueError(f"plate {values['plate']!r} fits none of this site's plate formats")
    zone_id = values["garage"] or None
    if zone_id is not None and zone_id not in zones:
        raise ValueError(f"garage {zone_id!r} is not a zone of this site")
    kind = values["permit_kind"] or None
    reason = values["reason"] or None
    valid_from = _time(values["valid_from"], "valid_from")
    valid_until = _time(values["valid_until"], "valid_until")
    if rule_type == "permit":
        if kind not in PERMIT_KINDS:
            raise ValueError(f"permit_kind {kind!r}: use {', '.join(PERMIT_KINDS)}")
        if valid_from is None or valid_until is None:
            raise ValueError("a permit needs valid_from and valid_until")
    elif reason is None:
        raise ValueError(f"a {rule_type} entry needs a reason")
    elif kind is not None:
        raise ValueError("permit_kind is for permits only; leave it empty")
    if reason is not None:
        if len(reason) > REASON_MAX:
            raise ValueError(f"reason is longer than {REASON_MAX} characters")
        note_validator(reason)  # kept in the clear: no ID or phone numbers in it
    if valid_from is not None and valid_until is not None and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")
    return RuleRow(line, rule_type, plate, zone_id, kind, reason, valid_from, valid_until)


def read_rules(
    text: str, formats: Sequence[PlateFormat], zones: Collection[str]
) -> tuple[list[RuleRow], list[RowProblem]]:
    """Every row checked; the rows are usable only where the problems are empty."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        return [], [RowProblem(1, "the first line must be the columns: " + ",".join(COLUMNS))]
    rows: list[RuleRow] = []
    problems: list[RowProblem] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(RowProblem(number, f"{len(cells)} columns, not {len(COLUMNS)}"))
            continue
        try:
            rows.append(
                _row(
                    number,
                    dict(zip(COLUMNS, (c.strip() for c in cells), strict=True)),
                    formats,
                    zones,
                )
            )
        except ValueError as exc:
            problems.append(RowProblem(number, str(exc)))
        if len(rows) + len(problems) > MAX_ROWS:
            return [], [RowProblem(number, f"more than {MAX_ROWS} rows; split the file")]
    if not rows and not problems:
        problems.append(RowProblem(2, "the file has no rows"))
    return rows, problems


def write_rules(rows: Sequence[ExportRow]) -> str:
    """The rows as CSV, sorted so that two exports of the same rules are equal."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    ordered = sorted(
        rows,
        key=lambda r: (r.rule_type, r.plate, r.zone_id or "", csv_time(r.valid_from)),
    )
    for row in ordered:
        writer.writerow(
            (
                row.rule_type,
                row.plate,
                row.zone_id or "",
                row.permit_kind or "",
                row.reason or "",
                csv_time(row.valid_from),
                csv_time(row.valid_until),
            )
        )
    return out.getvalue()
