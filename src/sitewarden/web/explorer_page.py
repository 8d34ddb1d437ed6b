"""The event explorer page: search stored events by time, place, kind, severity and text,
page through them, follow new ones live and open one event's detail.

The page is a shell; its scripts (``static/explorer_filters.js``, ``explorer_detail.js``,
``explorer.js``) ask the events API for everything, so the API's checks (site scope,
masking, the audit of opened personal data) stay the only ones.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.operator_scope import PURPOSE_MAX
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


def may_open_personal(operator: Operator) -> bool:
    """Whether the API shows this operator anything of a sealed part given a purpose
    (in full or masked); others never get the "show with purpose" step."""
    return operator.may(Permission.PERSONAL_READ) or operator.may(Permission.PERSONAL_MASKED)


@router.get("/events", response_class=HTMLResponse)
def explorer_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.EVENTS_READ))
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "explorer.html",
        {
            "operator": operator,
            "page": "events",
            "csrf": operator.csrf_token,
            "may_open_personal": may_open_personal(operator),
            "purpose_max": PURPOSE_MAX,
        },
    )
