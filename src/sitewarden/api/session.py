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
from sitewarden.config import Settings

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


def sign_in(context: AppContext, username: str, password: str) -> tuple[str, LoginOut]:
    """Check the password and open a session; the cookie value and the answer body."""
    user = accounts.check_password_login(context.store, username, password)
    token, session = accounts.open_web_session(
        context.store, user, timedelta(hours=context.settings.session_hours)
    )
    return token, LoginOut(
        user=user_out(user), csrf_token=session.csrf_token, expires_at=session.expires_at
    )


@router.post("/login", response_model=LoginOut, summary="Sign in; sets the session cookie")
def login(
    body: LoginIn, response: Response, context: AppContext = Depends(get_context)
) -> LoginOut:
    token, answer = sign_in(context, body.username, body.password)
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
