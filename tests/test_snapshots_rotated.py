"""Snapshots from cameras that hang upside down or stream in portrait: every face is
blurred whatever the frame's orientation, whether the pixels are turned or an EXIF tag
says how to turn them. Checked on the stored image's pixels (the face regions lose
their detail), not on the counter. Real photos from the faces development set."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.vision.blur import (
    SCAN_ANGLES,
    FacesNotRuledOut,
    blur_faces,
    blurred_jpeg,
    unrotated,
)
from sitewarden.vision.faces import FaceBox, FaceEngine
from tests.conftest import LiveServer, device_client
from tests.face_devset import dev_image

pytestmark = pytest.mark.slow

# Group photos whose upright frames give 6 and 2 faces (issue 17: turned, they gave 0).
PORTRAITS = {"scene__cf_015_6.jpg": 6, "scene__cf_010_2.jpg": 2}
EXIF_ORIENTATION = 0x0112
# EXIF orientation -> the counter-clockwise turn that made the stored pixels from upright
EXIF_TURNS = {3: 180, 6: 90, 8: 270}


def detail(image: Image.Image) -> float:
    """Mean fine detail (the difference from a blurred copy) of a grey version."""
    grey = image.convert("L")
    smooth = grey.filter(ImageFilter.GaussianBlur(2))
    return float(np.abs(np.asarray(grey, np.float32) - np.asarray(smooth, np.float32)).mean())


def assert_faces_obliterated(original: Image.Image, stored: Image.Image, faces: list[FaceBox]):  # type: ignore[no-untyped-def]
    assert stored.size == original.size
    for face in faces:
        region = (face.left, face.top, face.right, face.bottom)
        before, after = detail(original.crop(region)), detail(stored.crop(region))
        assert after < 0.2 * before, (region, before, after)


def upright_faces(image: Image.Image, expected: int) -> list[FaceBox]:
    faces = FaceEngine().detect(image, upsample=1)
    assert len(faces) >= expected  # findable upright, before any blurring
    return faces


def post_and_fetch(server: LiveServer, token: str, site: str, device: str, body: bytes):  # type: ignore[no-untyped-def]
    with device_client(server, token) as camera:
        answer = camera.post(
            f"/api/v1/cameras/{device}/snapshots",
            content=body,
            headers={"content-type": "image/jpeg"},
        )
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    with server.client(Role.OPERATOR) as operator:
        image = operator.get(
            f"/api/v1/sites/{site}/snapshots/{stored['snapshot_id']}",
            params={"purpose": "rotated camera regression"},
        )
    assert image.status_code == 200
    return stored, Image.open(io.BytesIO(image.content)).convert("RGB")


def jpeg(image: Image.Image, orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    exif = Image.Exif()
    if orientation is not None:
        exif[EXIF_ORIENTATION] = orientation
    image.save(buffer, "JPEG", quality=95, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(PORTRAITS))
def test_faces_in_snapshots_turned_90_180_270_are_blurred_in_the_stored_image(
    shared_server: LiveServer, name: str
) -> None:
    site = "sn-rot-" + name[10:13]
    token = shared_server.add_site_with_device(site, "cam-ceiling", DeviceKind.CAMERA)
    upright = dev_image(name)
    faces = upright_faces(upright, PORTRAITS[name])
    for turn in (90, 180, 270):
        sent = upright.rotate(turn, expand=True)
        stored, image = post_and_fetch(shared_server, token, site, "cam-ceiling", jpeg(sent))
        assert (stored["width"], stored["height"]) == sent.size
        assert stored["faces_blurred"] >= PORTRAITS[name], turn
        assert_faces_obliterated(upright, image.rotate(-turn, expand=True), faces)


def test_faces_in_snapshots_with_an_exif_orientation_tag_are_blurred_and_stored_upright(
    shared_server: LiveServer,
) -> None:
    name = "scene__cf_015_6.jpg"
    token = shared_server.add_site_with_device("sn-rot-exif", "cam-portrait", DeviceKind.CAMERA)
    upright = dev_image(name)
    faces = upright_faces(upright, PORTRAITS[name])
    for orientation, turn in EXIF_TURNS.items():
        body = jpeg(upright.rotate(turn, expand=True), orientation)
        stored, image = post_and_fetch(shared_server, token, "sn-rot-exif", "cam-portrait", body)
        assert stored["faces_blurred"] >= PORTRAITS[name], orientation
        assert_faces_obliterated(upright, image, faces)


def test_tilted_faces_between_the_four_orientations_are_blurred() -> None:
    upright = dev_image("scene__cf_010_2.jpg")
    faces = upright_faces(upright, 2)
    tilt = 40  # 10 degrees off the nearest pass; the upright pass alone misses these faces
    assert tilt not in SCAN_ANGLES
    tilted = upright.rotate(tilt, Image.Resampling.BICUBIC, expand=True)
    blurred, count = blur_faces(tilted, FaceEngine())
    assert count >= 2
    for face in faces:
        # the face's centre, turned like the picture: a small square there lost its detail
        centre = FaceBox(*(2 * [(face.left + face.right) // 2, (face.top + face.bottom) // 2]), 0)
        spot = unrotated(centre, -tilt, tilted.size, upright.size)
        side = face.width // 4
        region = (spot.left - side, spot.top - side, spot.left + side, spot.top + side)
        assert detail(blurred.crop(region)) < 0.2 * detail(tilted.crop(region)), region


def test_a_box_found_in_a_turned_image_maps_back_onto_the_original() -> None:
    size = (800, 500)
    box = FaceBox(100, 50, 160, 130, 1.0)  # in the original
    for angle in (90, 180, 270):
        turned_size = size if angle == 180 else (size[1], size[0])
        there = unrotated(box, -angle, turned_size, size)  # where it lies in the turned image
        back = unrotated(there, angle, size, turned_size)
        assert (back.left, back.top, back.right, back.bottom) == (100, 50, 160, 130), angle


def test_a_snapshot_the_face_search_cannot_run_on_is_refused_not_stored_clear() -> None:
    unsearchable = Image.new("I", (200, 150))  # 32-bit pixels: dlib cannot look at them
    with pytest.raises(FacesNotRuledOut, match="cannot be ruled out and it was not stored"):
        blurred_jpeg(unsearchable, FaceEngine())


@pytest.mark.parametrize("rotation", [90, 270])
def test_a_snapshot_from_a_camera_set_as_rotated_is_stored_upright_with_faces_blurred(
    shared_server: LiveServer, rotation: int
) -> None:
    name = "scene__cf_010_2.jpg"
    site = f"sn-rot-set-{rotation}"
    token = shared_server.add_site_with_device(site, "cam-turned", DeviceKind.CAMERA)
    with shared_server.client() as admin:
        setting = {"rotation": rotation}
        answer = admin.patch(f"/api/v1/sites/{site}/devices/cam-turned", json=setting)
        assert answer.status_code == 200 and answer.json()["rotation"] == rotation
    upright = dev_image(name)
    faces = upright_faces(upright, PORTRAITS[name])
    sent = upright.rotate(rotation, expand=True)  # what a camera hung this way sends
    stored, image = post_and_fetch(shared_server, token, site, "cam-turned", jpeg(sent))
    assert (stored["width"], stored["height"]) == (sent.height, sent.width) == upright.size
    assert image.size == upright.size
    assert stored["faces_blurred"] >= PORTRAITS[name]
    assert_faces_obliterated(upright, image, faces)
