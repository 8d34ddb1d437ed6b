"""What the access routes share: the node's access desk (built by the runtime) and the
purpose parameter."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

from sitewarden.access.decisions import AccessDesk

PurposeQuery = Annotated[
    str | None, Query(min_length=3, max_length=200, description="why you need names (audited)")
]


def get_desk(request: Request) -> AccessDesk:
    desk: AccessDesk = request.app.state.access
    return desk
