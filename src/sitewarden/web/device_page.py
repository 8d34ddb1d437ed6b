"""One device's page: what it is, its token's state, its recent events and open alarms,
how often it was heard from (a chart with a table beside it), and for those who may
change the registry, editing it and rotating or revoking its token.

The page is a shell; ``static/device.js`` asks the registry, events and alerts APIs for
everything, so their checks stay the only ones. An unknown device, or one of a site the
operator may not see (``SiteInScope``), answers the console's 404 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.web.error_pages import error_page
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/devices/{site_id}/{device_id}", response_class=HTMLResponse)
def device_page(
    request: Request,
    site_id: str,
    device_id: str,
    operator: Annotated[Operator, Depends(PageRequires(Permission.REGISTRY_READ))],
    site: SiteInScope,  # after the guard: 401/403 first, then 404 for a site out of scope
    context: Annotated[AppContext, Depends(get_context)],
) -> Response:
    if context.store.registry.get_device(site_id, device_id) is None:
        return error_page(request, 404)
    return TEMPLATES.TemplateResponse(
        request,
        "device.html",
        {
            "operator": operator,
            "page": "devices",
            "csrf": operator.csrf_token,
            "site_id": site_id,
            "device_id": device_id,
        },
    )
