"""Each lane keeps its last frame with a plate, sealed, replaced by the next one (sure or
unsure), shown in full only to a role that sees plates in full, with a purpose, audited;
deleted with the lane, and by retention once its date has passed. On SQLite and on
PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from itertools import count

import httpx
import pytest
from PIL import Image

from sitewarden.accounts.roles import Role
from sitewarden.demo.garage_frames import Distortion, available_fonts, encode_jpeg, gate_frame
from sitewarden.parking.lane_frames import LaneFrame
from sitewarden.privacy.retention import run_retention
from tests.conftest import LiveServer, device_client
from tests.test_parking_gates import Garage

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]
_sites = count()
PURPOSE = "Watching the garage lanes"


def send_frame(garage: Garage, text: str, size: tuple[int, int] | None = None) -> None:
    """A gate camera at the entry lane sends a frame with ``text`` on its plate."""
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    image = gate_frame(text, "blue", fonts[0], Distortion(), seed=3)
    if size is not None:
        image = image.resize(size)
    with device_client(garage.server, garage.tokens["gate-in"]) as camera:
        answer = camera.post(
            "/api/v1/gates/gate-in/frames",
            content=encode_jpeg(image),
            headers={"Content-Type": "image/jpeg"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["plate"], answer.json()


def lane_frame(server: LiveServer, garage: Garage, role: Role = Role.ADMIN) -> httpx.Response:
    with server.client(role) as client:
        return client.get(
            f"/api/v1/parking/sites/{garage.site}/lanes/gate-in/frame",
            params={"purpose": PURPOSE},
        )


def test_the_lanes_last_frame_is_shown_in_full_replaced_and_audited(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, f"lf{next(_sites)}")
    assert lane_frame(shared_server, garage).status_code == 404  # nothing read yet

    send_frame(garage, "浙A·12345")
    first = lane_frame(shared_server, garage)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["cache-control"] == "no-store"
    image = Image.open(io.BytesIO(first.content))
    width, height = (int(v) for v in first.headers["x-frame-size"].split(","))
    assert image.format == "JPEG" and image.size == (width, height)
    x, y, w, h = (int(v) for v in first.headers["x-plate-box"].split(","))
    assert w > 0 and h > 0 and x + w <= width and y + h <= height
    low, high = image.convert("L").crop((x, y, x + w, y + h)).getextrema()
    assert high - low > 80, (low, high)  # the box holds the plate, not an empty patch

    send_frame(garage, "浙A·67890", size=(800, 600))  # the next frame replaces it
    second = lane_frame(shared_server, garage)
    assert second.status_code == 200, second.text
    assert Image.open(io.BytesIO(second.content)).size == (800, 600)
    assert second.content != first.content
    with shared_server.client() as admin:
        url = f"/api/v1/parking/sites/{garage.site}/lanes/gate-in/frame"
        assert admin.get(url).status_code == 422  # no purpose, no frame

    reads = [
        entry
        for entry in shared_server.audit_entries()
        if entry["action"] == "parking.lane_frame.read" and entry.get("site_id") == garage.site
    ]
    assert len(reads) == 2 and all(entry["targets"] == ["gate-in"] for entry in reads)
    assert all(entry["purpose"] == PURPOSE for entry in reads)

    # An operator sees plates masked: the frame (the plate in full) is refused, unaudited.
    assert lane_frame(shared_server, garage, Role.OPERATOR).status_code == 403

    # Deleting the lane deletes its frame.
    assert garage.admin("DELETE", "/lanes/gate-in").status_code == 204
    store = shared_server.open_storage()
    try:
        assert store.lane_frames.get(garage.site, "gate-in") is None
    finally:
        store.close()


def test_retention_deletes_a_lane_frame_past_its_date(shared_server: LiveServer) -> None:
    site = f"lf{next(_sites)}"
    now = datetime.now(UTC)
    store = shared_server.open_storage()
    try:
        for device_id, expires in (
            ("old", now - timedelta(days=1)),
            ("new", now + timedelta(days=1)),
            ("open", None),
        ):
            store.lane_frames.put(
                LaneFrame(site, device_id, "v-gone", now, expires, 4, 4, (0, 0, 2, 2), b"sealed")
            )
        report = run_retention(store.events, store.access_media, {}, lane_frames=store.lane_frames)
        assert report.deleted.get("lane_frames", 0) >= 1
        assert store.lane_frames.get(site, "old") is None
        assert store.lane_frames.get(site, "new") is not None
        assert store.lane_frames.get(site, "open") is not None
    finally:
        store.close()


def test_erasing_the_vehicle_leaves_its_kept_frames_unreadable(shared_server: LiveServer) -> None:
    """A lane frame is sealed under the read vehicle's own key: a subject erasure, which
    shreds that key, leaves the frame unreadable (not only once the next car replaces it)."""
    garage = Garage(shared_server, f"lf{next(_sites)}")
    send_frame(garage, "浙A·24680")
    assert lane_frame(shared_server, garage).status_code == 200
    with shared_server.client() as admin:
        erased = admin.post(
            "/api/v1/subjects/erase",
            json={"site": garage.site, "field": "plate", "value": "浙A·24680", "purpose": "SAR-9"},
        )
    assert erased.status_code == 200, erased.text
    gone = lane_frame(shared_server, garage)
    assert gone.status_code == 404 and "erased" in gone.json()["message"], gone.text
