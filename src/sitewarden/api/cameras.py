"""Ordinary cameras' snapshots: faces are blurred before anything is written.

Cameras post with their own device token; operators list snapshots and open one
(the blurred JPEG) only with a purpose, which is audited.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sitewarden.access.records import Snapshot
from sitewarden.access.snapshots import camera_for, open_snapshot, store_snapshot
from sitewarden.api.access_schemas import SnapshotOut
from sitewarden.api.authentication import SnapshotReader, device_only
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import Purpose, SiteInScope, record_audit
from sitewarden.api.ratelimit import RateLimited, RateLimiter
from sitewarden.api.schemas import IMAGE_UPLOAD
from sitewarden.registry.records import Device, Sender
from sitewarden.vision.faces import FaceEngine
from sitewarden.vision.images import SNAPSHOT, decode_image, image_slot

SNAPSHOTS_PATH = re.compile(r"^/api/v1/cameras/[^/]+/snapshots$")

router = APIRouter(prefix="/api/v1", tags=["cameras"])


class SnapshotDesk:
    """What blurring snapshots needs, kept apart from the readers' face engine so that a
    camera's large snapshot never makes a door wait: a face engine of its own (only its
    detector is used) and each camera's share of snapshot pixels."""

    def __init__(self, engine: FaceEngine, pixels: RateLimiter) -> None:
        self.engine = engine
        self.pixels = pixels


def build_snapshot_desk(context: AppContext) -> SnapshotDesk:
    settings = context.settings
    pixels = RateLimiter(
        settings.snapshot_pixels_per_s, settings.snapshot_pixels_burst, "camera's snapshots"
    )
    return SnapshotDesk(FaceEngine(min_face_px=settings.face_min_px), pixels)


def get_snapshot_desk(request: Request) -> SnapshotDesk:
    desk: SnapshotDesk = request.app.state.snapshots
    return desk


def charge_snapshot(desk: SnapshotDesk, site_id: str, device_id: str, pixels: int) -> None:
    """Take a decoded snapshot's pixels from the camera's share before the costly face
    search, or refuse it with 429 and when to retry (a file that does not decode costs
    nothing: it is refused before)."""
    try:
        desk.pixels.check(f"{site_id}/{device_id}", pixels)
    except RateLimited as exc:
        raise RateLimited(
            f"camera {device_id} sent more snapshot pixels than its share "
            f"({desk.pixels.per_second:,.0f} a second, {desk.pixels.burst:,.0f} at once); "
            f"retry in {exc.retry_after} s",
            exc.retry_after,
        ) from exc


def snapshot_out(snapshot: Snapshot) -> SnapshotOut:
    return SnapshotOut.model_validate(snapshot, from_attributes=True)


@router.post(
    "/cameras/{device_id}/snapshots",
    response_model=SnapshotOut,
    status_code=201,
    summary="A camera's snapshot (JPEG/PNG, up to 8 MB): every face blurred, then stored sealed",
    openapi_extra=IMAGE_UPLOAD,
)
async def post_snapshot(
    device_id: str,
    request: Request,
    context: Context,
    sender: Sender = Depends(device_only),
    desk: SnapshotDesk = Depends(get_snapshot_desk),
) -> SnapshotOut:
    """Faces are only detected and blurred here: never embedded, never matched."""
    camera = await run_in_threadpool(camera_for, context.store.registry, sender, device_id)
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    snapshot = await run_in_threadpool(blur_and_store, context, desk, camera, body, content_type)
    return snapshot_out(snapshot)


def blur_and_store(
    context: AppContext, desk: SnapshotDesk, camera: Device, body: bytes, content_type: str
) -> Snapshot:
    """Decode, turn upright by the camera's rotation, blur and store holding one snapshot
    slot, so that a burst of snapshots keeps only a few decoded images in memory at once."""
    site_id, device_id = camera.site_id, camera.device_id
    with image_slot(SNAPSHOT):
        image = decode_image(body, content_type, SNAPSHOT)
        charge_snapshot(desk, site_id, device_id, image.width * image.height)
        stored = store_snapshot(
            context.store.access_media,
            context.vault,
            desk.engine,
            site_id,
            device_id,
            image,
            rotation=camera.rotation,
        )
    return stored.snapshot


@router.get("/sites/{site_id}/snapshots", response_model=list[SnapshotOut])
def list_snapshots(
    site_id: str,
    operator: SnapshotReader,
    context: Context,
    site: SiteInScope,
    device: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SnapshotOut]:
    return [
        snapshot_out(s) for s in context.store.access_media.list_snapshots(site_id, device, limit)
    ]


@router.get(
    "/sites/{site_id}/snapshots/{snapshot_id}",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The blurred snapshot as JPEG (needs a purpose; audited)",
)
def get_snapshot(
    site_id: str,
    snapshot_id: str,
    request: Request,
    purpose: Purpose,
    operator: SnapshotReader,
    context: Context,
    site: SiteInScope,
) -> Response:
    jpeg = open_snapshot(context.store.access_media, context.vault, site_id, snapshot_id)
    record_audit(context, request, operator, "snapshot.read", site_id, [snapshot_id], purpose)
    return Response(jpeg, media_type="image/jpeg")
