"""The garage's set-up pages: lists and permits, tariffs with a fee preview, revenue.

Each page is a shell; its script asks the parking API for everything, so the API's
checks (roles, site scope, masking, audit) stay the only ones.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)
PARKING_READER = Depends(PageRequires(Permission.PARKING_READ))


@router.get("/garage/lists", response_class=HTMLResponse)
def lists_page(request: Request, operator: Operator = PARKING_READER) -> Response:
    return _page(request, "garage_lists.html", operator, "garage-lists")


@router.get("/garage/tariffs", response_class=HTMLResponse)
def tariffs_page(request: Request, operator: Operator = PARKING_READER) -> Response:
    return _page(request, "garage_tariffs.html", operator, "garage-tariffs")


@router.get("/garage/revenue", response_class=HTMLResponse)
def revenue_page(request: Request, operator: Operator = PARKING_READER) -> Response:
    return _page(request, "garage_revenue.html", operator, "garage-revenue")
