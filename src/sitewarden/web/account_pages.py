"""The accounts pages: the users an administrator manages (``/users``, one user at
``/users/{user_id}``) and one's own account (``/account``: API keys, second factor,
password, sessions).

The pages are shells; ``static/users.js``, ``user.js`` and ``account.js`` ask the users
and ``/me`` APIs for everything, so the API's checks (site scope, the scoped-admin rules,
the audit of each change) stay the only ones. A user outside the operator's scope answers
the console's 404 page, as a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission, Role
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.operator_scope import visible_user
from sitewarden.errors import NotFound
from sitewarden.web.error_pages import error_page
from sitewarden.web.pages import PageRequires
from sitewarden.web.templating import TEMPLATES

router = APIRouter(include_in_schema=False)

ROLES = tuple(role.value for role in Role)
SCOPED_PERMISSIONS = tuple(permission.value for permission in Permission)


def _shell(
    request: Request, template: str, operator: Operator, page: str, **extra: object
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "operator": operator,
            "csrf": operator.csrf_token,
            "page": page,
            "roles": ROLES,
            "permissions": SCOPED_PERMISSIONS,
            **extra,
        },
    )


@router.get("/users", response_class=HTMLResponse)
def users_page(
    request: Request, operator: Annotated[Operator, Depends(PageRequires(Permission.USERS_READ))]
) -> Response:
    return _shell(request, "users.html", operator, "users")


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(
    request: Request,
    user_id: str,
    operator: Annotated[Operator, Depends(PageRequires(Permission.USERS_READ))],
    context: Annotated[AppContext, Depends(get_context)],
) -> Response:
    try:
        user = visible_user(context, operator, user_id)
    except NotFound:
        return error_page(request, 404)
    return _shell(request, "user.html", operator, "users", user_id=user.user_id)


@router.get("/account", response_class=HTMLResponse)
def account_page(
    request: Request, operator: Annotated[Operator, Depends(PageRequires(Permission.SELF))]
) -> Response:
    return _shell(request, "account.html", operator, "account")
