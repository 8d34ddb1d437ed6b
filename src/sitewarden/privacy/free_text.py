"""Personal identifiers and refused categories hidden in free text.

Notes and free-text attributes are stored in the clear, so whatever identifies a person
or a phone must not slip in through them. The rule (docs/privacy.md):

- refused categories (sensitive traits, looks scores, watchlists) and raw MAC, IMSI or
  IMEI numbers are refused outright, as they are in their own fields (``events.refused``);
- personal identifiers (Chinese resident ID numbers, plates, phone numbers) are refused
  too, with a message that says where the value belongs: a sealed personal field.

What is found is named (``a Chinese resident ID number``), never echoed. ID numbers must
carry a valid check digit and birth date, IMEIs a valid Luhn digit, so ordinary numbers
(``Door 3B``, ``L2``, ``08:30``, ``¥12.50``, order numbers) pass.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sitewarden.events.refused import REFUSED_FIELDS

# The plate layouts the parking module reads; a leaf module of plain data, safe to use here.
from sitewarden.vision.plate_formats import BUILT_IN, CLASSES, SEPARATOR_CHARS

Category = Literal["refused", "identifier"]


@dataclass(frozen=True, slots=True)
class Finding:
    """Something in a text that may not be stored there."""

    what: str  # "a Chinese resident ID number": said to the sender, never the value
    category: Category
    advice: str


_RAW_ID_ADVICE = REFUSED_FIELDS["imsi"]
_ID_ADVICE = "an ID number belongs only in personal.national_id, where it is sealed"
_PHONE_ADVICE = "a phone number belongs only in personal.phone, where it is sealed"
# A word any refused term starts with, or the whole term run together ("skincolour").
_FIRST_WORDS = frozenset(
    word for name in REFUSED_FIELDS for word in (name.split("_")[0], name.replace("_", ""))
)
_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_DIGIT_RUN = re.compile(r"\d[\d \-]{13,}[\dX]")
_PROVINCE = re.compile(f"[{CLASSES['P']}]")
_CLEAN: dict[str, None] = {}  # texts found clean, bounded; a dict is safe across threads
_CLEAN_LIMIT = 20_000
_PLATE_ADVICE = "a plate belongs only in personal.plate (or a plate field), where it is sealed"

# Refused field names that are ordinary words too ("race condition", "health check",
# "disability bay", "Mac mini"): refused only as a label, "race: ...", "health=...".
_LABEL_ONLY = frozenset(
    {"race", "religion", "politics", "health", "health_condition", "disability", "beauty", "mac"}
)


def _term_pattern(name: str) -> str:
    words = [re.escape(word) for word in name.split("_")]
    return r"[\s_\-]?".join(words)


def _vocabulary(names: list[str]) -> re.Pattern[str]:
    """One pattern for every refused name, longest first; group ``t<i>`` is ``names[i]``."""
    alternatives = [
        f"(?P<t{index}>{_term_pattern(name)})" + (r"(?=\s*[:=])" if name in _LABEL_ONLY else "")
        for index, name in enumerate(names)
    ]
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])")


_REFUSED_NAMES = sorted(REFUSED_FIELDS, key=len, reverse=True)
_VOCABULARY = _vocabulary(_REFUSED_NAMES)
_MAC = re.compile(
    r"(?<![0-9a-f:\-])[0-9a-f]{2}([:\-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}(?![0-9a-f])"
    r"|(?<![0-9a-f.])[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}(?![0-9a-f])"
)
# Overlapping candidates (a lookahead at every start): a failed check must not hide a
# real number that starts one digit later. Separators only as people group the digits:
# ID numbers 6-8-4 or 4-4-4-4-2, IMEIs 2-6-6-1.
_S = "[ \\-]"
_ID_CANDIDATE = re.compile(
    rf"(?<!\d)(?=(\d{{17}}[\dX]|\d{{6}}{_S}\d{{8}}{_S}\d{{3}}[\dX]"
    rf"|\d{{4}}{_S}\d{{4}}{_S}\d{{4}}{_S}\d{{4}}{_S}\d[\dX])(?![\dX]))"
)
_DIGITS_15 = re.compile(rf"(?<!\d)(?=(\d{{15}}|\d{{2}}{_S}\d{{6}}{_S}\d{{6}}{_S}\d)(?!\d))")
_PHONES = (
    # Chinese mobile, with or without +86 / 0086: 138 1234 5678, +86-138-1234-5678
    re.compile(
        r"(?<![A-Za-z\d+])(?:(?:\+|00)86[ \-]?)?1[3-9]\d(?:\d{8}|([ \-])\d{4}\1\d{4})(?!\d)"
    ),
    # Chinese landline with its area code: 010-12345678, (0571) 8765 4321
    re.compile(r"(?<!\d)\(?0\d{2,3}\)?[ \-]\d{3,4}[ \-]?\d{4}(?!\d)"),
    # any number in international form: +44 20 7946 0958
    re.compile(r"(?<![\w+])\+[1-9]\d{0,2}(?:[ \-]?\d){7,13}(?!\d)"),
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def _plate_regex(chinese: bool) -> re.Pattern[str]:
    """The built-in layouts as one pattern. A Chinese plate starts with a province
    character, rare enough in text that any case and separator count; a European one is
    taken only in capitals with its own separator or none ("AB12 CDE", "AB-123-CD"), so
    "at 100 at" is no French plate."""
    layouts = []
    for plate_format in BUILT_IN.values():
        if plate_format.pattern.startswith("P") is not chinese:
            continue
        parts = []
        for char in plate_format.pattern:
            if char in SEPARATOR_CHARS:
                parts.append(r"[·\- ]?" if chinese else f"{re.escape(char)}?")
            else:
                parts.append("[" + re.escape(CLASSES[char]) + "]")
        layouts.append("".join(parts))
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(layouts) + r")(?![A-Za-z0-9])")


_CHINESE_PLATE = _plate_regex(chinese=True)
_EUROPEAN_PLATE = _plate_regex(chinese=False)


def id_number_valid(text: str) -> bool:
    """A Chinese resident ID number (18 characters): valid birth date and check digit."""
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if born.year < 1900:
        return False
    total = sum(int(digit) * weight for digit, weight in zip(text, _ID_WEIGHTS, strict=False))
    return _ID_CHECK[total % 11] == text[17]


def luhn_valid(digits: str) -> bool:
    """The Luhn check an IMEI's last digit carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _candidates(pattern: re.Pattern[str], text: str) -> Iterator[str]:
    for match in pattern.finditer(text):
        yield re.sub(r"[ \-]", "", match.group(1))


