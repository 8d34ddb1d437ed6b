"""The garage page: each lane's last decisions and barrier, the garages' occupancy now
and over the day, sessions (found by plate with a purpose), unpaid exits, payments and
opening a lane by hand.

The page is a shell; its scripts read the parking APIs and act through them, so their
checks and audit entries stay the only ones: ``static/garage_view.js`` (the site, the
purpose and the plates it opened, money), ``static/garage_lanes.js`` (the lane cards,
opening a lane by hand, occupancy) and ``static/garage.js`` (sessions, unpaid exits,
payments, and the page's site chooser and timers). Every role that may read parking
opens it; plates show only with a purpose and by role (masked for operators, never for
viewers).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)


@router.get("/garage", response_class=HTMLResponse)
def garage_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.PARKING_READ))
) -> Response:
    return _page(request, "garage.html", operator, "garage")
