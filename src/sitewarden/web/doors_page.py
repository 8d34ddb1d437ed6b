"""The doors page: reader decisions as they happen (who, masked unless a purpose is
given; which door; granted or why not), doors held open or forced, and a remote unlock
with a reason for those who may.

The page is a shell; ``static/doors.js`` polls the doors API (its checks, masking and
audit stay the only ones).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.operator_scope import PURPOSE_MAX
from sitewarden.web.explorer_page import may_open_personal
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/doors", response_class=HTMLResponse)
def doors_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.EVENTS_READ))
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "doors.html",
        {
            "operator": operator,
            "page": "doors",
            "csrf": operator.csrf_token,
            "may_open_personal": may_open_personal(operator),
            "purpose_max": PURPOSE_MAX,
        },
    )
