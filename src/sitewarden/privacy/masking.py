"""Masked forms of personal fields, for roles that may see that someone was there
but not who.

A mask must not narrow the search space of anyone who can look values up: with the
region and birth date known, the last two characters of an ID number left a hundred
candidates, tried in under two seconds over ``events/lookup``. So, per field:

- ``national_id``, ``badge_id``, ``phone``: nothing shown (``***``). ID numbers and badges
  are lookup keys; a phone's tail narrows it for anyone holding a directory.
- ``plate``: only the region (``浙A·***``): it says where a vehicle is registered, which
  most plates at a site share, and nothing of the serial that tells plates apart.
- ``person_name``: initials (``Z**** M**``). Names are no lookup key, so they cannot be
  tried; initials let a guard tell two records apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sitewarden.identifiers import normalise_plate

HIDDEN = "***"


def mask_plate(plate: str) -> str:
    """``浙A·12345`` -> ``浙A·***``: the issuing region, none of the serial."""
    compact = normalise_plate(plate)
    if len(compact) <= 4:
        return HIDDEN
    return f"{compact[:2]}·{HIDDEN}"


def mask_name(name: str) -> str:
    parts = name.split()
    if len(parts) > 1:
        return " ".join(part[0] + "*" * max(len(part) - 1, 1) for part in parts)
    return name[0] + "*" * max(len(name) - 1, 2) if name else HIDDEN


def mask_tail(value: str, keep: int = 2) -> str:
    """The last ``keep`` characters of a random reference (a person id), never of a
    number someone could enumerate."""
    return HIDDEN + value[-keep:] if len(value) > keep + 2 else HIDDEN


def mask_all(value: str) -> str:
    """Nothing of ``value``: for numbers whose every character narrows a search."""
    return HIDDEN


MASKS: dict[str, Callable[[str], str]] = {
    "plate": mask_plate,
    "person_name": mask_name,
    "national_id": mask_all,
    "phone": mask_all,
    "badge_id": mask_all,
}


def mask_personal(fields: dict[str, Any]) -> dict[str, Any]:
    """Each known field masked; images and unknown fields left out."""
    return {name: MASKS[name](str(value)) for name, value in fields.items() if name in MASKS}
