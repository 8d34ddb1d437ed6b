"""Sign in and out with a password; the session lives in an HttpOnly cookie."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from sitewarden.accounts import accounts
from sitewarden.accounts.accounts import AccountDisabled, Operator
from sitewarden.accounts.second_factor import SecondFactorMissing, check_sign_in_code
from sitewarden.api.authentication import SESSION_COOKIE, SignedInBeforePasswordChange
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import record_audit
from sitewarden.api.ratelimit import RateLimited
from sitewarden.api.schemas import LoginIn, LoginOut
from sitewarden.api.signin_delays import client_key
from sitewarden.api.users import user_out
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
    answer body. Failures are audited, and slow down this client for this name."""
    address = request.client.host if request.client else "unknown"
    client = client_key(address)
    context.login_limiter.check(client)
    name = username[:64]
    try:
        context.signin_delays.check(name, client)
        user = accounts.check_password_login(context.store.accounts, username, password)
        second_factor = check_sign_in_code(context.store.accounts, user, context.totp_key, code)
    except (AuthenticationFailed, RateLimited) as exc:
        counts = not isinstance(exc, RateLimited | AccountDisabled | SecondFactorMissing)
        if counts:  # a wrong password or code, or a used code
            context.signin_delays.failed(name, client)
        context.audit.record(
            actor=name,
            role="-",
            action="auth.failed" if counts else "auth.refused",
            targets=[address],
            request_id=getattr(request.state, "request_id", None),
        )
        raise
    context.signin_delays.succeeded(name, client)
    context.audit.record(
        actor=user.username,
        role=user.role,
        action="auth.login",
        targets=[address],
        request_id=getattr(request.state, "request_id", None),
    )
    token, session = accounts.open_web_session(
        context.store.accounts,
        user,
        timedelta(hours=context.settings.session_hours),
        second_factor=second_factor,
        client_address=address,
        user_agent=request.headers.get("user-agent"),
    )
    return token, LoginOut(
        user=user_out(user), csrf_token=session.csrf_token, expires_at=session.expires_at
    )


def record_sign_out(context: AppContext, request: Request, operator: Operator) -> None:
    """The audit entry of a sign-out (API or console form), from where it came."""
    address = request.client.host if request.client else "unknown"
    record_audit(context, request, operator, "auth.logout", None, [address], None)


@router.post("/login", response_model=LoginOut, summary="Sign in; sets the session cookie")
def login(body: LoginIn, request: Request, response: Response, context: Context) -> LoginOut:
    token, answer = sign_in(context, request, body.username, body.password, body.totp)
    set_session_cookie(response, token, context.settings)
    return answer


@router.post("/logout", status_code=204, response_class=Response)
def logout(request: Request, operator: SignedInBeforePasswordChange, context: Context) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.close_web_session(context.store.accounts, cookie)
    record_sign_out(context, request, operator)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
