"""Plate reading for gate cameras: decode a frame safely, find text, keep what is a plate.

The model is PP-OCR (detection and recognition, Chinese and Latin characters) from
the ``rapidocr-onnxruntime`` wheel, which carries its ONNX files: nothing downloads at
run time. The model only finds and reads text; which text is a plate is decided by
the site's plate formats (``parking/formats.py``), which also fix O/0 and I/1 by
position. Text that fits no format is reported as no plate, with the reason.

Frames are decoded in memory and dropped after the read: they are never stored.
"""

from __future__ import annotations

import io
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from sitewarden.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from sitewarden.parking.formats import PlateFormat, PlateMatch, match_plate

MAX_FRAME_BYTES = 8 * 1024 * 1024
MAX_FRAME_PIXELS = 4096 * 4096  # 4K frames and a margin; more is a decompression bomb
MIN_FRAME_SIDE = 32
FRAME_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
BORDER = frozenset("JI1|[]")


def decode_frame(data: bytes, content_type: str) -> Image.Image:
    """An RGB image from a JPEG or PNG body, or an error that says what is wrong."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in FRAME_TYPES:
        raise UnsupportedMediaType(
            f"send the frame as the body with Content-Type image/jpeg or image/png, "
            f"not {media or 'nothing'}"
        )
    if len(data) > MAX_FRAME_BYTES:
        raise PayloadTooLarge(f"frame of {len(data)} bytes is over the {MAX_FRAME_BYTES} limit")
    if not data.startswith(FRAME_TYPES[media]):
        raise InvalidInput(f"the body is not a {PIL_FORMATS[media]} image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[media]])
            width, height = image.size
            if width * height > MAX_FRAME_PIXELS:
                raise InvalidInput(
                    f"frame of {width}x{height} pixels is larger than 4096x4096; send at most 4K"
                )
            if min(width, height) < MIN_FRAME_SIDE:
                raise InvalidInput(
                    f"frame of {width}x{height} pixels is too small to hold a readable plate "
                    f"(at least {MIN_FRAME_SIDE} pixels a side)"
                )
            image.load()
    except InvalidInput:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidInput(f"the {PIL_FORMATS[media]} frame cannot be decoded: {exc}") from exc
    return image.convert("RGB")


@dataclass(frozen=True, slots=True)
class TextLine:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, right, bottom in frame pixels


@dataclass(frozen=True, slots=True)
class PlateCandidate:
    match: PlateMatch
    confidence: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class FrameReading:
    """The best plate in a frame, or why there is none."""

    plate: PlateCandidate | None
    reason: str | None
    texts_seen: int
    elapsed_ms: float


def _box(points: Sequence[Sequence[float]]) -> tuple[int, int, int, int]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))


def _joined(a: TextLine, b: TextLine) -> tuple[int, int, int, int] | None:
    """The box of ``a`` then ``b`` if they sit like the two parts of one plate."""
    height = max(a.box[3] - a.box[1], b.box[3] - b.box[1], 1)
    side_by_side = abs(a.box[1] - b.box[1]) < height * 0.6 and 0 <= b.box[0] - a.box[2] < height
    stacked = 0 <= b.box[1] - a.box[3] < height and abs(
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


def _read_as_plate(text: str, formats: Sequence[PlateFormat]) -> PlateMatch | None:
    """``text`` as a plate; failing that, without one border stroke read as a character
    at either end (the model reads a plate's frame beside 川 or 1 as ``J``, ``I`` or ``|``).
    The rest must still fit a format exactly; a trim counts as a fix."""
    match = match_plate(text, formats)
    if match is not None:
        return match
    stripped = text.strip()
    for edge, trimmed in ((stripped[:1], stripped[1:]), (stripped[-1:], stripped[:-1])):
        if edge and edge in BORDER:
            match = match_plate(trimmed, formats)
            if match is not None:
                return replace(match, fixes=match.fixes + 1)
    return None


def pick_plate(lines: Sequence[TextLine], formats: Sequence[PlateFormat]) -> PlateCandidate | None:
    """The surest text that fits a format; two-row and split plates are joined first."""
    found: list[PlateCandidate] = []
    for line in lines:
        match = _read_as_plate(line.text, formats)
        if match is not None:
            found.append(PlateCandidate(match, line.confidence, line.box))
    if not found:
        for a in lines[:20]:
            for b in lines[:20]:
                box = _joined(a, b) if a is not b else None
                match = match_plate(a.text + b.text, formats) if box else None
                if match is not None and box is not None:
                    found.append(PlateCandidate(match, min(a.confidence, b.confidence), box))
    if not found:
        return None
    return max(found, key=lambda c: (c.confidence - 0.05 * c.match.fixes, -c.match.fixes))


class PlateReader:
    """One OCR engine per process, loaded on first use; reads are serialised."""

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads
        self._engine: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        from rapidocr_onnxruntime import RapidOCR  # type: ignore[import-untyped]  # heavy

        options: dict[str, Any] = {"print_verbose": False}
        if self._threads:
            options.update(intra_op_num_threads=self._threads, inter_op_num_threads=1)
        return RapidOCR(**options)

    def read_lines(self, image: Image.Image) -> list[TextLine]:
        pixels = np.asarray(image)[:, :, ::-1]  # the engine takes OpenCV's BGR order
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            result, _ = self._engine(pixels, use_cls=False)
        return [
            TextLine(str(text), float(score), _box(points)) for points, text, score in result or []
        ]

    def read_plate(self, image: Image.Image, formats: Sequence[PlateFormat]) -> FrameReading:
        started = time.perf_counter()
        lines = self.read_lines(image)
        elapsed = (time.perf_counter() - started) * 1000
        plate = pick_plate(lines, formats)
        if plate is not None:
            return FrameReading(plate, None, len(lines), elapsed)
        if not lines:
            reason = "no text found in the frame"
        else:
            names = ", ".join(f.name for f in formats)
            reason = f"{len(lines)} text(s) found, none fits this site's plate formats ({names})"
        return FrameReading(None, reason, len(lines), elapsed)
