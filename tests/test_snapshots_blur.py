"""Snapshots from ordinary cameras: every face is blurred before anything is written,
the stored image is sealed, a face detector finds no face in it, and it expires with
the face_crops retention category."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from sitewarden.accounts.roles import Role
from sitewarden.demo import face_samples
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.retention import run_retention
from sitewarden.vision.faces import FaceEngine
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.slow


def street_scene() -> Image.Image:
    """Two people in a 1280x720 frame, faces about 90 and 120 pixels tall."""
    scene = Image.new("RGB", (1280, 720), (70, 80, 90))
    scene.paste(face_samples.portrait("astronaut").resize((400, 400)), (120, 200))
    scene.paste(face_samples.portrait("hopper").resize((300, 352)), (800, 150))
    return scene


def post_snapshot(
    server: LiveServer, token: str, device: str, body: bytes, kind: str = "image/jpeg"
):  # type: ignore[no-untyped-def]
    with device_client(server, token) as camera:
        return camera.post(
            f"/api/v1/cameras/{device}/snapshots", content=body, headers={"content-type": kind}
        )


def test_stored_snapshot_has_every_face_blurred(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("sn-blur", "cam-1", DeviceKind.CAMERA, "lobby")
    scene = street_scene()
    detector = FaceEngine()
    assert len(detector.detect(scene, upsample=1)) >= 2  # the faces are findable before
    answer = post_snapshot(shared_server, token, "cam-1", face_samples.encode(scene))
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["faces_blurred"] >= 2 and (stored["width"], stored["height"]) == (1280, 720)
    with shared_server.client(Role.OPERATOR) as operator:
        image = operator.get(
            f"/api/v1/sites/sn-blur/snapshots/{stored['snapshot_id']}",
            params={"purpose": "incident 42 in the lobby"},
        )
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    blurred = Image.open(io.BytesIO(image.content)).convert("RGB")
    for upsample in (0, 1, 2):
        assert detector.detect(blurred, upsample=upsample) == [], upsample
    with shared_server.client() as admin:
        audit = admin.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    assert any(e["action"] == "snapshot.read" and e["site_id"] == "sn-blur" for e in audit)


def test_the_stored_snapshot_is_sealed_and_never_the_original(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("sn-sealed", "cam-2", DeviceKind.CAMERA, "lobby")
    original = face_samples.encode(street_scene(), "PNG")
    assert post_snapshot(shared_server, token, "cam-2", original, "image/png").status_code == 201
    database = shared_server.settings.sqlite_path
    stored = b"".join(
        p.read_bytes() for p in database.parent.iterdir() if p.name.startswith(database.name)
    )
    assert b"\x89PNG" not in stored and b"JFIF" not in stored
    assert original[100:164] not in stored


def test_only_ordinary_cameras_post_snapshots_and_bad_images_are_refused(
    shared_server: LiveServer,
) -> None:
    reader = shared_server.add_site_with_device(
        "sn-bad", "reader-1", DeviceKind.ACCESS_READER, "lobby"
    )
    camera = shared_server.add_site_with_device("sn-bad", "cam-3", DeviceKind.CAMERA, "lobby")
    frame = face_samples.encode(street_scene())
    assert post_snapshot(shared_server, reader, "reader-1", frame).status_code == 403
    assert post_snapshot(shared_server, camera, "cam-3", b"not an image").status_code == 422
    assert post_snapshot(shared_server, camera, "cam-3", frame, "image/gif").status_code == 415
    assert (
        post_snapshot(
            shared_server, camera, "cam-3", b"\xff\xd8\xff" + b"\0" * (50 << 20)
        ).status_code
        == 413
    )
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.get("/api/v1/sites/sn-bad/snapshots").json() == []


def test_snapshots_expire_with_the_face_crops_retention(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("sn-expire", "cam-4", DeviceKind.CAMERA, "lobby")
    assert (
        post_snapshot(
            shared_server, token, "cam-4", face_samples.encode(street_scene())
        ).status_code
        == 201
    )
    store = shared_server.open_storage()
    try:
        assert len(store.access_media.list_snapshots("sn-expire")) == 1
        report = run_retention(
            store.events,
            store.access_media,
            {"face_crops": 7},
            now=datetime.now(UTC) + timedelta(days=8),
        )
        assert report.deleted["face_crops"] >= 1
        assert store.access_media.list_snapshots("sn-expire") == []
    finally:
        store.close()
