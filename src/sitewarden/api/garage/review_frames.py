"""The gate frame kept with a plate read waiting for review (audited, with a purpose)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import ParkingReviewer
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import Purpose, SiteInScope, record_audit
from sitewarden.errors import PermissionDenied
from sitewarden.parking.review_frames import MEDIA_TYPE, open_review_frame

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.get(
    "/parking/sites/{site_id}/reviews/{review_id}/frame",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}}},
    summary="The gate frame of a read waiting for review: the plate in full (audited)",
)
def get_review_frame(
    site_id: str,
    review_id: str,
    request: Request,
    purpose: Purpose,
    operator: ParkingReviewer,
    context: Context,
    site: SiteInScope,
) -> Response:
    """The frame shows the plate unmasked, so only a role that sees plates in full
    (``personal:read``) opens it; the review's JSON gives the plate's box in it. Kept
    until the review is resolved or its date passes (docs/parking.md)."""
    if not operator.may(Permission.PERSONAL_READ):
        raise PermissionDenied(
            "the frame shows the plate in full: your role sees plates masked, so it is not "
            "shown; compare the masked guess with the vehicle at the lane"
        )
    kept = open_review_frame(context.store.review_frames, context.vault, site_id, review_id)
    record_audit(
        context, request, operator, "parking.review_frame.read", site_id, [review_id], purpose
    )
    return Response(
        kept.sealed_frame,
        media_type=MEDIA_TYPE,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
