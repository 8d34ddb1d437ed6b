"""The privacy centre's pages: subject requests, consents, the retention schedule and
the records of processing. ``/privacy`` opens the first of them the role may see.

The pages are shells; their scripts (``static/privacy_*.js``) call the privacy APIs, so
those APIs' checks and audit stay the only ones.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission, role_may
from sitewarden.web.pages import PageRequires, _page

router = APIRouter(include_in_schema=False)

# (path, permission) of each page, in the order of the centre's tabs.
PRIVACY_PAGES = (
    ("/privacy/requests", Permission.SUBJECT_REQUESTS),
    ("/privacy/consents", Permission.CONSENT_MANAGE),
    ("/privacy/retention", Permission.AUDIT_READ),
    ("/privacy/records", Permission.AUDIT_READ),
)


@router.get("/privacy")
def privacy_centre(
    operator: Operator = Depends(PageRequires(Permission.AUDIT_READ)),
) -> Response:
    for path, permission in PRIVACY_PAGES:
        if role_may(operator.role, permission):
            return RedirectResponse(path, status_code=303)
    raise AssertionError("every role with audit:read may see the retention page")


@router.get("/privacy/requests", response_class=HTMLResponse)
def requests_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.SUBJECT_REQUESTS))
) -> Response:
    return _page(request, "privacy_requests.html", operator, "privacy")


@router.get("/privacy/consents", response_class=HTMLResponse)
def consents_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.CONSENT_MANAGE))
) -> Response:
    return _page(request, "privacy_consents.html", operator, "privacy")


@router.get("/privacy/retention", response_class=HTMLResponse)
def retention_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.AUDIT_READ))
) -> Response:
    return _page(request, "privacy_retention.html", operator, "privacy")


@router.get("/privacy/records", response_class=HTMLResponse)
def records_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.AUDIT_READ))
) -> Response:
    return _page(request, "privacy_records.html", operator, "privacy")
