"""The site plan page: each site's devices drawn on its plan, coloured by health and
marked by open alarms; who may change the registry places devices by dragging.

The page is a shell; ``static/plan.js`` reads the registry and alerts APIs and saves a
moved device through the registry API, so their checks and audit stay the only ones.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.REGISTRY_READ))
) -> Response:
    return _page(request, "plan.html", operator, "plan")
