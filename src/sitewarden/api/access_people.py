"""People routes: enrol people, badges and faces; bar people; erase them (admins).
Names, ID numbers and phones are shown only with a purpose, masked or in full by role,
and every opening is audited."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sitewarden.access.decisions import AccessDesk
from sitewarden.access.gallery import EnrolmentReport, enrol_faces
from sitewarden.access.records import Person
from sitewarden.api.access_common import AppAccessDesk
from sitewarden.api.access_schemas import (
    BadgeIn,
    BadgeOut,
    BarIn,
    EnrolmentOut,
    PersonChangeIn,
    PersonIn,
    PersonOut,
)
from sitewarden.api.authentication import AccessManager, AccessReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.disclosure import Disclosure, disclosure_for
from sitewarden.api.operator_scope import OptionalPurpose, Purpose, SiteInScope, record_audit
from sitewarden.errors import InvalidInput
from sitewarden.privacy.masking import mask_all, mask_name
from sitewarden.vision.images import FACE_IMAGE, MAX_IMAGE_BYTES, decode_image, image_slot

ENROL_PATH = re.compile(r"^/api/v1/access/sites/[^/]+/people/[^/]+/faces$")
ENROL_LIMIT = 5 * MAX_IMAGE_BYTES + 64 * 1024

router = APIRouter(prefix="/api/v1", tags=["access"])


def person_out(
    context: AppContext, desk: AccessDesk, person: Person, level: Disclosure
) -> PersonOut:
    shown = PersonOut(
        person_id=person.person_id,
        subject_id=person.subject_id,
        group=person.group,
        valid_from=person.valid_from,
        valid_until=person.valid_until,
        barred=person.barred_at is not None,
        barred_at=person.barred_at,
        barred_by=person.barred_by,
        badges=sum(
            1
            for b in context.store.access.list_badges(person.site_id, person.person_id)
            if b.revoked_at is None
        ),
        face_templates=context.store.access.count_face_templates(person.site_id, person.person_id),
        created_at=person.created_at,
        groups=context.store.access_groups.groups_of(person.site_id, person.person_id),
        disclosure="none",
    )
    if level is Disclosure.NONE:
        return shown
    details = desk.people.details(person)
    if details is None:
        return shown
    if level is Disclosure.FULL:
        return shown.model_copy(
            update={
                "disclosure": "full",
                "name": details.name,
                "national_id": details.national_id,
                "phone": details.phone,
                "bar_reason": details.bar_reason,
            }
        )
    return shown.model_copy(
        update={
            "disclosure": "masked",
            "name": mask_name(details.name),
            "national_id": None if details.national_id is None else mask_all(details.national_id),
            "phone": None if details.phone is None else mask_all(details.phone),
        }
    )


def _person(desk: AccessDesk, site_id: str, person_id: str) -> Person:
    return desk.people.require(site_id, person_id)


PEOPLE = "/access/sites/{site_id}/people"


@router.post(PEOPLE, response_model=PersonOut, status_code=201, summary="Enrol a person")
def add_person(
    site_id: str,
    body: PersonIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> PersonOut:
    person = desk.people.enrol(
        site_id,
        name=body.name,
        group=body.group,
        actor=operator.username,
        national_id=body.national_id,
        phone=body.phone,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
    )
    for value in body.badges:
        desk.people.add_badge(person, value)
    record_audit(context, request, operator, "access.enrol", site_id, [person.subject_id], None)
    return person_out(context, desk, person, Disclosure.NONE)


@router.get(PEOPLE, response_model=list[PersonOut], summary="People of a site")
def list_people(
    site_id: str,
    request: Request,
    operator: AccessReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
    group: Annotated[str | None, Query(max_length=40)] = None,
    purpose: OptionalPurpose = None,
) -> list[PersonOut]:
    level = disclosure_for(operator, purpose)
    people = context.store.access.list_people(site_id, group)
    shown = [person_out(context, desk, person, level) for person in people]
    if level is not Disclosure.NONE and people:
        targets = [p.subject_id for p in people]
        record_audit(context, request, operator, "access.people.read", site_id, targets, purpose)
    return shown


@router.get(PEOPLE + "/{person_id}", response_model=PersonOut, summary="One person")
def get_person(
    site_id: str,
    person_id: str,
    request: Request,
    operator: AccessReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
    purpose: OptionalPurpose = None,
) -> PersonOut:
    person = _person(desk, site_id, person_id)
    level = disclosure_for(operator, purpose)
    if level is not Disclosure.NONE:
        record_audit(
            context, request, operator, "access.people.read", site_id, [person.subject_id], purpose
        )
    return person_out(context, desk, person, level)


@router.patch(PEOPLE + "/{person_id}", response_model=PersonOut, summary="Group or validity")
def change_person(
    site_id: str,
    person_id: str,
    body: PersonChangeIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> PersonOut:
    person = desk.people.change(
        _person(desk, site_id, person_id),
        group=body.group,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        clear_window=body.clear_window,
    )
    targets = [person.subject_id]
    record_audit(context, request, operator, "access.person.change", site_id, targets, None)
    return person_out(context, desk, person, Disclosure.NONE)


@router.delete(PEOPLE + "/{person_id}", status_code=204, summary="Erase a person (crypto-shred)")
def erase_person(
    site_id: str,
    person_id: str,
    request: Request,
    purpose: Purpose,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> Response:
    person = _person(desk, site_id, person_id)
    desk.people.erase(person)
    record_audit(context, request, operator, "access.erase", site_id, [person.subject_id], purpose)
    return Response(status_code=204)


# --- badges, bars, faces ---------------------------------------------------------------------
@router.post(PEOPLE + "/{person_id}/badges", response_model=BadgeOut, status_code=201)
def add_badge(
    site_id: str,
    person_id: str,
    body: BadgeIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> BadgeOut:
    person = _person(desk, site_id, person_id)
    badge = desk.people.add_badge(person, body.badge_id)
    targets = [badge.badge_ref, person.subject_id]
    record_audit(context, request, operator, "access.badge.add", site_id, targets, None)
    return BadgeOut(
        badge_ref=badge.badge_ref,
        person_id=badge.person_id,
        created_at=badge.created_at,
        revoked_at=None,
    )


@router.get(PEOPLE + "/{person_id}/badges", response_model=list[BadgeOut])
def list_badges(
    site_id: str,
    person_id: str,
    operator: AccessReader,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> list[BadgeOut]:
    _person(desk, site_id, person_id)
    return [
        BadgeOut.model_validate(b, from_attributes=True)
        for b in context.store.access.list_badges(site_id, person_id)
    ]


@router.post("/access/sites/{site_id}/badges/{badge_ref}/revoke", status_code=204)
def revoke_badge(
    site_id: str,
    badge_ref: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> Response:
    desk.people.revoke_badge(site_id, badge_ref)
    record_audit(context, request, operator, "access.badge.revoke", site_id, [badge_ref], None)
    return Response(status_code=204)


@router.post(PEOPLE + "/{person_id}/bar", response_model=PersonOut, summary="Bar a person")
def bar_person(
    site_id: str,
    person_id: str,
    body: BarIn,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> PersonOut:
    person = desk.people.bar(_person(desk, site_id, person_id), body.reason, operator.username)
    record_audit(context, request, operator, "access.bar", site_id, [person.subject_id], None)
    return person_out(context, desk, person, Disclosure.NONE)


@router.delete(PEOPLE + "/{person_id}/bar", response_model=PersonOut, summary="Lift a bar")
def lift_bar(
    site_id: str,
    person_id: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> PersonOut:
    person = desk.people.lift_bar(_person(desk, site_id, person_id))
    record_audit(context, request, operator, "access.unbar", site_id, [person.subject_id], None)
    return person_out(context, desk, person, Disclosure.NONE)


@router.post(
    PEOPLE + "/{person_id}/faces",
    response_model=EnrolmentOut,
    status_code=201,
    summary="Enrol a face from 1 to 5 photos (multipart 'photos'); needs consent for 'access'",
)
async def enrol_face(
    site_id: str,
    person_id: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> EnrolmentOut:
    """Photos are read in memory; only the sealed embeddings are stored."""
    await run_in_threadpool(_person, desk, site_id, person_id)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidInput("send the photos as multipart/form-data fields named 'photos'")
    form = await request.form(max_files=5, max_fields=5)
    uploads = form.getlist("photos")
    bodies = []
    for upload in uploads:
        if isinstance(upload, str):
            raise InvalidInput("each 'photos' field must be a JPEG or PNG file")
        bodies.append((await upload.read(), upload.content_type or ""))
    report = await run_in_threadpool(enrol_photos, context, desk, site_id, person_id, bodies)
    await run_in_threadpool(
        record_audit,
        context,
        request,
        operator,
        "access.enrol_face",
        site_id,
        [f"p-{person_id}"],
        None,
    )
    return EnrolmentOut(
        person_id=report.person_id,
        templates=report.templates,
        gallery_version=report.gallery_version,
    )


def enrol_photos(
    context: AppContext,
    desk: AccessDesk,
    site_id: str,
    person_id: str,
    bodies: list[tuple[bytes, str]],
) -> EnrolmentReport:
    """Decode every photo (all must pass before anything is stored) and enrol them,
    holding one face-image slot so that only a few enrolments' images are in memory."""
    with image_slot(FACE_IMAGE):
        photos = [decode_image(data, media, FACE_IMAGE) for data, media in bodies]
        return enrol_faces(
            context.store.access,
            context.store.privacy,
            context.vault,
            desk.galleries,
            desk.engine,
            site_id,
            person_id,
            photos,
            context.settings.face_match_threshold,
        )


@router.delete(PEOPLE + "/{person_id}/faces", status_code=204, summary="Erase face templates")
def erase_faces(
    site_id: str,
    person_id: str,
    request: Request,
    operator: AccessManager,
    context: Context,
    site: SiteInScope,
    desk: AppAccessDesk,
) -> Response:
    person = _person(desk, site_id, person_id)
    context.store.access.drop_face_templates(site_id, person.subject_id)
    targets = [person.subject_id]
    record_audit(context, request, operator, "access.erase_faces", site_id, targets, None)
    return Response(status_code=204)
