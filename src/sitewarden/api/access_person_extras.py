"""What the console's person page needs beyond the people routes: the dates of a
person's face templates (never the vectors), reporting a badge lost (revoked, with
the reason kept so the page can say so; audited) and the person's named access groups
(replaced as a whole; audited)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sitewarden.access.groups import parse_group_names
from sitewarden.api.access_common import AppAccessDesk
from sitewarden.api.access_people import person_out
from sitewarden.api.access_schemas import FaceTemplateOut, PersonGroupsIn, PersonOut
from sitewarden.api.authentication import AccessManager, AccessReader
from sitewarden.api.context import Context
from sitewarden.api.disclosure import Disclosure
from sitewarden.api.operator_scope import SiteInScope, record_audit
from sitewarden.errors import NotFound

router = APIRouter(prefix="/api/v1/access/sites/{site_id}", tags=["access"])


@router.get(
    "/people/{person_id}/faces",
    response_model=list[FaceTemplateOut],
    summary="When each of a person's face templates was made (the face library)",
)
def list_face_templates(
    site_id: str,
    person_id: str,
    operator: AccessReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> list[FaceTemplateOut]:
    desk.people.require(site_id, person_id)
    made = context.store.access.face_template_sources(site_id, person_id)
    return [FaceTemplateOut(created_at=at, source=source) for at, source in made]


@router.post(
    "/badges/{badge_ref}/lost", status_code=204, summary="Report a badge lost (revokes it)"
)
def report_badge_lost(
    site_id: str,
    badge_ref: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> Response:
    badge = context.store.access.get_badge(site_id, badge_ref)
    if badge is None:
        raise NotFound(f"no badge {badge_ref!r} in site {site_id!r}")
    desk.people.revoke_badge(site_id, badge_ref, reason="lost")
    person = desk.people.require(site_id, badge.person_id)
    record_audit(
        context,
        request,
        operator,
        "access.badge.lost",
        site_id,
        [badge_ref, person.subject_id],
        None,
    )
    return Response(status_code=204)


@router.put(
    "/people/{person_id}/groups",
    response_model=PersonOut,
    summary="Replace the named access groups a person is in",
)
def put_person_groups(
    site_id: str,
    person_id: str,
    body: PersonGroupsIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> PersonOut:
    person = desk.people.require(site_id, person_id)
    names = parse_group_names(body.groups)  # every name checked before anything is stored
    context.store.access_groups.set_groups(site_id, person_id, names)
    targets = [person.subject_id]
    record_audit(context, request, operator, "access.person.groups", site_id, targets, None)
    return person_out(context, desk, person, Disclosure.NONE)
