"""The attendance page: staff first in and last out per day, totals per week and month
for each person and the group, late days and missing punches, corrections with a
reason, and the same figures as CSV or XLSX.

The page is a shell; ``static/attendance.js`` asks the attendance API for everything
(its checks, masking and audit stay the only ones).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.access.attendance_corrections import REASON_MAX
from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.operator_scope import PURPOSE_MAX
from sitewarden.web.explorer_page import may_open_personal
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/attendance", response_class=HTMLResponse)
def attendance_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.ATTENDANCE_READ))
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "attendance.html",
        {
            "operator": operator,
            "page": "attendance",
            "csrf": operator.csrf_token,
            "may_open_personal": may_open_personal(operator),
            "purpose_max": PURPOSE_MAX,
            "reason_max": REASON_MAX,
        },
    )
