"""The plate review queue: reads the gate was not sure of, one at a time, confirmed,
corrected or rejected from the keyboard.

The page is a shell; ``static/reviews.js`` reads and resolves reviews through the
parking API (``parking:review``), which audits each resolution and decides at the lane.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)


@router.get("/garage/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.PARKING_REVIEW))
) -> Response:
    return _page(request, "reviews.html", operator, "reviews")
