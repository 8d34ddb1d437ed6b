"""The doctor page (admins): what ``sitewarden doctor`` finds about this deployment,
each finding with its severity and how to fix it, checked afresh on each visit (which
also refreshes the banner's cache, see ``web/health.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.health import findings_cache
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/doctor", response_class=HTMLResponse)
def doctor_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.DOCTOR_READ))
) -> Response:
    cache = findings_cache(request)
    return TEMPLATES.TemplateResponse(
        request,
        "doctor.html",
        {
            "operator": operator,
            "page": "doctor",
            "csrf": operator.csrf_token,
            "report": None if cache is None else cache.get(fresh=True),
        },
    )
