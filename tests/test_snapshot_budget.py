"""One camera cannot keep the face blurring busy for the whole site: each camera's
snapshots are charged by their pixels against its own share (``snapshot_pixels_per_s``,
``snapshot_pixels_burst``); past it a snapshot is refused at once with 429 and
Retry-After, nothing is stored, and other cameras' snapshots still go through."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_frame_budget import gray_png

pytestmark = pytest.mark.slow

SHARE = "snapshot_pixels_per_s = 10000\nsnapshot_pixels_burst = 16777216"


def post_snapshot(server: LiveServer, token: str, camera: str, body: bytes) -> httpx.Response:
    with device_client(server, token) as client:
        return client.post(
            f"/api/v1/cameras/{camera}/snapshots",
            content=body,
            headers={"content-type": "image/png"},
            timeout=300,
        )


def _count_snapshots(server: LiveServer, site: str) -> int:
    store = server.open_storage()
    try:
        return len(store.access_media.list_snapshots(site, None, 1000))
    finally:
        store.close()


def test_a_camera_over_its_snapshot_share_gets_429_and_other_cameras_are_still_stored(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server(SHARE)
    tokens = {
        cam: server.add_site_with_device("sb-site", cam, DeviceKind.CAMERA, "lobby")
        for cam in ("cam-a", "cam-b")
    }
    snapshot = gray_png(2896, 2896)  # 8.4 million pixels: two fit in the burst, not three
    for _ in range(2):
        answer = post_snapshot(server, tokens["cam-a"], "cam-a", snapshot)
        assert answer.status_code == 201, answer.text
    assert _count_snapshots(server, "sb-site") == 2

    refused = post_snapshot(server, tokens["cam-a"], "cam-a", snapshot)
    assert refused.status_code == 429, refused.text
    assert "camera cam-a sent more snapshot pixels than its share" in refused.json()["message"]
    assert 500 <= int(refused.headers["Retry-After"]) <= 840
    assert _count_snapshots(server, "sb-site") == 2

    other = post_snapshot(server, tokens["cam-b"], "cam-b", snapshot)
    assert other.status_code == 201, other.text
    assert _count_snapshots(server, "sb-site") == 3


def test_a_snapshot_that_does_not_decode_costs_the_camera_nothing(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server(SHARE)
    token = server.add_site_with_device("sb-broken", "cam", DeviceKind.CAMERA, "lobby")
    snapshot = gray_png(2896, 2896)
    for _ in range(5):  # 8.4 million pixels each by their header, but cut short
        broken = post_snapshot(server, token, "cam", snapshot[: len(snapshot) // 2])
        assert broken.status_code == 422, broken.text
    for _ in range(2):
        answer = post_snapshot(server, token, "cam", snapshot)
        assert answer.status_code == 201, answer.text
    assert _count_snapshots(server, "sb-broken") == 2
