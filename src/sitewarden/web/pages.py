"""Page routes. Pages need a signed-in operator; without one they answer 401 with the
sign-in form, so the address stays and the form returns there after sign-in."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from sitewarden.api.auth import SESSION_COOKIE, Requires, SecondFactorRequired
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.session import set_session_cookie, sign_in
from sitewarden.auth import accounts, second_factor
from sitewarden.auth.accounts import Operator
from sitewarden.auth.roles import Permission
from sitewarden.auth.secrets import hash_secret
from sitewarden.errors import AuthenticationFailed, InvalidInput, PermissionDenied

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


class SignInRequired(AuthenticationFailed):
    """A page was asked for without a usable session; answered with the sign-in form."""


class SecondFactorPage(SecondFactorRequired):
    """A page was asked for by an admin who has not proved a second factor yet."""


class PageRequires(Requires):
    """Like :class:`Requires`, but a missing session shows the sign-in form (401) and a
    missing second factor leads to the enrolment page."""

    def __call__(self, request: Request, context: AppContext = Depends(get_context)) -> Operator:
        try:
            return super().__call__(request, context)
        except AuthenticationFailed as exc:
            raise SignInRequired(exc.message) from exc
        except SecondFactorRequired as exc:
            raise SecondFactorPage(exc.message) from exc


async def second_factor_page_required(request: Request, exc: Exception) -> Response:
    """Exception handler: send the operator to set up (or use) their second factor."""
    return RedirectResponse("/account/second-factor", status_code=303)


async def sign_in_required(request: Request, exc: Exception) -> Response:
    """Exception handler: the sign-in form, returning to the page asked for."""
    message = exc.message if isinstance(exc, SignInRequired) else None
    if request.cookies.get(SESSION_COOKIE) is None:
        message = None  # first visit: no need to say anything went wrong
    return login_page(request, message=message, status=401, next_path=request.url.path)


def _safe_next(target: str) -> str:
    # Only paths on this site: no scheme, no '//' host, so sign-in cannot redirect away.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_page(
    request: Request, *, message: str | None, status: int, next_path: str, username: str = ""
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {"message": message, "next_path": _safe_next(next_path), "username": username},
        status_code=status,
    )


@router.get("/login", response_class=HTMLResponse)
def get_login(request: Request, next: str = "/") -> Response:
    return login_page(request, message=None, status=200, next_path=next)


@router.post("/login", response_class=HTMLResponse)
def post_login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "/",
    code: Annotated[str, Form(max_length=10)] = "",
    context: AppContext = Depends(get_context),
) -> Response:
    try:
        token, _ = sign_in(context, request, username, password, code or None)
    except AuthenticationFailed as exc:
        return login_page(
            request, message=exc.message, status=401, next_path=next, username=username
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, token, context.settings)
    return response


@router.post("/logout")
def post_logout(
    request: Request,
    csrf_token: Annotated[str, Form(max_length=200)],
    context: AppContext = Depends(get_context),
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        operator = accounts.operator_from_session(context.store, cookie)
        if operator.csrf_token != csrf_token:
            raise PermissionDenied("sign-out form is stale; reload the page")
        accounts.close_web_session(context.store, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _page(request: Request, template: str, operator: Operator, title: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request, template, {"operator": operator, "title": title, "csrf": operator.csrf_token}
    )


@router.get("/", response_class=HTMLResponse)
def live_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.EVENTS_READ))
) -> Response:
    return _page(request, "live.html", operator, "Live events")


@router.get("/devices", response_class=HTMLResponse)
def devices_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.REGISTRY_READ))
) -> Response:
    return _page(request, "devices.html", operator, "Devices")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.ALERTS_READ))
) -> Response:
    return _page(request, "alerts.html", operator, "Alerts")


@router.get("/account/second-factor", response_class=HTMLResponse)
def second_factor_page(
    request: Request,
    operator: Operator = Depends(PageRequires(Permission.SELF)),
    context: AppContext = Depends(get_context),
) -> Response:
    """Enrol a TOTP authenticator; one already enrolled means signing in again with a code."""
    user = context.store.get_user(operator.user_id)
    assert user is not None
    enrolment = None
    if not user.totp_enabled:
        secret, uri = second_factor.start_enrolment(context.store, user, context.totp_key)
        enrolment = {"secret": secret, "uri": uri}
    return TEMPLATES.TemplateResponse(
        request,
        "second_factor.html",
        {
            "operator": operator,
            "title": "Second factor",
            "csrf": operator.csrf_token,
            "enrolment": enrolment,
            "message": None,
        },
    )


@router.post("/account/second-factor", response_class=HTMLResponse)
def confirm_second_factor(
    request: Request,
    code: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)],
    context: AppContext = Depends(get_context),
) -> Response:
    """A form post: the session and its CSRF token (a form field here) are checked below."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise SignInRequired("sign in first")
    operator = accounts.operator_from_session(context.store, cookie)
    if not operator.csrf_token or not hmac.compare_digest(operator.csrf_token, csrf_token):
        raise PermissionDenied("the form is stale; reload the page")
    user = context.store.get_user(operator.user_id)
    assert user is not None
    try:
        second_factor.confirm_enrolment(context.store, user, context.totp_key, code.strip())
    except InvalidInput as exc:
        return TEMPLATES.TemplateResponse(
            request,
            "second_factor.html",
            {
                "operator": operator,
                "title": "Second factor",
                "csrf": operator.csrf_token,
                "enrolment": None,
                "message": exc.message,
            },
            status_code=422,
        )
    context.store.set_session_second_factor(hash_secret(cookie))
    return RedirectResponse("/", status_code=303)
