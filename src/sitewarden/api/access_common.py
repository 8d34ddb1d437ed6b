"""What the access routes share: the app's access desk."""

from __future__ import annotations

from fastapi import Request

from sitewarden.access.decisions import AccessDesk, FaceSettings
from sitewarden.access.gallery import Galleries
from sitewarden.access.people import People
from sitewarden.api.context import AppContext
from sitewarden.vision.faces import FaceEngine


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
