"""The frame of an unsure plate read is kept, sealed, with its review: the review's JSON
gives the plate's box, the frame API answers the JPEG to a role that sees plates in full
(with a purpose, audited) and refuses others, and resolving the review deletes it.
Retention deletes a frame whose date has passed. On SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from bench.plate_photos import FOLDER_VARIABLE, blurred, devsets_folder, jpeg
from PIL import Image

from sitewarden.accounts.roles import Role
from sitewarden.demo.garage_frames import Distortion, available_fonts, encode_jpeg, gate_frame
from sitewarden.parking.review_frames import ReviewFrame
from sitewarden.privacy.masking import mask_plate
from sitewarden.privacy.retention import run_retention
from tests.conftest import LiveServer, device_client
from tests.test_parking_gates import Garage, events_of

pytestmark = [pytest.mark.slow, pytest.mark.both_backends]
_sites = count()
PURPOSE = "Plate review queue"


def unsure_garage(server: LiveServer) -> Garage:
    """A garage whose entry lane sends every frame read to review (review_below 1)."""
    garage = Garage(server, f"rf{next(_sites)}")
    answer = garage.admin(
        "PUT", "/plate-settings", json={"formats": ["cn", "uk"], "review_below": 1.0}
    )
    assert answer.status_code == 200, answer.text
    return garage


def post_frame(garage: Garage, text: str = "浙A·12345") -> dict[str, Any]:
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    body = encode_jpeg(gate_frame(text, "blue", fonts[0], Distortion(), seed=3))
    with device_client(garage.server, garage.tokens["gate-in"]) as camera:
        answer = camera.post(
            "/api/v1/gates/gate-in/frames", content=body, headers={"Content-Type": "image/jpeg"}
        )
    assert answer.status_code == 200, answer.text
    decided: dict[str, Any] = answer.json()
    assert decided["reason"] == "review" and decided["review_id"], decided
    return decided


def pending(garage: Garage) -> list[dict[str, Any]]:
    answer = garage.admin("GET", "/reviews", params={"purpose": PURPOSE})
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def test_an_unsure_frame_is_kept_with_its_box_shown_in_full_and_deleted_on_resolve(
    shared_server: LiveServer,
) -> None:
    garage = unsure_garage(shared_server)
    review_id = post_frame(garage)["review_id"]
    [review] = pending(garage)
    assert review["review_id"] == review_id
    frame = review["frame"]
    assert frame is not None, review
    assert review["plate"] and review["candidates"] == [review["plate"]]  # the reader's one guess
    x, y, w, h = frame["box"]
    assert w > 0 and h > 0 and x + w <= frame["width"] and y + h <= frame["height"]

    url = f"/api/v1/parking/sites/{garage.site}/reviews/{review_id}/frame"
    with shared_server.client() as admin:
        assert admin.get(url).status_code == 422  # no purpose, no frame
        shown = admin.get(url, params={"purpose": PURPOSE})
    assert shown.status_code == 200, shown.text
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["cache-control"] == "no-store"
    image = Image.open(io.BytesIO(shown.content))
    assert image.format == "JPEG" and image.size == (frame["width"], frame["height"])
    # The box holds the plate: its pixels differ from the frame's (a plate on a car,
    # not an empty patch).
    crop = image.convert("L").crop((x, y, x + w, y + h))
    low, high = crop.getextrema()
    assert high - low > 80, (low, high)

    reads = [
        entry
        for entry in shared_server.audit_entries()
        if entry["action"] == "parking.review_frame.read" and entry.get("site_id") == garage.site
    ]
    assert len(reads) == 1 and reads[0]["targets"] == [review_id]
    assert reads[0]["purpose"] == PURPOSE

    # An operator sees plates masked: the frame (the plate in full) is refused.
    with shared_server.client(Role.OPERATOR) as operator:
        refused = operator.get(url, params={"purpose": PURPOSE})
        assert refused.status_code == 403, refused.text
        listed = operator.get(f"/api/v1/parking/sites/{garage.site}/reviews").json()
    assert listed[0]["frame"] == frame  # the box is no personal data

    resolved = garage.admin("POST", f"/reviews/{review_id}/resolve", json={"dismiss": True})
    assert resolved.status_code == 200, resolved.text
    with shared_server.client() as admin:
        assert admin.get(url, params={"purpose": PURPOSE}).status_code == 404
    store = shared_server.open_storage()
    try:
        assert store.review_frames.get(garage.site, review_id) is None
    finally:
        store.close()


def test_a_read_without_a_frame_has_none_and_a_sure_frame_keeps_nothing(
    shared_server: LiveServer,
) -> None:
    garage = Garage(shared_server, f"rf{next(_sites)}")
    review_id = garage.read("gate-in", "浙A·12845", confidence=0.4).json()["review_id"]
    [review] = pending(garage)
    assert review["review_id"] == review_id and review["frame"] is None
    url = f"/api/v1/parking/sites/{garage.site}/reviews/{review_id}/frame"
    with shared_server.client() as admin:
        assert admin.get(url, params={"purpose": PURPOSE}).status_code == 404


def test_retention_deletes_a_frame_past_its_date(shared_server: LiveServer) -> None:
    site = f"rf{next(_sites)}"
    now = datetime.now(UTC)
    store = shared_server.open_storage()
    try:
        for review_id, expires in (
            ("old", now - timedelta(days=1)),
            ("new", now + timedelta(days=1)),
            ("open", None),
        ):
            store.review_frames.add(
                ReviewFrame(site, review_id, "v-gone", now, expires, 4, 4, (0, 0, 2, 2), b"sealed")
            )
        report = run_retention(store.events, store.access_media, {}, frames=store.review_frames)
        assert report.deleted.get("review_frames", 0) >= 1
        assert store.review_frames.get(site, "old") is None
        assert store.review_frames.get(site, "new") is not None
        assert store.review_frames.get(site, "open") is not None
        assert set(store.review_frames.kept_for(site, ["old", "new", "open"])) == {"new", "open"}
    finally:
        store.close()


def unsure_burst() -> tuple[bytes, bytes]:
    """Two frames of one car (a development photo, cn_blue_036), each read unsurely
    alone, on different characters, that settle it together; skips without the set."""
    photo = devsets_folder() / "plates" / "images" / "cn_blue_036.jpg"
    if not photo.is_file():
        pytest.skip(f"no plate development set at {photo.parent.parent} ({FOLDER_VARIABLE})")
    image = Image.open(photo).convert("RGB")
    return blurred(image, 1.2), jpeg(image, 45)


def test_a_later_frame_of_the_car_settles_the_review_and_its_frame_goes(
    shared_server: LiveServer,
) -> None:
    """A lane camera's burst: 川A82M83 blurred, its M read at 0.55, goes to review; the
    next frame (JPEG 45) reads it alike, unsure of its 川 alone, and the two frames
    together let the car in. The first frame's review is closed with its frame, and a
    guard who had it open is told why (docs/parking.md#bursts)."""
    first, later = unsure_burst()
    garage = Garage(shared_server, f"rf{next(_sites)}")
    with device_client(shared_server, garage.tokens["gate-in"]) as camera:
        answers = [
            camera.post(
                "/api/v1/gates/gate-in/frames", content=body, headers={"Content-Type": "image/jpeg"}
            ).json()
            for body in (first, later)
        ]
    assert answers[0]["reason"] == "review" and answers[0]["open"] is False, answers[0]
    assert answers[1]["open"] is True and answers[1]["reason"] == "ticketless", answers[1]
    assert answers[1]["plate"] == mask_plate("川A·82M83"), answers[1]
    # the answer, the entry's event and the lane view say the read stands on two frames
    assert (answers[0]["frames"], answers[1]["frames"]) == (1, 2), answers
    entry = next(e for e in events_of(shared_server, garage.site, "parking.entry"))
    assert entry["attributes"]["frames"] == 2, entry
    lanes = garage.admin("GET", "/lanes/status")
    assert lanes.status_code == 200, lanes.text
    decisions = next(lane for lane in lanes.json() if lane["device_id"] == "gate-in")["decisions"]
    assert [d["frames"] for d in decisions if d["kind"] == "parking.entry"] == [2], decisions
    review_id = answers[0]["review_id"]
    resolved = garage.admin("GET", "/reviews", params={"state": "resolved"})
    assert resolved.status_code == 200, resolved.text
    settled = next(r for r in resolved.json() if r["review_id"] == review_id)
    assert settled["resolution"] == "settled" and settled["resolved_by"] == "gate-in", settled
    store = shared_server.open_storage()
    try:
        assert store.review_frames.get(garage.site, review_id) is None
    finally:
        store.close()
    again = garage.admin("POST", f"/reviews/{review_id}/resolve", json={"confirm": True})
    assert again.status_code == 422, again.text
    assert "a later frame of the same car at gate-in read the plate surely" in again.text
