"""Plate reading for gate cameras: find text in a frame, keep what is a plate.

The model is PP-OCR (detection and recognition, Chinese and Latin characters) from
the ``rapidocr-onnxruntime`` wheel, which carries its ONNX files: nothing downloads at
run time (``vision/ocr.py`` runs them). The model only finds and reads text; which text
is a plate is decided by the site's plate formats (``vision/plate_formats.py``), which also
fix O/0 and I/1 by position. Text that fits no format is reported as no plate, with the
reason.

Reading takes up to four looks and stops at the first that gives a sure plate
(``plate_checks``: every character read surely, or two looks agreeing, and a colour
that fits the format). Text detection over the whole frame is most of the cost and
grows with the pixels, so the quick look detects on the frame scaled to 640 pixels on
its longer side (a plate a lane camera can read is still 30 or more pixels high there)
and recognises the boxes it finds cropped from the full frame. When that gives no sure
plate, the close look detects again at native resolution only around the text found;
when there is still none, the full look detects on the whole frame at full resolution
(small or distant plates), and last the colour look reads the blue and yellow
plate-shaped rectangles of the frame (``plate_regions``: plates the detector missed or
boxed loosely, the top row of two-row plates). Formats decide at every look, so none
can settle for text that is not a plate, and a plate no look made sure is returned with
its doubt: the gate sends it to a person, it never acts on a guess.

Frames are decoded by ``vision/images.py`` in memory and dropped after the read: they
are never stored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

from sitewarden.vision.plate_checks import colour_doubt, plate_colour, read_doubt, surest_characters
from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, compact_plate, match_plate
from sitewarden.vision.plate_regions import locate_plates, part_of

if TYPE_CHECKING:  # the OCR module (OpenCV, 25 MB) is imported with the first frame
    from sitewarden.vision.ocr import PaddleOcr, Pixels, TextFound

BORDER = frozenset("JI1|[]")
QUICK_SIDE = 640  # the first look's longer side, in pixels
MAX_REGIONS = 8  # text lines of the quick look worth a close look
# How the colour look crops a plate-coloured rectangle (plate_regions): a margin around
# it (width, height factors), and the rows of a two-row plate as fractions of it (left,
# right, top, bottom): the top row's province and letter sit in its middle, between
# rivets that read as characters.
MARGIN = (1.1, 1.15)
TOP_ROW = (0.2, 0.8, 0.05, 0.38)
BOTTOM_ROW = (0.0, 1.0, 0.33, 1.0)


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


@dataclass(frozen=True, slots=True)
class FrameReading:
    """The best plate in a frame, or why there is none."""

    plate: PlateCandidate | None
    reason: str | None
    texts_seen: int
    elapsed_ms: float
    looks: int = 1  # detection passes: quick, then close (around text), then full
    doubt: str | None = None  # why the plate is not sure enough to act on; None: sure
    colour: str | None = None  # the plate's background: blue, yellow, green or None


Box = tuple[int, int, int, int]  # left, top, right, bottom in frame pixels


def _centre_in(box: Box, quad: npt.NDArray[np.float32]) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return bool(
        quad[:, 0].min() <= x <= quad[:, 0].max() and quad[:, 1].min() <= y <= quad[:, 1].max()
    )


def _line(found: TextFound, left: int = 0, top: int = 0) -> TextLine:
    """A text line in frame pixels; ``left``, ``top``: where the region read starts."""
    xs, ys = found.quad[:, 0], found.quad[:, 1]
    box = (int(xs.min()) + left, int(ys.min()) + top, int(xs.max()) + left, int(ys.max()) + top)
    return TextLine(found.text, found.score, box, found.char_scores)


def regions_around(lines: Sequence[TextLine], width: int, height: int) -> list[Box]:
    """Where to look closer: each line's box grown by its height on every side (room for
    a plate's other row or a border the quick look cut), overlapping ones merged."""
    regions: list[Box] = []
    for line in lines[:MAX_REGIONS]:
        left, top, right, bottom = line.box
        margin = max(bottom - top, 8)
        grown = (
            max(left - margin, 0),
            max(top - margin, 0),
            min(right + margin, width),
            min(bottom + margin, height),
        )
        for other in list(regions):
            if (
                grown[0] < other[2]
                and other[0] < grown[2]
                and grown[1] < other[3]
                and (other[1] < grown[3])
            ):
                regions.remove(other)
                grown = (
                    min(grown[0], other[0]),
                    min(grown[1], other[1]),
                    max(grown[2], other[2]),
                    max(grown[3], other[3]),
                )
        regions.append(grown)
    return regions


def _rank(candidate: PlateCandidate) -> tuple[float, int]:
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


def _kept_scores(line: TextLine) -> list[float]:
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
    scores = _kept_scores(line)
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
                    scores = _aligned(_kept_scores(a) + _kept_scores(b), match)
                    # a row read with its rivets and separator is no less sure of its
                    # characters: the joined plate counts the characters it keeps
                    confidence = (
                        float(np.mean(scores)) if scores else min(a.confidence, b.confidence)
                    )
                    found.append(PlateCandidate(match, confidence, box, scores))
    if not found:
        return None
    return max(found, key=_rank)


