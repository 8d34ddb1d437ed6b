"""What the access routes share: the node's access desk (built by the runtime)."""

from __future__ import annotations

from fastapi import Request

from sitewarden.access.decisions import AccessDesk


def get_desk(request: Request) -> AccessDesk:
    desk: AccessDesk = request.app.state.access
    return desk
