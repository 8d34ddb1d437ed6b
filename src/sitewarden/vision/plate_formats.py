"""Plate formats and the normal form of plate text.

A format is a row of character classes, one per position, plus where the display
separator goes. Reading text against a format fixes the confusions an OCR model
makes by position only: ``O``/``Q`` read where a digit belongs becomes ``0``, ``I``
becomes ``1``, and the other way round where a letter belongs. Chinese plates use no
``I`` or ``O`` at all, so there every ``O`` is ``0`` and every ``I`` is ``1``.

Text that fits no format of the site is no plate: it is never guessed into one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sitewarden.errors import InvalidInput
from sitewarden.identifiers import normalise_plate

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
LETTERS_NO_IO = LETTERS.replace("I", "").replace("O", "")
# The last character of special Chinese plates: learner (学, yellow), trailer (挂,
# yellow), police (警), Hong Kong and Macau cars crossing over (港, 澳), consulates (领).
SPECIAL_SUFFIXES = "学挂警港澳领"

# Pattern letters for formats, built in or defined per site.
CLASSES: dict[str, str] = {
    "P": PROVINCES,  # Chinese province abbreviation
    "L": LETTERS,
    "X": LETTERS_NO_IO,  # letter, no I or O (Chinese plates)
    "D": DIGITS,
    "A": LETTERS + DIGITS,
    "Y": LETTERS_NO_IO + DIGITS,  # letter or digit, no I or O
    "E": "DF",  # new-energy class letter: D electric, F hybrid
    "S": SPECIAL_SUFFIXES,
}
# Where an OCR model puts one of these, the other is meant when the class needs it.
CONFUSIONS: dict[str, str] = {"O": "0", "Q": "0", "0": "O", "I": "1", "1": "I"}
SEPARATOR_CHARS = "·- "
_PATTERN = re.compile(r"^[PLXDAYES·\- ]{2,20}$")


@dataclass(frozen=True, slots=True)
class PlateFormat:
    """A plate layout, e.g. ``PX·YYYYY`` for the common Chinese plate."""

    name: str
    pattern: str
    description: str = ""

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(CLASSES[c] for c in self.pattern if c not in SEPARATOR_CHARS)

    def display(self, compact: str) -> str:
        """``浙A12345`` -> ``浙A·12345`` by the pattern's separators."""
        out: list[str] = []
        chars = iter(compact)
        for c in self.pattern:
            out.append(c if c in SEPARATOR_CHARS else next(chars))
        return "".join(out)


@dataclass(frozen=True, slots=True)
class PlateMatch:
    """Text read as a plate of one format."""

    compact: str  # normal form, the blind-indexed value: 浙A12345
    display: str  # as printed: 浙A·12345
    format: str
    fixes: int  # characters changed by position (O->0, I->1, ...)


BUILT_IN: dict[str, PlateFormat] = {
    f.name: f
    for f in (
        PlateFormat("cn", "PX·YYYYY", "China, blue and yellow plates: 浙A·12345"),
        PlateFormat("cn_ne", "PX·EYDDDD", "China, new-energy (green) cars: 粤B·D12345"),
        PlateFormat("cn_ne_large", "PX·DDDDDE", "China, new-energy large vehicles: 粤B·12345D"),
        PlateFormat("cn_special", "PX·YYYYS", "China, learner, trailer, police: 渝B·3587学"),
        PlateFormat("uk", "LLDD LLL", "United Kingdom: AB12 CDE"),
        PlateFormat("fr", "LL-DDD-LL", "France (SIV): AB-123-CD"),
    )
}
DEFAULT_FORMATS: tuple[str, ...] = ("cn", "cn_ne", "cn_ne_large", "cn_special")
# Chinese plates are coloured by kind: a read whose plate colour contradicts its format
# is not trusted (a green 8-character plate that lost a digit fits "cn", but is green).
FORMAT_COLOURS: dict[str, frozenset[str]] = {
    "cn": frozenset({"blue", "yellow"}),
    "cn_ne": frozenset({"green"}),
    "cn_ne_large": frozenset({"green", "yellow"}),  # yellow-green gradient
    "cn_special": frozenset({"blue", "yellow"}),
}


def check_pattern(name: str, pattern: str) -> PlateFormat:
    """A site-defined format; InvalidInput says what is wrong with it."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", name):
        raise InvalidInput(f"format name {name!r}: use 1-32 lowercase letters, digits or '_'")
    if not _PATTERN.match(pattern) or sum(c not in SEPARATOR_CHARS for c in pattern) < 2:
        raise InvalidInput(
            f"format pattern {pattern!r}: use the classes P (province), L (letter), "
            "X (letter but I/O), D (digit), A (letter or digit), Y (A but I/O), "
            "E (D or F), S (学挂警港澳领) and the separators '·', '-', ' '; at least 2 characters"
        )
    return PlateFormat(name, pattern)


def resolve_formats(names: Sequence[str], custom: Sequence[PlateFormat] = ()) -> list[PlateFormat]:
    """The formats a site reads, in its order of preference."""
    known = {**BUILT_IN, **{f.name: f for f in custom}}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise InvalidInput(
            f"unknown plate formats {unknown}; built in: {sorted(BUILT_IN)}, "
            f"defined for this site: {sorted(f.name for f in custom)}"
        )
    return [known[name] for name in names]


def fit(compact: str, plate_format: PlateFormat) -> PlateMatch | None:
    """``compact`` read as ``plate_format``, fixing confusions by position, or None."""
    classes = plate_format.classes
    if len(compact) != len(classes):
        return None
    out: list[str] = []
    fixes = 0
    for char, allowed in zip(compact, classes, strict=True):
        if char in allowed:
            out.append(char)
            continue
        swapped = CONFUSIONS.get(char)
        if swapped is None or swapped not in allowed:
            return None
        out.append(swapped)
        fixes += 1
    text = "".join(out)
    return PlateMatch(text, plate_format.display(text), plate_format.name, fixes)


def compact_plate(text: str) -> str:
    """The normal form (``privacy.normalise``) without the marks OCR reads off a plate's
    border and rivets: punctuation, symbols, spaces, control and combining characters."""
    return "".join(c for c in normalise_plate(text) if unicodedata.category(c)[0] not in "PSZCM")


def match_plate(text: str, formats: Sequence[PlateFormat]) -> PlateMatch | None:
    """The best reading of ``text`` among ``formats``: fewest fixes, then site order."""
    compact = compact_plate(text)
    best: PlateMatch | None = None
    for plate_format in formats:
        found = fit(compact, plate_format)
        if found is not None and (best is None or found.fixes < best.fixes):
            best = found
    return best
