"""Time windows given by people: a person's or permit's validity, a search's range.

One check for all of them, so that every API and command refuses the same mistakes
with the same words."""

from __future__ import annotations

from datetime import datetime

from sitewarden.errors import InvalidInput


def check_window(
    start: datetime | None,
    end: datetime | None,
    names: tuple[str, str] = ("valid_from", "valid_until"),
) -> None:
    """Both ends carry a timezone offset and the end comes after the start."""
    for moment in (start, end):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("times need a timezone offset, e.g. 2026-11-22T08:00:00Z")
    if start is not None and end is not None and end <= start:
        raise InvalidInput(f"{names[1]} must be after {names[0]}")
