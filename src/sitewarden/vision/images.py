"""Uploaded images decoded safely: gate frames, reader frames, enrolment photos, camera
snapshots.

One place checks what every image upload must pass before a model sees it: the media
type (JPEG or PNG only) and the magic bytes that go with it, the size in bytes, and,
from the header alone before any pixel is decoded, the pixel count (Pillow's
decompression-bomb guard on too), a smallest side and how much longer one side may be
than the other. Then the body must decode whole. Each failure is an error whose message
says what is wrong; images are decoded in memory and never stored here.

Every shape that passes is bounded on both sides (at most 4096x4096 pixels; sides at
most 8:1 for gate frames, so no side over 11,585, and 4:1 for face images, whose blurring
looks at the image turned to 12 angles, each turned copy larger than the image), which
bounds what the models are given; and each use has a few slots (``image_slot``) that
the routes hold while an image of theirs is in memory, which bounds how many decoded
images a process holds at once.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image, ImageOps, UnidentifiedImageError

from sitewarden.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096  # 4K and a margin; more is a decompression bomb
MIN_IMAGE_SIDE = 32
MAX_ASPECT_RATIO = 8  # a camera's picture, even a panorama; a longer strip is an attack
MAX_FACE_ASPECT_RATIO = 4  # portrait phones, 16:9 and 32:9 cameras; blur turns the image
IMAGE_SLOTS = 2  # images of one use decoded and worked on at once, per process
IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
DECODE_ERRORS = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
)


def _slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(IMAGE_SLOTS)


@dataclass(frozen=True, slots=True)
class ImageUse:
    """What an image is for: the word its error messages use, what a too-small image
    cannot do, whether the EXIF orientation (phones' photos) is applied, and how many
    times longer one side may be than the other.

    ``slots`` is process-wide on purpose: the memory it bounds is the process's."""

    noun: str
    too_small_to: str
    upright: bool
    max_aspect: int = MAX_ASPECT_RATIO
    slots: threading.BoundedSemaphore = field(default_factory=_slots, compare=False, repr=False)


FACE_IMAGE = ImageUse("image", "show a face", upright=True, max_aspect=MAX_FACE_ASPECT_RATIO)
GATE_FRAME = ImageUse("frame", "hold a readable plate", upright=False)
# Snapshots have slots of their own: blurring one costs seconds, and readers' faces must
# not wait behind it.
SNAPSHOT = ImageUse(
    "snapshot", "be searched for faces", upright=True, max_aspect=MAX_FACE_ASPECT_RATIO
)


@contextmanager
def image_slot(use: ImageUse) -> Iterator[None]:
    """Hold one of ``use``'s slots (waiting for one) while an image is decoded and worked
    on, so that however many uploads arrive at once, at most ``IMAGE_SLOTS`` images of
    each use are in memory. Call it in a worker thread, around decode and model work."""
    with use.slots:
        yield


def check_shape(width: int, height: int, use: ImageUse) -> None:
    """Refuse a shape no model should see: too many pixels, a side too short, or one side
    more than ``use.max_aspect`` times the other."""
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidInput(
            f"{use.noun} of {width}x{height} pixels is larger than 4096x4096; send at most 4K"
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidInput(
            f"{use.noun} of {width}x{height} pixels is too small to {use.too_small_to} "
            f"(at least {MIN_IMAGE_SIDE} pixels a side)"
        )
    if max(width, height) > use.max_aspect * min(width, height):
        raise InvalidInput(
            f"{use.noun} of {width}x{height} pixels is a strip, not a camera picture: its "
            f"sides may differ at most {use.max_aspect}:1"
        )


def _opened(data: bytes, content_type: str, use: ImageUse) -> Image.Image:
    """The image with only its header read, once type, size and shape are acceptable."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in IMAGE_TYPES:
        raise UnsupportedMediaType(
            f"send the {use.noun} as the body with Content-Type image/jpeg or image/png, "
            f"not {media or 'nothing'}"
        )
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(
            f"{use.noun} of {len(data)} bytes is over the {MAX_IMAGE_BYTES} limit"
        )
    kind = PIL_FORMATS[media]
    if not data.startswith(IMAGE_TYPES[media]):
        raise InvalidInput(f"the body is not a {kind} image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidInput(
            f"the {kind} {use.noun} declares a size larger than 4096x4096 ({exc}); send at most 4K"
        ) from exc
    except DECODE_ERRORS as exc:
        raise InvalidInput(f"the {kind} {use.noun} cannot be decoded: {exc}") from exc
    check_shape(*opened.size, use)
    return opened


def image_size(data: bytes, content_type: str, use: ImageUse) -> tuple[int, int]:
    """(width, height) from the header, after every check that needs no pixels."""
    width, height = _opened(data, content_type, use).size
    return width, height


def decode_image(data: bytes, content_type: str, use: ImageUse) -> Image.Image:
    """An RGB image from a JPEG or PNG body, or an error that says what is wrong."""
    opened = _opened(data, content_type, use)
    kind = PIL_FORMATS[content_type.split(";", 1)[0].strip().lower()]
    try:
        opened.load()
        image = ImageOps.exif_transpose(opened) if use.upright else opened
        return image.convert("RGB")
    except DECODE_ERRORS as exc:
        raise InvalidInput(f"the {kind} {use.noun} cannot be decoded: {exc}") from exc


# A camera's rotation (the clockwise turn that makes its picture upright) as a lossless
# transpose; Pillow names its turns counter-clockwise.
UPRIGHT_TURNS = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def turned_upright(image: Image.Image, rotation: int) -> Image.Image:
    """The image turned clockwise by its camera's ``rotation`` (0, 90, 180 or 270 degrees)."""
    if rotation == 0:
        return image
    if rotation not in UPRIGHT_TURNS:
        raise InvalidInput(f"rotation {rotation!r} not allowed: use 0, 90, 180 or 270")
    return image.transpose(UPRIGHT_TURNS[rotation])
