"""Administrators reset another operator's password or second factor (a forgotten
password, a lost phone): within their site scope, as for the accounts themselves, and
never their own (their account page is for that). Each reset is audited."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from sitewarden.accounts import accounts, second_factor
from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.records import User
from sitewarden.api.authentication import UserManager
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import record_audit, visible_user
from sitewarden.api.schemas import PasswordReset
from sitewarden.errors import InvalidInput

router = APIRouter(prefix="/api/v1/users", tags=["operators"])


def _someone_else(context: AppContext, operator: Operator, user_id: str, what: str) -> User:
    user = visible_user(context, operator, user_id)
    if user.user_id == operator.user_id:
        raise InvalidInput(f"you cannot reset your own {what} here; use your account page")
    return user


@router.post(
    "/{user_id}/password-reset",
    response_model=PasswordReset,
    summary="Give the user a one-time password they must change at their next sign-in",
)
def reset_password(
    user_id: str, request: Request, operator: UserManager, context: Context
) -> PasswordReset:
    user = _someone_else(context, operator, user_id, "password")
    _, password = accounts.reset_password(context.store.accounts, user)
    record_audit(context, request, operator, "user.password_reset", None, [user.user_id], None)
    return PasswordReset(user_id=user.user_id, password=password)


@router.post(
    "/{user_id}/totp-reset",
    status_code=204,
    response_class=Response,
    summary="Drop the user's second factor; they enrol again at their next sign-in",
)
def reset_totp(user_id: str, request: Request, operator: UserManager, context: Context) -> Response:
    user = _someone_else(context, operator, user_id, "second factor")
    second_factor.reset_second_factor(context.store.accounts, user)
    record_audit(context, request, operator, "user.totp_reset", None, [user.user_id], None)
    return Response(status_code=204)
