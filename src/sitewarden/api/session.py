"""Sign in and out with a password; the session lives in an HttpOnly cookie."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request, Response

from sitewarden.api.auth import SESSION_COOKIE, requires
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.schemas import LoginIn, LoginOut
from sitewarden.api.users import user_out
from sitewarden.auth import accounts
from sitewarden.auth.accounts import Operator
from sitewarden.auth.roles import Permission
from sitewarden.auth.second_factor import check_sign_in_code
from sitewarden.config import Settings
from sitewarden.errors import AuthenticationFailed

router = APIRouter(prefix="/api/v1/auth", tags=["session"])


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,
        secure=True,  # browsers treat http://127.0.0.1 and localhost as secure origins
        samesite="strict",
        path="/",
    )


def sign_in(
    context: AppContext, request: Request, username: str, password: str, code: str | None
) -> tuple[str, LoginOut]:
    """Check the password (and TOTP code) and open a session; the cookie value and the
    answer body. Failures count towards lock-out and are audited."""
    client = request.client.host if request.client else "unknown"
    context.login_limiter.check(client)
    settings = context.settings
    try:
        user = accounts.check_password_login(
            context.store,
            username,
            password,
            max_failures=settings.login_max_failures,
            lockout=timedelta(minutes=settings.lockout_minutes),
        )
        second_factor = check_sign_in_code(user, context.totp_key, code)
    except AuthenticationFailed as exc:
        context.audit.record(
            actor=username[:64],
            role="-",
            action="auth.locked" if isinstance(exc, accounts.AccountLocked) else "auth.failed",
            targets=[client],
            request_id=getattr(request.state, "request_id", None),
        )
        raise
    token, session = accounts.open_web_session(
        context.store, user, timedelta(hours=settings.session_hours), second_factor=second_factor
    )
    return token, LoginOut(
        user=user_out(user), csrf_token=session.csrf_token, expires_at=session.expires_at
    )


@router.post("/login", response_model=LoginOut, summary="Sign in; sets the session cookie")
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    context: AppContext = Depends(get_context),
) -> LoginOut:
    token, answer = sign_in(context, request, body.username, body.password, body.totp)
    set_session_cookie(response, token, context.settings)
    return answer


@router.post("/logout", status_code=204, response_class=Response)
def logout(
    request: Request,
    operator: Operator = requires(Permission.SELF),
    context: AppContext = Depends(get_context),
) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.close_web_session(context.store, cookie)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
