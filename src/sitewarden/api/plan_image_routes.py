"""A site's optional floor-plan image, drawn under the console's site plan.

Admins (``registry:write``) upload a PNG or JPEG of up to 4 MB; it is decoded with
Pillow before it is stored, so only a real image of an acceptable size is kept, and the
bytes are served as uploaded to ``registry:read``. Uploading and removing are audited.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from sitewarden.api.authentication import RegistryReader, RegistryWriter
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.api.schemas import IMAGE_UPLOAD
from sitewarden.errors import NotFound
from sitewarden.registry.records import PlanImage
from sitewarden.vision.images import ImageUse, decode_image, image_slot

PLAN_IMAGE_MAX_BYTES = 4 * 1024 * 1024
PLAN_IMAGE_PATH = re.compile(r"^/api/v1/sites/[^/]+/plan-image$")
# A drawing of a building may be long and narrow (a row of shops): up to 8:1.
FLOOR_PLAN = ImageUse("floor-plan image", "be drawn under the plan", upright=True)

router = APIRouter(prefix="/api/v1/sites", tags=["registry"])


class PlanImageOut(BaseModel):
    site_id: str
    media_type: str
    width: int
    height: int
    bytes: int
    uploaded_by: str
    uploaded_at: datetime


def plan_image_out(plan: PlanImage) -> PlanImageOut:
    return PlanImageOut(
        site_id=plan.site_id,
        media_type=plan.media_type,
        width=plan.width,
        height=plan.height,
        bytes=len(plan.image),
        uploaded_by=plan.uploaded_by,
        uploaded_at=plan.uploaded_at,
    )


def checked_size(body: bytes, media_type: str) -> tuple[int, int]:
    """(width, height) once Pillow decoded the whole image; an error says what is wrong."""
    with image_slot(FLOOR_PLAN):
        image = decode_image(body, media_type, FLOOR_PLAN)
        return image.width, image.height


@router.put(
    "/{site_id}/plan-image",
    response_model=PlanImageOut,
    summary="Upload the site's floor-plan image (PNG or JPEG, up to 4 MB; audited)",
    openapi_extra=IMAGE_UPLOAD,
)
async def put_plan_image(
    site_id: str, request: Request, operator: RegistryWriter, context: Context, site: SiteInScope
) -> PlanImageOut:
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    width, height = await run_in_threadpool(checked_size, body, media_type)
    plan = PlanImage(site_id, media_type, body, width, height, operator.username, datetime.now(UTC))
    await run_in_threadpool(context.store.registry.put_plan_image, plan)
    record_audit(context, request, operator, "site.plan_image.upload", site_id, [site_id], None)
    return plan_image_out(plan)


@router.get(
    "/{site_id}/plan-image/info",
    response_model=PlanImageOut | None,
    summary="The floor-plan image's type, size and uploader; null when there is none",
)
def plan_image_info(
    site_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> PlanImageOut | None:
    plan = context.store.registry.get_plan_image(site_id)
    return None if plan is None else plan_image_out(plan)


@router.get(
    "/{site_id}/plan-image",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
    summary="The floor-plan image as uploaded",
)
def get_plan_image(
    site_id: str, operator: RegistryReader, context: Context, site: SiteInScope
) -> Response:
    plan = context.store.registry.get_plan_image(site_id)
    if plan is None:
        raise NotFound(f"site {site_id!r} has no floor-plan image")
    return Response(
        plan.image, media_type=plan.media_type, headers={"Cache-Control": "private, no-cache"}
    )


@router.delete("/{site_id}/plan-image", status_code=204, response_class=Response)
def delete_plan_image(
    site_id: str, request: Request, operator: RegistryWriter, context: Context, site: SiteInScope
) -> Response:
    if not context.store.registry.delete_plan_image(site_id):
        raise NotFound(f"site {site_id!r} has no floor-plan image")
    record_audit(context, request, operator, "site.plan_image.delete", site_id, [site_id], None)
    return Response(status_code=204)
