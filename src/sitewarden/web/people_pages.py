"""The people pages: the list of a site's people (filter, find, enrol), one person's page
(badges, the rules that apply, bar and unbar, the visitor pass's window, consent and face
enrolment, the face library) and the access rules with their schedules and holidays.

The pages are shells; ``static/people.js``, ``static/person.js`` and
``static/access_rules.js`` ask the access and consents APIs for everything, so the API's
checks (roles, site scope, masking, consent before enrolment, the audit) stay the only
ones. Personal fields open only after a "show with purpose" step, masked or in full by
role, as the API decides.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.operator_scope import PURPOSE_MAX, SiteInScope
from sitewarden.web.error_pages import error_page
from sitewarden.web.explorer_page import may_open_personal
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)
AccessReaderPage = Annotated[Operator, Depends(PageRequires(Permission.ACCESS_READ))]


def _shell(request: Request, template: str, operator: Operator, **values: object) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "operator": operator,
            "csrf": operator.csrf_token,
            "may_open_personal": may_open_personal(operator),
            "purpose_max": PURPOSE_MAX,
            **values,
        },
    )


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request, operator: AccessReaderPage) -> Response:
    return _shell(request, "people.html", operator, page="people")


@router.get("/people/{site_id}/{person_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    site_id: str,
    person_id: str,
    operator: AccessReaderPage,
    site: SiteInScope,  # after the guard: 401/403 first, then 404 for a site out of scope
    context: Annotated[AppContext, Depends(get_context)],
) -> Response:
    if context.store.access.get_person(site_id, person_id) is None:
        return error_page(request, 404)
    return _shell(
        request, "person.html", operator, page="people", site_id=site_id, person_id=person_id
    )


@router.get("/access/rules", response_class=HTMLResponse)
def access_rules_page(request: Request, operator: AccessReaderPage) -> Response:
    return _shell(request, "access_rules.html", operator, page="access-rules")
