"""Plate reading for gate cameras: find text in a frame, keep what is a plate.

The model is PP-OCR (detection and recognition, Chinese and Latin characters) from
the ``rapidocr-onnxruntime`` wheel, which carries its ONNX files: nothing downloads at
run time (``vision/ocr.py`` runs them). The model only finds and reads text; which text
is a plate is decided by the site's plate formats (``vision/plate_formats.py``), which also
fix O/0 and I/1 by position. Text that fits no format is reported as no plate, with the
reason.

Reading takes up to six looks and stops at the first that gives a sure plate
(``plate_checks``: every character read surely, or two looks agreeing, and a colour
that fits the format). Text detection over the whole frame is most of the cost and
grows with the pixels, so the quick look detects on the frame scaled to 640 pixels on
its longer side (a plate a lane camera can read is still 30 or more pixels high there)
and recognises the boxes it finds cropped from the full frame. When that gives no sure
plate, the close look detects again at native resolution only around the text found;
when there is still none, the full look detects on the whole frame at full resolution
(small or distant plates), then the colour look reads the blue and yellow
plate-shaped rectangles of the frame (``plate_regions``: plates the detector missed or
boxed loosely, the top row of two-row plates), the plate detector's look the plates it
finds, and last the picture look recognises the unsure plate's box grown into a plate
picture whole, without detecting text in it (``plate_places``: the text detector's
tight box can cut a dark or small province; a frame that is itself a plate picture is
read whole). Formats decide at every look, so none
can settle for text that is not a plate, and a plate no look made sure is returned with
its doubt: the gate sends it to a person, it never acts on a guess.

A lane's camera sends a few frames of each car: the reads of the car's earlier frames
may settle an unsure read or dispute a sure one (``plate_bursts``).

Frames are decoded by ``vision/images.py`` in memory and dropped after the read: they
are never stored. A dark frame is brightened before the first look (``frame_levels``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from PIL import Image

from sitewarden.vision.frame_levels import brightened
from sitewarden.vision.plate_bursts import FrameRead, contradicting, disputed, settled
from sitewarden.vision.plate_candidates import (
    Box,
    PlateCandidate,
    TextLine,
    kept_scores,
    pick_plate,
    rank,
    recognised_lines,
)
from sitewarden.vision.plate_checks import Judged, colour_doubt, judge_looks, plate_colour
from sitewarden.vision.plate_cross_check import FirstText, check_second, chinese, contradicted
from sitewarden.vision.plate_formats import PlateFormat, PlateMatch, compact_plate, match_plate
from sitewarden.vision.plate_places import picture_places, regions_around, second_boxes
from sitewarden.vision.plate_regions import locate_plates, part_of

if TYPE_CHECKING:  # the OCR modules (OpenCV, 25 MB) are imported with the first frame
    from sitewarden.vision.ocr import PaddleOcr, Pixels, TextFound
    from sitewarden.vision.plate_second_reader import SecondReader

QUICK_SIDE = 640  # the first look's longer side, in pixels
MAX_ALTERNATIVES = 3  # other reads of an unsure plate offered to the person reviewing it
# How the colour look crops a plate-coloured rectangle (plate_regions): a margin around
# it (width, height factors), and the rows of a two-row plate as fractions of it (left,
# right, top, bottom): the top row's province and letter sit in its middle, between
# rivets that read as characters.
MARGIN = (1.1, 1.15)
TOP_ROW = (0.2, 0.8, 0.05, 0.38)
BOTTOM_ROW = (0.0, 1.0, 0.33, 1.0)


@dataclass(frozen=True, slots=True)
class FrameReading:
    """The best plate in a frame, or why there is none."""

    plate: PlateCandidate | None
    reason: str | None
    texts_seen: int
    elapsed_ms: float
    looks: int = 1  # detection passes: quick, then close (around text), then full
    doubt: str | None = None  # why the plate is not sure enough to act on; None: sure
    colour: str | None = None  # the plate's background: blue, yellow, lime, green or None
    # other plates the looks and readers read, for the review queue (unsure reads only)
    alternatives: tuple[PlateMatch, ...] = ()
    settleable: bool = False  # unsure only for its characters' confidence (plate_bursts)
    frames: int = 1  # frames of the car the read stands on: 2 or more once a burst settled it

    def frame_read(self, sure: bool) -> FrameRead | None:
        """The read as its lane remembers it for the car's next frames (``sure``: the
        gate acted on it)."""
        if self.plate is None:
            return None
        return FrameRead(self.plate.match.compact, self.plate.scores, sure, self.settleable)


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


class PlateReader:
    """One OCR engine per process, loaded on first use; reads are serialised.

    ``threads`` is onnxruntime's intra-op thread count (``None``: one per core this
    process may run on); ``quick_side`` the quick look's longer side (``None``: full
    resolution only)."""

    def __init__(self, threads: int | None = None, quick_side: int | None = QUICK_SIDE) -> None:
        self._threads = threads
        self._quick_side = quick_side
        self._ocr: PaddleOcr | None = None
        self._second: SecondReader | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the models now rather than on the first frame."""
        with self._lock:
            self._loaded()
            self._second_loaded()

    def _loaded(self) -> PaddleOcr:
        if self._ocr is None:
            from sitewarden.vision.ocr import PaddleOcr

            self._ocr = PaddleOcr(self._threads)
        return self._ocr

    def _second_loaded(self) -> SecondReader:
        if self._second is None:
            from sitewarden.vision.plate_second_reader import SecondReader

            self._second = SecondReader()
        return self._second

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
        from sitewarden.vision.ocr import crop_text

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
        boxes = [
            (int(q[:, 0].min()), int(q[:, 1].min()), int(q[:, 0].max()), int(q[:, 1].max()))
            for q in quads
        ]
        return [*inside, *recognised_lines(texts, boxes)]

    def read_located(self, pixels: Pixels) -> list[TextLine]:
        """The text of the plates the second reader's plate detector finds (Chinese
        plates the text detector missed: small ones in a dusk frame)."""
        from sitewarden.vision.ocr import crop_text

        with self._lock:
            boxes = self._second_loaded().locate(pixels)
            if not boxes:
                return []
            quads = [
                np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)
                for x0, y0, x1, y1 in boxes
            ]
            texts = self._loaded().recognise([crop_text(pixels, quad) for quad in quads])
        return recognised_lines(texts, boxes)

    def read_pictures(self, pixels: Pixels, places: Sequence[Box]) -> list[TextLine]:
        """Each place (a plate picture, ``plate_places.picture_places``) recognised
        whole as one line, without detecting text in it."""
        if not places:
            return []
        crops = [np.ascontiguousarray(pixels[y0:y1, x0:x1]) for x0, y0, x1, y1 in places]
        with self._lock:
            texts = self._loaded().recognise(crops)
        return recognised_lines(texts, places)

    def second_look(
        self,
        pixels: Pixels,
        judged: Judged | None,
        seen: Sequence[TextLine],
        boxes: Sequence[Box],
        formats: Sequence[PlateFormat],
    ) -> tuple[Judged | None, list[PlateMatch]]:
        """Where the first reader found no sure plate, the second reader reads the
        places it found text in, and may find one (``plate_cross_check``); with every
        plate it read, for the review queue."""
        if judged is not None and judged.doubt is None:
            return judged, []
        with self._lock:
            reader = self._second_loaded()
            reads = [reader.read(pixels, box) for box in boxes]
        first = [FirstText(compact_plate(line.text), tuple(kept_scores(line))) for line in seen]
        if judged is not None:
            first.append(FirstText(judged.plate.match.compact, judged.plate.char_scores))
        plates = chinese(formats)
        read_plates = [m for read in reads if read and (m := match_plate(read.text, plates))]
        checked = [c for read in reads if read and (c := check_second(read, first, formats))]
        checked.sort(key=lambda c: (c.doubt is None, min(c.char_scores, default=0)), reverse=True)
        if not checked or (judged is not None and checked[0].doubt is not None):
            return judged, read_plates
        best = checked[0]
        scores = best.char_scores
        plate = PlateCandidate(
            best.match,
            float(np.mean(scores)),
            best.read.box,
            scores if len(scores) == len(best.match.compact) else (),
        )
        colour = plate_colour(pixels, plate.box)
        doubt = colour_doubt(best.match.format, colour, best.doubt is None) or best.doubt
        return Judged(plate, doubt, colour), read_plates

    def second_opinion(
        self, pixels: Pixels, judged: Judged, formats: Sequence[PlateFormat]
    ) -> tuple[Judged, list[PlateMatch]]:
        """A Chinese plate the first reader is sure of, read again by the second reader
        in its box: doubted where the second surely reads a character otherwise
        (``plate_cross_check.contradicted``), with the second's plate for the review
        queue."""
        plates = chinese(formats)
        if judged.plate.match.format not in {f.name for f in plates}:
            return judged, []
        with self._lock:
            read = self._second_loaded().read(pixels, judged.plate.box)
        doubt = contradicted(judged.plate.match.compact, judged.plate.char_scores, read)
        if doubt is None or read is None:
            return judged, []
        other = match_plate(read.text, plates)
        return replace(judged, doubt=doubt, settleable=False), [other] if other else []

    def burst_judged(
        self,
        pixels: Pixels,
        judged: Judged,
        earlier: Sequence[FrameRead],
        formats: Sequence[PlateFormat],
    ) -> tuple[Judged, list[PlateMatch]]:
        """``judged`` with the ``earlier`` frames of the car at its lane
        (``plate_bursts``): a sure read they dispute is doubted, with the plates they
        read for the review queue; an unsure one they settle is sure, unless the second
        reader then contradicts it."""
        plate = judged.plate
        read = FrameRead(plate.match.compact, plate.scores, judged.doubt is None, judged.settleable)
        if read.sure:
            doubt = disputed(read, earlier)
            if doubt is None:
                return judged, []
            others = [match_plate(other.compact, formats) for other in contradicting(read, earlier)]
            return replace(judged, doubt=doubt), [match for match in others if match]
        frames = settled(read, earlier)
        if not frames:
            return judged, []
        judged = replace(judged, doubt=None, settleable=False, frames=frames)
        return self.second_opinion(pixels, judged, formats)

    def read_plate(
        self,
        image: Image.Image,
        formats: Sequence[PlateFormat],
        earlier: Sequence[FrameRead] | Callable[[], Sequence[FrameRead]] = (),
    ) -> FrameReading:
        """The surest plate in ``image`` that fits one of ``formats``, or why none.

        The quick look (reduced frame); while no read is sure (``plate_checks``), a close
        look around the text found, the full look, the colour look, and for Chinese
        formats the plate detector's look and the second reader. A read two looks agree
        on is sure; a sure Chinese plate is checked by the second reader
        (``second_opinion``). Last, the reads of the car's ``earlier`` frames at the
        lane may settle or dispute it (``burst_judged``); given as a function, they are
        asked for only then, so that a frame read while the car's previous one was
        still being read sees that one's read. A read that stays unsure is
        returned with its ``doubt`` and the other plates read (``alternatives``, for
        the review queue)."""
        from sitewarden.vision.ocr import detection_size

        started = time.perf_counter()
        pixels: Pixels = brightened(np.asarray(image))
        height, width = pixels.shape[:2]
        quick = self._quick_side
        if quick is not None and detection_size(height, width, quick) == detection_size(
            height, width, None
        ):
            quick = None  # a small frame: the quick look is the full look
        lines = self.read_lines(pixels, quick)
        seen = list(lines)
        reads = [pick_plate(lines, formats)]
        judged = judge_looks(pixels, reads)
        if lines and (judged is None or judged.doubt is not None):
            lines = self.read_regions(pixels, regions_around(lines, width, height))
            seen += lines
            reads.append(pick_plate(lines, formats))
            judged = judge_looks(pixels, reads)
        if quick is not None and (judged is None or judged.doubt is not None):
            lines = self.read_lines(pixels, None)
            seen += lines
            reads.append(pick_plate(lines, formats))
            judged = judge_looks(pixels, reads)
        if judged is None or judged.doubt is not None:
            coloured = self.read_coloured(pixels, lines)
            if coloured:
                lines = coloured
                seen += lines
                reads.append(pick_plate(lines, formats))
                judged = judge_looks(pixels, reads)
        located: list[TextLine] = []
        if chinese(formats) and (judged is None or judged.doubt is not None):
            located = self.read_located(pixels)
            if located:
                seen += located
                reads.append(pick_plate(located, formats))
                judged = judge_looks(pixels, reads)
        if judged is None or judged.doubt is not None:
            pictures = self.read_pictures(pixels, picture_places(judged, width, height))
            if pictures:
                seen += pictures
                reads.append(pick_plate(pictures, formats))
                judged = judge_looks(pixels, reads)
        looks = len(reads)
        second_reads: list[PlateMatch] = []
        if chinese(formats) and judged is not None and judged.doubt is None:
            judged, second_reads = self.second_opinion(pixels, judged, formats)
        elif chinese(formats):
            places = second_boxes(judged, located, seen)
            judged, second_reads = self.second_look(pixels, judged, seen, places, formats)
        if judged is not None:
            burst = earlier() if callable(earlier) else earlier
            if burst:
                judged, burst_reads = self.burst_judged(pixels, judged, burst, formats)
                second_reads += burst_reads
        elapsed = (time.perf_counter() - started) * 1000
        if judged is not None:
            others = () if judged.doubt is None else alternatives(judged, reads, second_reads)
            return FrameReading(
                judged.plate, None, len(lines), elapsed, looks, judged.doubt, judged.colour,
                others, judged.settleable, judged.frames,
            )  # fmt: skip
        if not lines:
            reason = "no text found in the frame"
        else:
            names = ", ".join(f.name for f in formats)
            reason = f"{len(lines)} text(s) found, none fits this site's plate formats ({names})"
        return FrameReading(None, reason, len(lines), elapsed, looks)


def alternatives(
    judged: Judged, reads: Sequence[PlateCandidate | None], second: Sequence[PlateMatch]
) -> tuple[PlateMatch, ...]:
    """The other plates the looks and the second reader read, surest first, each once."""
    ranked = [read.match for read in sorted((r for r in reads if r), key=rank, reverse=True)]
    found: dict[str, PlateMatch] = {}
    for match in [*ranked, *second]:
        if match.compact != judged.plate.match.compact:
            found.setdefault(match.compact, match)
    return tuple(found.values())[:MAX_ALTERNATIVES]
