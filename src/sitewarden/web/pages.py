"""Page routes. Pages need a signed-in operator; without one they answer 401 with the
sign-in form, so the address stays and the form returns there after sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from sitewarden.api.auth import SESSION_COOKIE, Requires
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.session import set_session_cookie, sign_in
from sitewarden.auth import accounts
from sitewarden.auth.accounts import Operator
from sitewarden.auth.roles import Permission
from sitewarden.errors import AuthenticationFailed, PermissionDenied

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)


class SignInRequired(AuthenticationFailed):
    """A page was asked for without a usable session; answered with the sign-in form."""


class PageRequires(Requires):
    """Like :class:`Requires`, but a missing session shows the sign-in form (401)."""

    def __call__(self, request: Request, context: AppContext = Depends(get_context)) -> Operator:
        try:
            return super().__call__(request, context)
        except AuthenticationFailed as exc:
            raise SignInRequired(exc.message) from exc


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
    context: AppContext = Depends(get_context),
) -> Response:
    try:
        token, _ = sign_in(context, username, password)
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
