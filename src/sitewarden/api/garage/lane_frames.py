"""The last gate frame read at a lane (audited, with a purpose)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import ParkingReader
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import Purpose, SiteInScope, record_audit
from sitewarden.errors import PermissionDenied
from sitewarden.parking.lane_frames import open_lane_frame
from sitewarden.parking.review_frames import MEDIA_TYPE

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.get(
    "/parking/sites/{site_id}/lanes/{device_id}/frame",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The last gate frame read at a lane: the plate in full (audited)",
)
def get_lane_frame(
    site_id: str,
    device_id: str,
    request: Request,
    purpose: Purpose,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
) -> Response:
    """Only a role that sees plates in full (``personal:read``) opens it. The plate's box
    is sent in the ``X-Plate-Box`` header (x,y,width,height in the frame's pixels)."""
    if not operator.may(Permission.PERSONAL_READ):
        raise PermissionDenied(
            "the lane's frame shows the plate in full: your role sees plates masked, so "
            "it is not shown"
        )
    kept = open_lane_frame(context.store.lane_frames, context.vault, site_id, device_id)
    record_audit(
        context, request, operator, "parking.lane_frame.read", site_id, [device_id], purpose
    )
    return Response(
        kept.sealed_frame,
        media_type=MEDIA_TYPE,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "X-Plate-Box": ",".join(str(v) for v in kept.box),
            "X-Frame-Size": f"{kept.width},{kept.height}",
            "X-Frame-Taken-At": kept.taken_at.isoformat(),
        },
    )