def find_all(text: str) -> list[Finding]:
    """Everything in ``text`` that may not be stored in free text, refused kinds first.

    Cheap tests come first (a word of the vocabulary, a digit, a province character), so
    that ordinary text costs a few microseconds on the ingest path."""
    folded = unicodedata.normalize("NFKC", text)
    lower = folded.lower()
    found: list[Finding] = []
    if not _FIRST_WORDS.isdisjoint(_WORD.findall(lower)):
        term = _VOCABULARY.search(lower)
        if term is not None and term.lastgroup is not None:
            name = _REFUSED_NAMES[int(term.lastgroup[1:])]
            what = f"the refused term '{name.replace('_', ' ')}'"
            found.append(Finding(what, "refused", REFUSED_FIELDS[name]))
    if (":" in lower or "-" in lower or "." in lower) and _MAC.search(lower):
        found.append(Finding("a MAC address", "refused", _RAW_ID_ADVICE))
    digits = len(_DIGIT.findall(folded))
    if digits >= 15:
        found.extend(_long_numbers(folded.upper()))
    if digits >= 8 and any(pattern.search(folded) for pattern in _PHONES):
        found.append(Finding("a phone number", "identifier", _PHONE_ADVICE))
    if (_PROVINCE.search(folded) and _CHINESE_PLATE.search(folded.upper())) or (
        digits and _EUROPEAN_PLATE.search(folded)
    ):
        found.append(Finding("a licence plate", "identifier", _PLATE_ADVICE))
    return found


def _long_numbers(upper: str) -> Iterator[Finding]:
    """IMEI, IMSI and ID numbers among the runs of digits (with separators) in ``upper``."""
    for run in _DIGIT_RUN.finditer(upper):
        for number in _candidates(_DIGITS_15, run.group()):
            if luhn_valid(number):
                yield Finding("an IMEI number", "refused", _RAW_ID_ADVICE)
            elif number.startswith(("460", "461")):  # China's mobile country codes
                yield Finding("an IMSI number", "refused", _RAW_ID_ADVICE)
        if any(id_number_valid(c) for c in _candidates(_ID_CANDIDATE, run.group())):
            yield Finding("a Chinese resident ID number", "identifier", _ID_ADVICE)


def find_in_text(text: str) -> Finding | None:
    """The first thing in ``text`` that may not be stored there, or None.

    Texts found clean are remembered (door names, lanes and reasons repeat in every
    event of a device); texts with findings are not, so no identifier stays in memory."""
    if text in _CLEAN:
        return None
    found = find_all(text)
    if found:
        return found[0]
    if len(_CLEAN) >= _CLEAN_LIMIT:
        _CLEAN.clear()
    _CLEAN[text] = None
    return None


def refusal(field: str, finding: Finding) -> str:
    """The sentence a sender reads: names the field and what was found, not the value."""
    return f"field '{field}' refused: it holds {finding.what}; {finding.advice}"


def find_in_fields(
    values: dict[str, Any], prefix: str = "", skip: frozenset[str] = frozenset()
) -> tuple[str, Finding] | None:
    """The first ``(dotted field, finding)`` among the strings of ``values`` (nested),
    leaving out the top-level fields named in ``skip``."""
    for key, value in values.items():
        if key in skip:
            continue
        if isinstance(value, str):
            if value in _CLEAN:  # the common case on the ingest path: a known door or lane
                continue
            finding = find_in_text(value)
            if finding is not None:
                return (f"{prefix}.{key}" if prefix else key), finding
        elif isinstance(value, list | dict):
            for path, text in _strings(value, f"{prefix}.{key}" if prefix else key):
                finding = find_in_text(text)
                if finding is not None:
                    return path, finding
    return None


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{where}.{key}")


def note_validator(text: str | None) -> str | None:
    """For pydantic field validators on operator notes: ValueError names what was found."""
    if text is None:
        return None
    finding = find_in_text(text)
    if finding is not None:
        if finding.category == "refused":
            raise ValueError(f"holds {finding.what}; {finding.advice}")
        raise ValueError(
            f"holds {finding.what}; notes are stored in the clear, so keep plates, ID and "
            "phone numbers out of them (a record's own plate or person fields seal them)"
        )
    return text
