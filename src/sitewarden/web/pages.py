"""Page routes. Pages need a signed-in operator; without one they answer 401 with the
sign-in form, so the address stays and the form returns there after sign-in."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from sitewarden.accounts import accounts, second_factor
from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.records import User
from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import (
    SESSION_COOKIE,
    PasswordChangeRequired,
    Requires,
    SecondFactorRequired,
)
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.operator_scope import record_audit
from sitewarden.api.ratelimit import RateLimited
from sitewarden.api.session import record_sign_out, set_session_cookie, sign_in
from sitewarden.api.signin_delays import client_key
from sitewarden.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from sitewarden.tokens import hash_secret
from sitewarden.web.error_pages import PageForbidden
from sitewarden.web.form_messages import form_message
from sitewarden.web.templating import TEMPLATES
from sitewarden.web.totp_qr import enrolment_qr

STATIC_DIR = Path(__file__).parent / "static"
# Login CSRF: a random value in this cookie and in the form's hidden field, which another
# site can neither read nor set, so it cannot sign a browser in to an account of its own.
LOGIN_COOKIE = "sitewarden_login"

router = APIRouter(include_in_schema=False)


class SignInRequired(AuthenticationFailed):
    """A page was asked for without a usable session; answered with the sign-in form."""


class SecondFactorPage(SecondFactorRequired):
    """A page was asked for by an admin who has not proved a second factor yet."""


class PasswordPage(PasswordChangeRequired):
    """A page was asked for by an operator who must change their password first."""


class PageRequires(Requires):
    """Like :class:`Requires`, but a missing session shows the sign-in form (401), a
    password to change leads to the password page, a missing second factor to the
    enrolment page and a permission the role lacks to the console's 403 page."""

    def __call__(self, request: Request, context: AppContext = Depends(get_context)) -> Operator:
        try:
            return super().__call__(request, context)
        except AuthenticationFailed as exc:
            raise SignInRequired(exc.message) from exc
        except PasswordChangeRequired as exc:
            raise PasswordPage(exc.message) from exc
        except SecondFactorRequired as exc:
            raise SecondFactorPage(exc.message) from exc
        except PermissionDenied as exc:
            raise PageForbidden(self.permission.value) from exc


async def password_page_required(request: Request, exc: Exception) -> Response:
    """Exception handler: send the operator to change their password."""
    return RedirectResponse("/account/password", status_code=303)


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
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not (
        20 <= len(token) <= 100
        and token.isascii()
        and token.replace("-", "").replace("_", "").isalnum()
    ):
        token = secrets.token_urlsafe(24)  # kept while valid, so that two tabs both work
    response = TEMPLATES.TemplateResponse(
        request,
        "login.html",
        {
            "message": form_message(request, message),
            "next_path": _safe_next(next_path),
            "username": username,
            "login_csrf": token,
        },
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE, token, max_age=3600, httponly=True, secure=True, samesite="strict",
        path="/login",
    )  # fmt: skip
    return response


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
    login_csrf: Annotated[str, Form(max_length=200)] = "",
    context: AppContext = Depends(get_context),
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), login_csrf.encode()):
        return login_page(
            request,
            message="the sign-in form expired or came from another site; sign in again",
            status=403,
            next_path=next,
        )
    try:
        token, _ = sign_in(context, request, username, password, code or None)
    except (AuthenticationFailed, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 401
        page = login_page(
            request, message=exc.message, status=status, next_path=next, username=username
        )
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
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
        operator = accounts.operator_from_session(context.store.accounts, cookie)
        if not operator.csrf_token or not hmac.compare_digest(
            operator.csrf_token.encode(), csrf_token.encode()
        ):
            raise PermissionDenied("sign-out form is stale; reload the page")
        accounts.close_web_session(context.store.accounts, cookie)
        record_sign_out(context, request, operator)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _page(request: Request, template: str, operator: Operator, page: str) -> Response:
    """A console page; ``page`` marks its link in the navigation (base.html), which also
    gives the page its translated title unless the template sets one."""
    return TEMPLATES.TemplateResponse(
        request, template, {"operator": operator, "csrf": operator.csrf_token, "page": page}
    )


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every page; our SVG icon rather than a 404 in every log."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/", response_class=HTMLResponse)
def live_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.EVENTS_READ))
) -> Response:
    return _page(request, "live.html", operator, "live")


@router.get("/devices", response_class=HTMLResponse)
def devices_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.REGISTRY_READ))
) -> Response:
    return _page(request, "devices.html", operator, "devices")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request, operator: Operator = Depends(PageRequires(Permission.ALERTS_READ))
) -> Response:
    return _page(request, "alerts.html", operator, "alerts")


