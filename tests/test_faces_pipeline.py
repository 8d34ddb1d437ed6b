"""The face pipeline on real portraits (shipped inside installed packages): models load
offline, same faces are near and different people far, matching honours threshold and
margin, several faces pick the largest, and bad images are refused with a reason."""

from __future__ import annotations

import io
import site
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from sitewarden.demo import face_samples
from sitewarden.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from sitewarden.vision.faces import (
    EMBEDDING_SIZE,
    LANDMARKS_MODEL,
    FaceEngine,
    Gallery,
    models_folder,
)
from sitewarden.vision.images import FACE_IMAGE, decode_image


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine(min_face_px=60)


def embedding(engine: FaceEngine, image: Image.Image) -> np.ndarray:
    reading = engine.read(image)
    assert reading.embedding is not None, reading.problem
    return reading.embedding


def test_models_load_from_site_packages_with_the_five_point_landmarks(engine: FaceEngine) -> None:
    folder = models_folder()
    assert any(str(folder).startswith(root) for root in site.getsitepackages())
    assert LANDMARKS_MODEL == "shape_predictor_5_face_landmarks.dat"
    assert not (folder / "shape_predictor_68_face_landmarks.dat").samefile(folder / LANDMARKS_MODEL)
    hopper = face_samples.portrait("hopper")
    boxes = engine.detect(hopper)
    assert len(boxes) == 1
    points = engine.landmarks(hopper, boxes[0])
    assert len(points) == 5
    assert all(boxes[0].left - 20 <= x <= boxes[0].right + 20 for x, _ in points)


def test_views_of_one_face_are_near_and_two_people_far(engine: FaceEngine) -> None:
    astronaut = face_samples.portrait("astronaut")
    hopper = face_samples.portrait("hopper")
    base_a, base_h = embedding(engine, astronaut), embedding(engine, hopper)
    assert base_a.shape == (EMBEDDING_SIZE,)
    assert float(np.linalg.norm(base_a - base_h)) > 0.6
    views = [
        face_samples.Augmentation(rotation=8),
        face_samples.Augmentation(light=0.6),
        face_samples.Augmentation(mirror=True),
    ]
    for change in views:
        view = embedding(engine, face_samples.augment(hopper, change))
        assert float(np.linalg.norm(view - base_h)) < 0.4, change.label()
        assert float(np.linalg.norm(view - base_a)) > 0.6, change.label()


def test_gallery_matches_within_threshold_and_refuses_near_ties() -> None:
    rng = np.random.default_rng(1)
    people = rng.normal(size=(3, EMBEDDING_SIZE)).astype(np.float32)
    gallery = Gallery(["ann", "bob", "cai"], people)
    probe = people[1] + 0.01
    match = gallery.match(probe, threshold=0.5, margin=0.05)
    assert match.owner == "bob" and match.distance < 0.5
    stranger = rng.normal(size=EMBEDDING_SIZE).astype(np.float32)
    assert gallery.match(stranger, 0.5, 0.05).reason == "not_enrolled"
    twins = Gallery(["ann", "bob"], np.vstack([people[0], people[0] + 0.001]))
    tie = twins.match(people[0], 0.5, 0.05)
    assert tie.owner is None and tie.reason == "ambiguous"
    assert Gallery([], np.zeros((0, EMBEDDING_SIZE), np.float32)).match(
        probe, 0.5, 0.05
    ).reason == ("not_enrolled")


def test_two_faces_in_a_frame_take_the_largest(engine: FaceEngine) -> None:
    frame = Image.new("RGB", (1000, 600), (90, 100, 110))
    big = face_samples.in_frame(face_samples.portrait("hopper"), (480, 560), face_height=560)
    small = face_samples.in_frame(face_samples.portrait("astronaut"), (500, 500), face_height=500)
    frame.paste(big, (10, 20))
    frame.paste(small, (500, 50))
    reading = engine.read(frame)
    assert reading.faces == 2
    assert reading.note == "2 faces in the frame; decided on the largest"
    hopper = embedding(engine, face_samples.portrait("hopper"))
    assert reading.embedding is not None
    assert float(np.linalg.norm(reading.embedding - hopper)) < 0.4


def test_a_frame_without_a_face_or_with_a_tiny_one_gives_no_embedding(engine: FaceEngine) -> None:
    empty = Image.new("RGB", (640, 480), (120, 120, 120))
    assert engine.read(empty).problem == "no_clear_face"
    tiny = face_samples.in_frame(face_samples.portrait("hopper"), (640, 480), face_height=300)
    assert FaceEngine(min_face_px=120).read(tiny).problem == "face_too_small"


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_bad_images_are_refused_with_a_reason() -> None:
    with pytest.raises(UnsupportedMediaType):
        decode_image(b"GIF89a...", "image/gif", FACE_IMAGE)
    with pytest.raises(InvalidInput, match="not a JPEG"):
        decode_image(b"hello, not an image", "image/jpeg", FACE_IMAGE)
    with pytest.raises(InvalidInput, match="too small"):
        decode_image(_png(1, 1), "image/png", FACE_IMAGE)
    jpeg = face_samples.encode(face_samples.portrait("hopper"))
    with pytest.raises(InvalidInput, match="cannot be decoded"):
        decode_image(jpeg[: len(jpeg) // 3], "image/jpeg", FACE_IMAGE)
    with pytest.raises(PayloadTooLarge):
        decode_image(b"\xff\xd8\xff" + b"\0" * (9 * 1024 * 1024), "image/jpeg", FACE_IMAGE)


def test_a_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    # A PNG header that claims 30000 x 30000 pixels, with a tiny (invalid) body.
    header = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    with pytest.raises(InvalidInput, match=r"larger than 4096x4096|cannot be decoded"):
        decode_image(header + chunk, "image/png", FACE_IMAGE)
