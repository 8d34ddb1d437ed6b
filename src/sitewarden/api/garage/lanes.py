"""Gate routes: plate cameras post reads or frames and get a decision."""

from __future__ import annotations

import functools

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from sitewarden.api.authentication import device_only
from sitewarden.api.context import Context
from sitewarden.api.garage.common import AppGateDesk, GateDesk, _gate_lane, decision_out
from sitewarden.api.parking_schemas import DecisionOut, ReadIn
from sitewarden.api.ratelimit import RateLimited
from sitewarden.api.schemas import IMAGE_UPLOAD
from sitewarden.errors import InvalidInput
from sitewarden.parking.decisions import GateDecision
from sitewarden.parking.records import Lane
from sitewarden.parking.review_frames import frame_to_keep
from sitewarden.registry.records import Sender
from sitewarden.vision.images import GATE_FRAME, decode_image, image_size, image_slot

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.post(
    "/gates/{device_id}/reads",
    response_model=DecisionOut,
    summary="A plate a smart camera read: open the gate or not (devices only)",
)
def post_read(
    device_id: str,
    body: ReadIn,
    context: Context,
    desk: AppGateDesk,
    sender: Sender = Depends(device_only),
) -> DecisionOut:
    lane = _gate_lane(context, desk, sender, device_id)
    if body.time is not None and body.time.tzinfo is None:
        raise InvalidInput("time needs a timezone offset, e.g. 2026-11-22T08:00:00Z")
    decision = desk.gates.decide_read(lane, body.plate, body.confidence, body.time)
    return decision_out(decision, body.confidence)


@router.post(
    "/gates/{device_id}/frames",
    response_model=DecisionOut,
    summary="A gate camera's frame (JPEG or PNG, up to 8 MB): read the plate and decide",
    openapi_extra=IMAGE_UPLOAD,
)
async def post_frame(
    device_id: str,
    request: Request,
    context: Context,
    desk: AppGateDesk,
    sender: Sender = Depends(device_only),
) -> DecisionOut:
    """A frame with a plate is kept re-encoded and sealed as the lane's last frame
    (replaced by the next), and with the review if its read goes to the review queue
    (until the review is resolved); one without a plate is dropped. Its
    shape is checked and its pixels charged to the camera's share before it waits for
    the reader."""
    lane = await run_in_threadpool(_gate_lane, context, desk, sender, device_id)
    arrived = desk.gates.bursts.now()  # the car's earlier frames are counted back from here
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    await run_in_threadpool(charge_frame, desk, lane, body, content_type)
    return await anyio.to_thread.run_sync(
        decide_frame, desk, lane, body, content_type, arrived, limiter=desk.frame_slots
    )


def charge_frame(desk: GateDesk, lane: Lane, body: bytes, content_type: str) -> None:
    """Take the frame's pixels (from its header) from the camera's share, or refuse it
    with 429 and when to retry; a frame with a bad type, size or shape is refused first."""
    width, height = image_size(body, content_type, GATE_FRAME)
    try:
        desk.frame_pixels.check(f"{lane.site_id}/{lane.device_id}", width * height)
    except RateLimited as exc:
        limiter = desk.frame_pixels
        raise RateLimited(
            f"plate camera {lane.device_id} sent more frame pixels than its share "
            f"({limiter.per_second:,.0f} a second, {limiter.burst:,.0f} at once); retry in "
            f"{exc.retry_after} s, and send frames only when a vehicle is at the gate",
            exc.retry_after,
        ) from exc


def decide_frame(
    desk: GateDesk, lane: Lane, body: bytes, content_type: str, arrived: float | None = None
) -> DecisionOut:
    """Decode, read and decide in one worker thread: no hop back to the event loop between
    the steps, where a busy loop would add its own wait to every frame."""
    frame = None
    # the lane's reads before this frame ``arrived``, asked for when its read is done, so
    # frames read meanwhile count too (plate_bursts)
    earlier = functools.partial(desk.gates.earlier_reads, lane.site_id, lane.device_id, arrived)
    with image_slot(GATE_FRAME):
        image = decode_image(body, content_type, GATE_FRAME)
        reading = desk.reader.read_plate(image, desk.gates.formats(lane.site_id), earlier)
        found = reading.plate
        if found is not None:
            frame = frame_to_keep(image, found.box)  # the lane's last frame; and the review's
        del image  # the decoded frame leaves memory with the slot
    if reading.plate is None:
        decision = GateDecision(
            open=False,
            reason="no_plate",
            direction=lane.direction,
            site_id=lane.site_id,
            device_id=lane.device_id,
            zone_id=lane.zone_id,
            detail=reading.reason,
        )
        return decision_out(decision, None, reading.elapsed_ms)
    candidate = reading.plate
    decision = desk.gates.decide_frame_read(
        lane,
        candidate.match,
        candidate.confidence,
        reading.doubt,
        frame,
        reading.alternatives,
        scores=candidate.scores,
        settleable=reading.settleable,
        frames=reading.frames,
    )
    return decision_out(
        decision, round(candidate.confidence, 4), reading.elapsed_ms, reading.frames
    )


# --- lanes, plate settings, tariffs ----------------------------------------------------------
