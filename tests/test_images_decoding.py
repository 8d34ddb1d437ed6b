"""Uploaded images are decoded in one place (``vision/images.py``) for gate frames and
face images alike: bad bodies get a specific error that names what the image was for,
never anything else."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from sitewarden.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from sitewarden.vision.images import (
    FACE_IMAGE,
    GATE_FRAME,
    IMAGE_TYPES,
    MAX_IMAGE_BYTES,
    MIN_IMAGE_SIDE,
    ImageUse,
    decode_image,
)
from sitewarden.vision.ocr import DETECTION_MAX_SIDE, detection_size


def _encoded(width: int, height: int, kind: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format=kind, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("use", "words"),
    [
        (GATE_FRAME, "frame of 1x1 pixels is too small to hold a readable plate"),
        (FACE_IMAGE, "image of 1x1 pixels is too small to show a face"),
    ],
)
def test_a_tiny_image_is_refused_in_the_words_of_its_use(use: ImageUse, words: str) -> None:
    with pytest.raises(InvalidInput, match=words):
        decode_image(_encoded(1, 1), "image/png", use)


def test_the_media_type_must_be_jpeg_or_png_and_match_the_body() -> None:
    with pytest.raises(UnsupportedMediaType, match="send the frame as the body"):
        decode_image(_encoded(64, 64), "image/gif", GATE_FRAME)
    with pytest.raises(InvalidInput, match="the body is not a JPEG image"):
        decode_image(_encoded(64, 64, "PNG"), "image/jpeg", FACE_IMAGE)
    with pytest.raises(PayloadTooLarge, match="frame of"):
        decode_image(b"\xff\xd8\xff" + bytes(MAX_IMAGE_BYTES), "image/jpeg", GATE_FRAME)


def test_a_truncated_jpeg_cannot_be_decoded() -> None:
    whole = _encoded(640, 480, "JPEG")
    with pytest.raises(InvalidInput, match="the JPEG frame cannot be decoded"):
        decode_image(whole[: len(whole) // 2], "image/jpeg", GATE_FRAME)


def test_a_good_image_comes_back_as_rgb_with_its_size() -> None:
    image = decode_image(_encoded(320, 200, "JPEG"), "image/jpeg; q=1", GATE_FRAME)
    assert image.mode == "RGB" and image.size == (320, 200)


def test_face_images_are_turned_upright_by_their_exif_but_gate_frames_are_not() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees to view
    body = _encoded(80, 40, "JPEG", exif=exif.tobytes())
    assert decode_image(body, "image/jpeg", FACE_IMAGE).size == (40, 80)
    assert decode_image(body, "image/jpeg", GATE_FRAME).size == (80, 40)


@given(
    st.sampled_from(sorted(IMAGE_TYPES)),
    st.binary(max_size=4096),
    st.booleans(),
    st.sampled_from([GATE_FRAME, FACE_IMAGE]),
)
def test_any_body_is_an_image_or_a_clear_refusal(
    media: str, tail: bytes, with_magic: bool, use: ImageUse
) -> None:
    body = (IMAGE_TYPES[media] if with_magic else b"") + tail
    try:
        image = decode_image(body, media, use)
    except (InvalidInput, PayloadTooLarge) as refused:
        assert refused.message
    else:
        assert image.mode == "RGB" and min(image.size) >= 32


@pytest.mark.parametrize(("width", "height"), [(16000, 32), (32, 16000), (40, 4096)])
def test_a_strip_is_refused_from_its_header_for_every_use(width: int, height: int) -> None:
    for use in (GATE_FRAME, FACE_IMAGE):
        with pytest.raises(InvalidInput, match=r"is a strip, not a camera picture"):
            decode_image(_encoded(width, height), "image/png", use)


def test_face_images_may_be_4_to_1_and_gate_frames_8_to_1() -> None:
    wide = _encoded(1600, 200)
    assert decode_image(wide, "image/png", GATE_FRAME).size == (1600, 200)
    with pytest.raises(InvalidInput, match="at most 4:1"):
        decode_image(wide, "image/png", FACE_IMAGE)


@given(
    st.integers(MIN_IMAGE_SIDE, 100_000),
    st.integers(MIN_IMAGE_SIDE, 100_000),
    st.sampled_from([None, 640, 100_000]),
)
def test_detection_never_runs_past_its_largest_side(
    height: int, width: int, max_side: int | None
) -> None:
    """The full look used to scale a 32-pixel short side up to 736, and the long side
    with it: 736 x 368,000 for a 32x16000 frame (23 GB)."""
    assert max(detection_size(height, width, max_side)) <= DETECTION_MAX_SIDE
