"""Normal forms of personal values, so that equal things index equally.

``浙A·12345``, ``浙A12345`` and ``浙Ａ－１２３４５`` are one plate; ``1101 0519 4901 0112 3X``
and ``11010519490101123x`` one ID number.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s·•・.\-_/]+")


def normalise_plate(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).upper()
    return _SEPARATORS.sub("", folded)


def normalise_id_number(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).upper()
    return re.sub(r"[\s\-]+", "", folded)


def normalise_phone(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text)
    digits = re.sub(r"[^\d+]", "", folded)
    return digits.removeprefix("+86") if digits.startswith("+86") else digits


def normalise_badge(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().upper()


NORMALISERS = {
    "plate": normalise_plate,
    "national_id": normalise_id_number,
    "phone": normalise_phone,
    "badge_id": normalise_badge,
}