def _second_factor_form(
    request: Request,
    operator: Operator,
    enrolment: tuple[str, str] | None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "second_factor.html",
        {
            "operator": operator,
            "csrf": operator.csrf_token,
            "enrolment": None
            if enrolment is None
            else {"secret": enrolment[0], "uri": enrolment[1], "qr": enrolment_qr},
            "message": form_message(request, message),
            "required": operator.role in second_factor.ROLES_NEEDING_SECOND_FACTOR,
        },
        status_code=status,
    )


@router.get("/account/second-factor", response_class=HTMLResponse)
def second_factor_page(
    request: Request,
    operator: Operator = Depends(PageRequires(Permission.SELF)),
    context: AppContext = Depends(get_context),
) -> Response:
    """Enrol a TOTP authenticator; one already enrolled means signing in again with a code.

    Viewing shows the pending secret, started on the first view and kept until it is
    confirmed (or replaced with POST /api/v1/me/totp): a reload changes nothing.
    """
    user = context.store.accounts.get_user(operator.user_id)
    assert user is not None
    enrolment = None
    if not user.totp_enabled:
        enrolment = second_factor.pending_enrolment(user, context.totp_key)
        if enrolment is None:
            enrolment = second_factor.start_enrolment(
                context.store.accounts, user, context.totp_key
            )
    return _second_factor_form(request, operator, enrolment)


def _form_operator(request: Request, context: AppContext, csrf_token: str) -> Operator:
    """The session of a form post, checked with its CSRF token (a form field here)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise SignInRequired("sign in first")
    operator = accounts.operator_from_session(context.store.accounts, cookie)
    if not operator.csrf_token or not hmac.compare_digest(operator.csrf_token, csrf_token):
        raise PermissionDenied("the form is stale; reload the page")
    return operator


@router.post("/account/second-factor", response_class=HTMLResponse)
def confirm_second_factor(
    request: Request,
    code: Annotated[str, Form(max_length=10)],
    csrf_token: Annotated[str, Form(max_length=200)],
    context: AppContext = Depends(get_context),
) -> Response:
    """Confirm a pending enrolment, or prove the enrolled factor in this session."""
    operator = _form_operator(request, context, csrf_token)
    if operator.must_change_password:
        raise PasswordPage("change your password first")
    user = context.store.accounts.get_user(operator.user_id)
    assert user is not None
    try:
        if user.totp_enabled:
            _prove_second_factor(request, context, user, code.strip())
            action = "auth.second_factor"
        else:
            second_factor.check_change_allowed(user, operator, datetime.now(UTC))
            second_factor.confirm_enrolment(
                context.store.accounts, user, context.totp_key, code.strip()
            )
            action = "user.totp_confirm"
    except (InvalidInput, AuthenticationFailed, PermissionDenied, RateLimited) as exc:
        pending = (
            None if user.totp_enabled else second_factor.pending_enrolment(user, context.totp_key)
        )
        return _second_factor_form(request, operator, pending, exc.message, 422)
    record_audit(context, request, operator, action, None, [user.user_id], None)
    cookie = request.cookies.get(SESSION_COOKIE)
    assert cookie is not None
    context.store.accounts.set_session_second_factor(hash_secret(cookie))
    return RedirectResponse("/", status_code=303)


def _prove_second_factor(request: Request, context: AppContext, user: User, code: str) -> None:
    """A code for a session signed in without one; wrong codes slow down as at sign-in."""
    client = client_key(request.client.host if request.client else "unknown")
    context.signin_delays.check(user.username, client)
    try:
        second_factor.check_sign_in_code(context.store.accounts, user, context.totp_key, code)
    except AuthenticationFailed:
        context.signin_delays.failed(user.username, client)
        raise


@router.get("/account/password", response_class=HTMLResponse)
def password_page(
    request: Request,
    operator: Operator = Depends(PageRequires(Permission.SELF, before_password_change=True)),
) -> Response:
    """Change one's own password (first of all when someone else set it)."""
    return _password_form(request, operator)


def _password_form(
    request: Request, operator: Operator, message: str | None = None, status: int = 200
) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        "change_password.html",
        {"operator": operator, "csrf": operator.csrf_token,
         "message": form_message(request, message)},
        status_code=status,
    )  # fmt: skip


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    current_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)],
    context: AppContext = Depends(get_context),
) -> Response:
    """Every session ends with the change, so this one too: sign in with the new password."""
    operator = _form_operator(request, context, csrf_token)
    user = context.store.accounts.get_user(operator.user_id)
    assert user is not None
    try:
        accounts.change_own_password(context.store.accounts, user, current_password, new_password)
    except (InvalidInput, AuthenticationFailed) as exc:
        return _password_form(request, operator, exc.message, 422)
    record_audit(context, request, operator, "user.password_change", None, [user.user_id], None)
    response = login_page(
        request,
        message="password changed; sign in with the new one",
        status=200,
        next_path="/",
        username=user.username,
    )
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
