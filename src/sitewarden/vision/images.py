"""Uploaded images decoded safely: gate frames, reader frames, enrolment photos, camera
snapshots.

One place checks what every image upload must pass before a model sees it: the media
type (JPEG or PNG only) and the magic bytes that go with it, the size in bytes, the
pixel count (Pillow's decompression-bomb guard on, checked before the pixels are
decoded), a smallest side, and a body that decodes whole. Each failure is an error
whose message says what is wrong; images are decoded in memory and never stored here.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sitewarden.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096  # 4K and a margin; more is a decompression bomb
MIN_IMAGE_SIDE = 32
IMAGE_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True, slots=True)
class ImageUse:
    """What an image is for: the word its error messages use, what a too-small image
    cannot do, and whether the EXIF orientation (phones' photos) is applied."""

    noun: str
    too_small_to: str
    upright: bool


FACE_IMAGE = ImageUse("image", "show a face", upright=True)
GATE_FRAME = ImageUse("frame", "hold a readable plate", upright=False)


def decode_image(data: bytes, content_type: str, use: ImageUse) -> Image.Image:
    """An RGB image from a JPEG or PNG body, or an error that says what is wrong."""
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
            width, height = opened.size
            if width * height > MAX_IMAGE_PIXELS:
                raise InvalidInput(
                    f"{use.noun} of {width}x{height} pixels is larger than 4096x4096; "
                    "send at most 4K"
                )
            if min(width, height) < MIN_IMAGE_SIDE:
                raise InvalidInput(
                    f"{use.noun} of {width}x{height} pixels is too small to {use.too_small_to} "
                    f"(at least {MIN_IMAGE_SIDE} pixels a side)"
                )
            opened.load()
            image = ImageOps.exif_transpose(opened) if use.upright else opened
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
        raise InvalidInput(f"the {kind} {use.noun} cannot be decoded: {exc}") from exc
    return image.convert("RGB")
