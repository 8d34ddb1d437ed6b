"""What the access routes share: the node's access desk (built by the runtime)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from sitewarden.access.decisions import AccessDesk


def get_desk(request: Request) -> AccessDesk:
    desk: AccessDesk = request.app.state.access
    return desk


# A route's ``desk: AppAccessDesk``: the app's access desk, as a dependency.
AppAccessDesk = Annotated[AccessDesk, Depends(get_desk)]
