"""Which text lines of a frame are a plate: read against the site's formats.

The OCR model reads every text it finds (shop signs, dates burned into the frame, parts
of a plate); a line is a plate only when it fits one of the site's formats
(``plate_formats``), after trimming a border stroke read as a character, or when two
lines sit like the two rows or halves of one plate and fit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, compact_plate, match_plate

BORDER = frozenset("JI1|[]")
Box = tuple[int, int, int, int]  # left, top, right, bottom in frame pixels


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, right, bottom in frame pixels
    char_scores: tuple[float, ...] = ()  # the recogniser's, one per character of text


@dataclass(frozen=True, slots=True)
class PlateCandidate:
    match: PlateMatch
    confidence: float
    box: tuple[int, int, int, int]
    char_scores: tuple[float, ...] = ()  # one per character of match.compact

    @property
    def least_sure(self) -> float:
        """The confidence of the plate's least sure character."""
        return min(self.char_scores, default=self.confidence)

    @property
    def scores(self) -> tuple[float, ...]:
        """One confidence per character: the characters' own, or where they are not
        known, the least sure for each."""
        return self.char_scores or (self.least_sure,) * len(self.match.compact)


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - width * height
    return width * height / max(union, 1)


def rank(candidate: PlateCandidate) -> tuple[float, int]:
    """Surer first; every position fix costs 0.05 and breaks ties."""
    return candidate.confidence - 0.05 * candidate.match.fixes, -candidate.match.fixes


def _joined(a: TextLine, b: TextLine) -> tuple[int, int, int, int] | None:
    """The box of ``a`` then ``b`` if they sit like the two parts of one plate."""
    height = max(a.box[3] - a.box[1], b.box[3] - b.box[1], 1)
    side_by_side = abs(a.box[1] - b.box[1]) < height * 0.6 and 0 <= b.box[0] - a.box[2] < height
    # the rows of a two-row plate are close: their boxes may overlap by most of the top
    # row (a detected lower row's box runs high; 粤AB2893 on a real photo, by 0.6 of it)
    top_height = a.box[3] - a.box[1]
    stacked = -top_height * 0.75 <= b.box[1] - a.box[3] < height and abs(
        (a.box[0] + a.box[2]) - (b.box[0] + b.box[2])
    ) < (b.box[2] - b.box[0])
    if not (side_by_side or stacked):
        return None
    return (
        min(a.box[0], b.box[0]),
        min(a.box[1], b.box[1]),
        max(a.box[2], b.box[2]),
        max(a.box[3], b.box[3]),
    )


def kept_scores(line: TextLine) -> list[float]:
    """The line's character confidences for the characters its plate text keeps."""
    if len(line.char_scores) != len(line.text):
        return [line.confidence] * len(compact_plate(line.text))
    return [
        score
        for char, score in zip(line.text, line.char_scores, strict=True)
        for _ in compact_plate(char)
    ]


def _read_as_plate(line: TextLine, formats: Sequence[PlateFormat]) -> PlateCandidate | None:
    """``line`` as a plate; failing that, without one border stroke read as a character
    at either end (the model reads a plate's frame beside 川 or 1 as ``J``, ``I`` or ``|``).
    The rest must still fit a format exactly; a trim counts as a fix."""
    scores = kept_scores(line)
    match = match_plate(line.text, formats)
    if match is not None:
        return PlateCandidate(match, line.confidence, line.box, _aligned(scores, match))
    stripped = line.text.strip()
    for edge, trimmed, kept in (
        (stripped[:1], stripped[1:], scores[1:]),
        (stripped[-1:], stripped[:-1], scores[:-1]),
    ):
        if edge and edge in BORDER:
            match = match_plate(trimmed, formats)
            if match is not None:
                match = replace(match, fixes=match.fixes + 1)
                return PlateCandidate(match, line.confidence, line.box, _aligned(kept, match))
    return None


def _aligned(scores: Sequence[float], match: PlateMatch) -> tuple[float, ...]:
    return tuple(scores) if len(scores) == len(match.compact) else ()


def pick_plate(lines: Sequence[TextLine], formats: Sequence[PlateFormat]) -> PlateCandidate | None:
    """The surest text that fits a format; two-row and split plates are joined first."""
    found: list[PlateCandidate] = []
    for line in lines:
        candidate = _read_as_plate(line, formats)
        if candidate is not None:
            found.append(candidate)
    if not found:
        for a in lines[:20]:
            for b in lines[:20]:
                box = _joined(a, b) if a is not b else None
                match = match_plate(a.text + b.text, formats) if box else None
                if match is not None and box is not None:
                    scores = _aligned(kept_scores(a) + kept_scores(b), match)
                    # a row read with its rivets and separator is no less sure of its
                    # characters: the joined plate counts the characters it keeps
                    confidence = (
                        float(np.mean(scores)) if scores else min(a.confidence, b.confidence)
                    )
                    found.append(PlateCandidate(match, confidence, box, scores))
    if not found:
        return None
    return max(found, key=rank)


def recognised_lines(
    texts: Sequence[tuple[str, tuple[float, ...]]], boxes: Sequence[Box]
) -> list[TextLine]:
    """Crops recognised (``PaddleOcr.recognise``) as text lines at ``boxes``; the ones
    the recogniser is unsure of (mean under ``MIN_TEXT_SCORE``) are dropped."""
    from sitewarden.vision.ocr import MIN_TEXT_SCORE

    return [
        TextLine(text, float(np.mean(scores)), box, scores)
        for (text, scores), box in zip(texts, boxes, strict=True)
        if scores and float(np.mean(scores)) >= MIN_TEXT_SCORE
    ]
