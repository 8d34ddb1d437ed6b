"""The overview dashboard: one site at a glance (alarms, devices, occupancy, parking,
doors). A shell: ``static/overview.js`` asks ``GET /api/v1/sites/{id}/overview``, which
leaves out what the role may not read; the page shows only the panels it may."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)


@router.get("/overview", response_class=HTMLResponse)
def overview_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.EVENTS_READ))
) -> Response:
    return _page(request, "overview.html", operator, "overview")
