"""What the access routes share: the app's access desk, site visibility, auditing."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from sitewarden.access.decisions import AccessDesk, FaceSettings
from sitewarden.access.gallery import Galleries
from sitewarden.access.people import People
from sitewarden.api.context import AppContext
from sitewarden.auth.accounts import Operator
from sitewarden.errors import NotFound
from sitewarden.registry.service import require_site
from sitewarden.store.records import Site
from sitewarden.vision.faces import FaceEngine

PurposeQuery = Annotated[
    str | None, Query(min_length=3, max_length=200, description="why you need names (audited)")
]


def build_desk(context: AppContext) -> AccessDesk:
    """The app's access desk; the face models load on the first face."""
    settings = context.settings
    people = People(context.store, context.vault)
    return AccessDesk(
        context.store,
        people,
        Galleries(context.store, context.vault),
        FaceEngine(min_face_px=settings.face_min_px),
        context.writer,
        context.ids,
        FaceSettings(settings.face_match_threshold, settings.face_match_margin),
    )


def get_desk(request: Request) -> AccessDesk:
    desk: AccessDesk = request.app.state.access
    return desk


def visible_site(context: AppContext, operator: Operator, site_id: str) -> Site:
    if not operator.sees_site(site_id):
        raise NotFound(f"site {site_id!r} not found")
    return require_site(context.store, site_id)


def audit(
    context: AppContext,
    request: Request,
    operator: Operator,
    action: str,
    site_id: str,
    targets: list[str],
    purpose: str | None,
) -> None:
    context.audit.record(
        actor=operator.username,
        role=operator.role.value,
        action=action,
        targets=targets,
        site_id=site_id,
        purpose=purpose,
        request_id=getattr(request.state, "request_id", None),
    )
