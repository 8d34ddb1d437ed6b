"""Two recognisers checking each other on Chinese plates.

The first reader (PP-OCR, ``vision/ocr.py``) reads any text; the second
(``plate_second_reader``) reads only plates. Their mistakes differ: PP-OCR loses or
misreads the province of small plates, the second reader misreads provinces and letters
of plates it straightens badly. So:

- a 7-character read the first reader is sure of stands unless the second reader
  reads its province otherwise, surely, a character the first read under 0.9
  otherwise, or a special plate's suffix (学, 挂...) where the first read a digit
  (``contradicted``): PP-OCR reads a small 陕 as 皖 at 0.99, which no rule of its own
  can doubt. The second reader judges no character the first read at 0.9 or more
  but the province: on rendered plates in other fonts it misreads letters and digits
  at 0.86-0.98;
- a plate the first reader was unsure of, or found no plate in, is accepted when the
  two reads agree character by character (``fused``): at least five characters alike,
  each sure in one of the two, and where they differ one reader sure and the other
  not (PP-OCR's lost province filled in by the second reader, its ``N`` read unsurely
  where the second surely read ``W``), but never a special plate's suffix overruled;
- any other plate only the second reader found goes to review.

Measured on the 100 development photos and two re-saved copies of each: every read of
the second reader's that fits a format and is wrong has a character under 0.4; in the
plates it helped settle, each character was at 0.82 or more in the surer reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sitewarden.vision.plate_checks import AGREED_SURE
from sitewarden.vision.plate_formats import (
    CLASSES,
    PROVINCES,
    SPECIAL_SUFFIXES,
    PlateFormat,
    PlateMatch,
    match_plate,
)

if TYPE_CHECKING:  # the second reader's module loads OpenCV, with the first frame
    from sitewarden.vision.plate_second_reader import SecondRead

WINS = 0.85  # a character one reader is this sure of beats the other's unsure one
# A character of a sure read the first reader read under this, the second may contradict
# (``contradicted``). Copies of the development photos scaled to 70 % or blurred had
# PP-OCR read Z as 2 at 0.76-0.84 and 学 as 9 at 0.77; on 1,300 real and 480 rendered
# reads no right read had a character there that the second reader read otherwise.
JUDGED_BELOW = 0.9
ENOUGH_AGREED = 5  # characters both readers must read alike
SHOWN_BELOW = 0.5  # a plate only the second reader found, less sure than this, is noise
LIKE_DIGITS = str.maketrans("OI", "01")  # Chinese plates carry no O or I
LETTERS = frozenset(CLASSES["X"])
Scored = list[tuple[str, float]]  # characters and their confidences; "" pads


@dataclass(frozen=True, slots=True)
class FirstText:
    """A text the first reader saw: compact, with a confidence per character (empty
    when they do not line up with the characters)."""

    compact: str
    char_scores: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Checked:
    """A plate of the second reader's, its characters' confidences (each at the surer
    reader), and why it is unsure (None: sure)."""

    read: SecondRead
    match: PlateMatch
    char_scores: tuple[float, ...]
    doubt: str | None


def chinese(formats: Sequence[PlateFormat]) -> list[PlateFormat]:
    """The formats the second reader can read: those that start with a province."""
    return [f for f in formats if f.classes and f.classes[0] == PROVINCES]


def _suffix_seen(char: str, score: float) -> bool:
    """A special plate's last character (学, 挂, 警...) read clearly enough to count: it
    makes the plate another kind, so neither reader may overrule it with a digit."""
    return char in SPECIAL_SUFFIXES and score >= SHOWN_BELOW


def _fitting(position: int, char: str, score: float) -> float:
    """``score``, or 0 where ``char`` cannot stand: every Chinese plate starts with a
    province and a letter."""
    if (position == 0 and char not in PROVINCES) or (position == 1 and char not in LETTERS):
        return 0.0
    return score


def _alignments(a: Scored, b: Scored) -> list[tuple[Scored, Scored]]:
    """The two reads side by side; one a character short is padded at either end (the
    first reader loses a small province, the second a last character)."""
    pad = [("", 0.0)]
    if len(a) == len(b):
        return [(a, b)]
    if len(a) + 1 == len(b):
        return [(pad + a, b), (a + pad, b)]
    if len(b) + 1 == len(a):
        return [(a, pad + b), (a, b + pad)]
    return []


def fused(first: FirstText, second: SecondRead) -> tuple[str, tuple[float, ...]] | None:
    """The text both readers support, character by character, with each character's
    confidence at the surer reader; None when they contradict each other.

    Where they differ, the character one reader is sure of (``WINS``) stands if the
    other was unsure of its own (under ``AGREED_SURE``) and was no special plate's
    suffix (学 read at 0.57 is still a learner plate, not the 7 PP-OCR read at 0.94);
    any other difference is a contradiction. At least ``ENOUGH_AGREED`` characters
    must be read alike."""
    if len(first.char_scores) != len(first.compact):
        return None
    a = list(zip(first.compact.translate(LIKE_DIGITS), first.char_scores, strict=True))
    b = list(zip(second.text, second.char_scores, strict=True))
    best: tuple[int, str, tuple[float, ...]] | None = None
    for left, right in _alignments(a, b):
        chars: list[str] = []
        scores: list[float] = []
        agreed = 0
        for position, ((char_a, score_a), (char_b, score_b)) in enumerate(
            zip(left, right, strict=True)
        ):
            score_a = _fitting(position, char_a, score_a)
            score_b = _fitting(position, char_b, score_b)
            if char_a == char_b:
                agreed += 1
                chars.append(char_a)
                scores.append(max(score_a, score_b))
                continue
            (char, sure), (lost, other) = sorted(
                ((char_a, score_a), (char_b, score_b)), key=lambda c: -c[1]
            )
            if sure < WINS or other >= AGREED_SURE or _suffix_seen(lost, other):
                break
            chars.append(char)
            scores.append(sure)
        else:
            if agreed >= ENOUGH_AGREED and (best is None or agreed > best[0]):
                best = (agreed, "".join(chars), tuple(scores))
    return None if best is None else best[1:]


def contradicted(plate: str, char_scores: Sequence[float], second: SecondRead | None) -> str | None:
    """Why the second reader's read of the box of a 7-character plate the first reader
    was sure of contradicts it, or None when it does not.

    Reads of one length are compared character by character. A difference counts in
    the province when the second reader is sure of its own (``WINS``: PP-OCR reads a
    small 陕 as 皖 at 0.99, the second reader, trained on plates, knows provinces),
    anywhere when the first reader's character was under ``JUDGED_BELOW`` and the
    second reader's reached ``AGREED_SURE``, and in the last place when the second
    reader reads a special plate's suffix there.
    Eight-character green plates are not judged: the second reader was not made for
    them. The reason names no character: it travels in clear."""
    if second is None or len(plate) != 7 or len(second.text) != 7 or len(char_scores) != 7:
        return None
    pairs = zip(plate.translate(LIKE_DIGITS), second.text, strict=True)
    for position, (mine, theirs) in enumerate(pairs):
        if mine == theirs:
            continue
        score = second.char_scores[position]
        if (
            (position == 0 and score >= WINS)
            or (char_scores[position] < JUDGED_BELOW and score >= AGREED_SURE)
            or _suffix_seen(theirs, score)
        ):
            return f"the second reader reads character {position + 1} otherwise, at {score:.2f}"
    return None


def check_second(
    second: SecondRead, first: Sequence[FirstText], formats: Sequence[PlateFormat]
) -> Checked | None:
    """The second reader's plate, sure when a text of the first reader's supports it
    (``fused``); None when it fits no format or is too unsure to show anyone."""
    plates = chinese(formats)
    for text in first:
        both = fused(text, second)
        match = match_plate(both[0], plates) if both else None
        if both and match and min(both[1]) >= AGREED_SURE:
            return Checked(second, match, both[1], None)
    match = match_plate(second.text, plates)
    if match is None or second.least_sure < SHOWN_BELOW:
        return None
    doubt = f"the second reader alone, least sure character at {second.least_sure:.2f}"
    return Checked(second, match, second.char_scores, doubt)
