"""Masked forms of personal fields, for roles that may see that someone was there
but not who: ``浙A·12345`` -> ``浙A·***45``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sitewarden.privacy.normalise import normalise_plate

HIDDEN = "***"


def mask_plate(plate: str) -> str:
    compact = normalise_plate(plate)
    if len(compact) <= 4:
        return HIDDEN
    return f"{compact[:2]}·{HIDDEN}{compact[-2:]}"


def mask_name(name: str) -> str:
    parts = name.split()
    if len(parts) > 1:
        return " ".join(part[0] + "*" * max(len(part) - 1, 1) for part in parts)
    return name[0] + "*" * max(len(name) - 1, 2) if name else HIDDEN


def mask_tail(value: str, keep: int = 2) -> str:
    return HIDDEN + value[-keep:] if len(value) > keep + 2 else HIDDEN


MASKS: dict[str, Callable[[str], str]] = {
    "plate": mask_plate,
    "person_name": mask_name,
    "national_id": lambda value: mask_tail(value, 2),
    "phone": lambda value: mask_tail(value, 4),
    "badge_id": lambda value: mask_tail(value, 2),
}


def mask_personal(fields: dict[str, Any]) -> dict[str, Any]:
    """Each known field masked; images and unknown fields left out."""
    return {name: MASKS[name](str(value)) for name, value in fields.items() if name in MASKS}