class PlateReader:
    """One OCR engine per process, loaded on first use; reads are serialised.

    ``threads`` is onnxruntime's intra-op thread count (``None``: one per core this
    process may run on); ``quick_side`` the quick look's longer side (``None``: full
    resolution only)."""

    def __init__(self, threads: int | None = None, quick_side: int | None = QUICK_SIDE) -> None:
        self._threads = threads
        self._quick_side = quick_side
        self._ocr: PaddleOcr | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the models now rather than on the first frame."""
        with self._lock:
            self._loaded()

    def _loaded(self) -> PaddleOcr:
        if self._ocr is None:
            from sitewarden.vision.ocr import PaddleOcr

            self._ocr = PaddleOcr(self._threads)
        return self._ocr

    def read_lines(self, pixels: Pixels, max_side: int | None) -> list[TextLine]:
        """The text lines in ``pixels`` (RGB) with detection at ``max_side`` (``None``:
        full resolution)."""
        with self._lock:
            found = self._loaded().read(pixels, max_side)
        return [_line(text) for text in found]

    def read_regions(self, pixels: Pixels, regions: Sequence[Box]) -> list[TextLine]:
        """The text lines in each region of ``pixels``, detected at native resolution."""
        lines: list[TextLine] = []
        with self._lock:
            ocr = self._loaded()
            for left, top, right, bottom in regions:
                region = pixels[top:bottom, left:right]
                found = ocr.read(region, max(region.shape[:2]))
                lines.extend(_line(text, left, top) for text in found)
        return lines

    def read_coloured(self, pixels: Pixels, seen: Sequence[TextLine]) -> list[TextLine]:
        """The text of the blue and yellow plate-shaped rectangles in ``pixels``, each
        straightened and recognised as it is and with a margin (the two crops misread
        differently); a yellow one shaped like a two-row plate also row by row, with the
        lines ``seen`` by earlier looks inside it (its lower row, when the rectangle's
        bottom part catches an overlay beside the plate)."""
        from sitewarden.vision.ocr import MIN_TEXT_SCORE, crop_text

        quads = []
        inside: list[TextLine] = []
        for region in locate_plates(pixels):
            plate = region.quad()
            quads += [plate, region.quad(*MARGIN)]
            if region.two_rows:
                quads += [part_of(plate, *TOP_ROW), part_of(plate, *BOTTOM_ROW)]
                inside += [line for line in seen if _centre_in(line.box, plate)]
        if not quads:
            return []
        with self._lock:
            texts = self._loaded().recognise([crop_text(pixels, quad) for quad in quads])
        lines = list(inside)
        for (text, scores), quad in zip(texts, quads, strict=True):
            if scores and float(np.mean(scores)) >= MIN_TEXT_SCORE:
                box = (
                    int(quad[:, 0].min()),
                    int(quad[:, 1].min()),
                    int(quad[:, 0].max()),
                    int(quad[:, 1].max()),
                )
                lines.append(TextLine(text, float(np.mean(scores)), box, scores))
        return lines

    def read_plate(self, image: Image.Image, formats: Sequence[PlateFormat]) -> FrameReading:
        """The surest plate in ``image`` that fits one of ``formats``, or why none.

        The quick look (reduced frame); while no read is sure (``plate_checks``), a close
        look around the text found, then the full look. A read two looks agree on is
        sure; a read that stays unsure is returned with its ``doubt``."""
        from sitewarden.vision.ocr import detection_size

        started = time.perf_counter()
        pixels: Pixels = np.asarray(image)
        height, width = pixels.shape[:2]
        quick = self._quick_side
        if quick is not None and detection_size(height, width, quick) == detection_size(
            height, width, None
        ):
            quick = None  # a small frame: the quick look is the full look
        lines = self.read_lines(pixels, quick)
        reads = [pick_plate(lines, formats)]
        judged = judge_looks(pixels, reads)
        if lines and (judged is None or judged.doubt is not None):
            lines = self.read_regions(pixels, regions_around(lines, width, height))
            reads.append(pick_plate(lines, formats))
            judged = judge_looks(pixels, reads)
        if quick is not None and (judged is None or judged.doubt is not None):
            lines = self.read_lines(pixels, None)
            reads.append(pick_plate(lines, formats))
            judged = judge_looks(pixels, reads)
        if judged is None or judged.doubt is not None:
            coloured = self.read_coloured(pixels, lines)
            if coloured:
                lines = coloured
                reads.append(pick_plate(lines, formats))
                judged = judge_looks(pixels, reads)
        elapsed = (time.perf_counter() - started) * 1000
        looks = len(reads)
        if judged is not None:
            return FrameReading(
                judged.plate, None, len(lines), elapsed, looks, judged.doubt, judged.colour
            )
        if not lines:
            reason = "no text found in the frame"
        else:
            names = ", ".join(f.name for f in formats)
            reason = f"{len(lines)} text(s) found, none fits this site's plate formats ({names})"
        return FrameReading(None, reason, len(lines), elapsed, looks)


@dataclass(frozen=True, slots=True)
class Judged:
    plate: PlateCandidate
    doubt: str | None
    colour: str | None


def judge_looks(pixels: Pixels, reads: Sequence[PlateCandidate | None]) -> Judged | None:
    """The plate the looks so far support, and why it is unsure (None: sure).

    A sure read beats an unsure one; among equals, more agreeing looks, then ``_rank``."""
    # A look that saw exactly what another saw (same box, same scores: on a small frame
    # the close look is the quick look again) is not a second look.
    found = list({(read.box, read.char_scores): read for read in reads if read}.values())
    judged: list[tuple[bool, int, tuple[float, int], Judged]] = []
    for read in found:
        colour = plate_colour(pixels, read.box)
        alike = [other for other in found if other.match.compact == read.match.compact]
        agreeing = len(alike)
        least_sure = surest_characters(
            [other.char_scores or (other.least_sure,) * len(read.match.compact) for other in alike]
        )
        doubt = read_doubt(least_sure, agreeing, colour_doubt(read.match.format, colour))
        judged.append((doubt is None, agreeing, _rank(read), Judged(read, doubt, colour)))
    if not judged:
        return None
    return max(judged, key=lambda item: item[:3])[3]
