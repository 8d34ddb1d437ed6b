"""One plate camera cannot keep the plate reader busy for the whole site: each camera's
frames are charged by their pixels against its own share (``frame_pixels_per_s``,
``frame_pixels_burst``); past it a frame is refused at once with 429 and Retry-After,
while other cameras' frames and every camera's text reads still go through."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client

pytestmark = pytest.mark.slow

SHARE = "frame_pixels_per_s = 10000\nframe_pixels_burst = 16777216"


def gray_png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, format="PNG")
    return out.getvalue()


def post_frame(server: LiveServer, token: str, lane: str, body: bytes) -> httpx.Response:
    with device_client(server, token) as camera:
        return camera.post(
            f"/api/v1/gates/{lane}/frames", content=body, headers={"content-type": "image/png"}
        )


def test_a_camera_over_its_pixel_share_gets_429_and_other_cameras_are_still_read(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server(SHARE)
    tokens = {
        lane: server.add_site_with_device("fb-site", lane, DeviceKind.PLATE_CAMERA, "garage")
        for lane in ("lane-a", "lane-b")
    }
    with server.client() as admin:
        for lane in tokens:
            admin.put(
                f"/api/v1/parking/sites/fb-site/lanes/{lane}", json={"direction": "entry"}
            ).raise_for_status()
    frame = gray_png(2896, 2896)  # 8.4 million pixels: two fit in the burst, not three
    assert post_frame(server, tokens["lane-a"], "lane-a", frame).status_code == 200
    assert post_frame(server, tokens["lane-a"], "lane-a", frame).status_code == 200
    events_before = _count_events(server)

    refused = post_frame(server, tokens["lane-a"], "lane-a", frame)
    assert refused.status_code == 429, refused.text
    assert "plate camera lane-a sent more frame pixels than its share" in refused.json()["message"]
    assert 500 <= int(refused.headers["Retry-After"]) <= 840
    assert _count_events(server) == events_before

    other = post_frame(server, tokens["lane-b"], "lane-b", frame)
    assert other.status_code == 200, other.text
    with device_client(server, tokens["lane-a"]) as camera:
        read = camera.post("/api/v1/gates/lane-a/reads", json={"plate": "浙A·13579"})
    assert read.status_code == 200 and read.json()["open"] is True


def test_a_refused_shape_costs_the_camera_nothing(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server(SHARE)
    token = server.add_site_with_device("fb-shape", "lane-a", DeviceKind.PLATE_CAMERA, "garage")
    with server.client() as admin:
        admin.put(
            "/api/v1/parking/sites/fb-shape/lanes/lane-a", json={"direction": "entry"}
        ).raise_for_status()
    for _ in range(5):
        strip = post_frame(server, token, "lane-a", gray_png(8000, 500))  # 16:1
        assert strip.status_code == 422 and "sides may differ" in strip.json()["message"]
    assert post_frame(server, token, "lane-a", gray_png(4096, 4096)).status_code == 200


def _count_events(server: LiveServer) -> int:
    store = server.open_storage()
    try:
        return store.events.count_events()
    finally:
        store.close()
