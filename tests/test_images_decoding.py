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
    ImageUse,
    decode_image,
)


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
