"""The audit viewer: who read or changed what, whose data (by reference), why, when and
through which request; filters in the address; the chain's verification state; a period
exported for an inspector.

The page is a shell; ``static/audit.js`` asks ``/api/v1/audit/...`` (api/audit_routes.py)
for everything, so the API's checks (the audit:read permission, site scope) stay the
only ones.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.operator_scope import PURPOSE_MAX, PURPOSE_MIN
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.AUDIT_READ))
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "audit.html",
        {
            "operator": operator,
            "page": "audit",
            "csrf": operator.csrf_token,
            "purpose_min": PURPOSE_MIN,
            "purpose_max": PURPOSE_MAX,
        },
    )
