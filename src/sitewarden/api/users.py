"""Operators: accounts (admins), one's own profile, password and API keys."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from sitewarden.accounts import accounts, second_factor
from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.passwords import hash_password
from sitewarden.accounts.records import ApiKey, User
from sitewarden.accounts.roles import Role
from sitewarden.accounts.second_factor import ROLES_NEEDING_SECOND_FACTOR
from sitewarden.api.authentication import (
    SESSION_COOKIE,
    SecondFactorRequired,
    SignedIn,
    SignedInBeforePasswordChange,
    UserManager,
    UserReader,
)
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import granted_scope, record_audit, visible_user, within_scope
from sitewarden.api.schemas import (
    ApiKeyIn,
    ApiKeyOut,
    CreatedApiKey,
    CreatedUser,
    PasswordChange,
    TotpCode,
    TotpEnrolment,
    UserIn,
    UserOut,
    UserPatch,
)
from sitewarden.errors import InvalidInput, NotFound, PermissionDenied
from sitewarden.tokens import hash_secret

router = APIRouter(prefix="/api/v1", tags=["operators"])


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut.model_validate(key, from_attributes=True)


def _require_user_id(context: AppContext, user_id: str) -> User:
    user = context.store.accounts.get_user(user_id)
    if user is None:
        raise NotFound(f"user {user_id!r} not found")
    return user


@router.get("/users", response_model=list[UserOut])
def list_users(operator: UserReader, context: Context) -> list[UserOut]:
    return [
        user_out(user)
        for user in context.store.accounts.list_users()
        if within_scope(operator, user.site_scope)
    ]


@router.post("/users", response_model=CreatedUser, status_code=201)
def create_user(
    body: UserIn, request: Request, operator: UserManager, context: Context
) -> CreatedUser:
    user, generated = accounts.create_user(
        context.store.accounts,
        context.store.registry,
        body.username,
        body.role,
        password=body.password,
        site_scope=granted_scope(context, operator, body.site_scope),
    )
    record_audit(context, request, operator, "user.create", None, [user.user_id], None)
    return CreatedUser(**user_out(user).model_dump(), password=generated)


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: str, operator: UserReader, context: Context) -> UserOut:
    return user_out(visible_user(context, operator, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def patch_user(
    user_id: str, body: UserPatch, request: Request, operator: UserManager, context: Context
) -> UserOut:
    user = visible_user(context, operator, user_id)
    if user.user_id == operator.user_id and (body.disabled or body.role not in (None, Role.ADMIN)):
        raise InvalidInput("you cannot disable yourself or drop your own admin role")
    changes = body.model_dump(exclude_unset=True)
    if (
        user.user_id == operator.user_id
        and operator.site_scope is not None
        and "site_scope" in changes
    ):
        raise PermissionDenied("you cannot change your own site scope; ask an admin without one")
    if "role" in changes and body.role is not None:
        user = replace(user, role=body.role.value)
    if "site_scope" in changes:
        user = replace(user, site_scope=granted_scope(context, operator, body.site_scope))
    if body.password is not None:
        user = replace(user, password_hash=hash_password(body.password), must_change_password=True)
    if body.disabled is not None:
        user = replace(user, disabled=body.disabled)
    context.store.accounts.update_user(user)
    if body.disabled or body.password is not None:
        context.store.accounts.delete_user_sessions(user.user_id)
    if body.disabled:
        accounts.end_access(context.store.accounts, user.user_id)  # its API keys too, for good
    for action in _user_changes(changes):
        record_audit(context, request, operator, action, None, [user.user_id], None)
    return user_out(user)


def _user_changes(changes: dict[str, object]) -> list[str]:
    """The audit actions of a PATCH: one per kind of change it makes."""
    actions = []
    if changes.get("role") is not None:
        actions.append("user.role")
    if "site_scope" in changes:
        actions.append("user.scope")
    if changes.get("password") is not None:
        actions.append("user.password_reset")
    if changes.get("disabled") is not None:
        actions.append("user.disable" if changes["disabled"] else "user.enable")
    return actions


@router.get("/me", response_model=UserOut, summary="The signed-in operator")
def get_me(operator: SignedIn, context: Context) -> UserOut:
    return user_out(_require_user_id(context, operator.user_id))


@router.post("/me/password", status_code=204, response_class=Response)
def change_password(
    body: PasswordChange,
    request: Request,
    operator: SignedInBeforePasswordChange,
    context: Context,
) -> Response:
    user = _require_user_id(context, operator.user_id)
    accounts.change_own_password(
        context.store.accounts, user, body.current_password, body.new_password
    )
    record_audit(context, request, operator, "user.password_change", None, [user.user_id], None)
    return Response(status_code=204)


@router.get("/me/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(operator: SignedIn, context: Context) -> list[ApiKeyOut]:
    return [api_key_out(key) for key in context.store.accounts.list_api_keys(operator.user_id)]


@router.post("/me/api-keys", response_model=CreatedApiKey, status_code=201)
def create_api_key(
    body: ApiKeyIn, request: Request, operator: SignedIn, context: Context
) -> CreatedApiKey:
    user = _require_user_id(context, operator.user_id)
    _second_factor_first(context, operator, "create API keys")
    scopes = tuple(body.scopes) if body.scopes is not None else None
    key, token = accounts.create_api_key(
        context.store.accounts, user, body.name, scopes, expires_at=body.expires_at
    )
    record_audit(context, request, operator, "api_key.create", None, [key.key_id], None)
    return CreatedApiKey(**api_key_out(key).model_dump(), token=token)


def _second_factor_first(context: AppContext, operator: Operator, what: str) -> None:
    """Keys must not become a way around the second factor."""
    if (
        context.settings.require_second_factor
        and operator.via == "session"
        and operator.role in ROLES_NEEDING_SECOND_FACTOR
        and not operator.second_factor
    ):
        raise SecondFactorRequired(f"sign in with your second factor before you {what}")


@router.post("/me/totp", response_model=TotpEnrolment, summary="Start second-factor enrolment")
def start_totp(request: Request, operator: SignedIn, context: Context) -> TotpEnrolment:
    user = _require_user_id(context, operator.user_id)
    second_factor.check_change_allowed(user, operator, datetime.now(UTC))
    secret, uri = second_factor.start_enrolment(context.store.accounts, user, context.totp_key)
    record_audit(context, request, operator, "user.totp_start", None, [user.user_id], None)
    return TotpEnrolment(secret=secret, otpauth_uri=uri)


@router.post("/me/totp/confirm", status_code=204, response_class=Response)
def confirm_totp(
    body: TotpCode, request: Request, operator: SignedIn, context: Context
) -> Response:
    """Confirm with a code; a cookie session that confirms counts as second-factor signed in."""
    user = _require_user_id(context, operator.user_id)
    second_factor.check_change_allowed(user, operator, datetime.now(UTC))
    second_factor.confirm_enrolment(context.store.accounts, user, context.totp_key, body.code)
    record_audit(context, request, operator, "user.totp_confirm", None, [user.user_id], None)
    cookie = request.cookies.get(SESSION_COOKIE)
    if operator.via == "session" and cookie:
        context.store.accounts.set_session_second_factor(hash_secret(cookie))
    return Response(status_code=204)


@router.delete("/me/api-keys/{key_id}", status_code=204, response_class=Response)
def revoke_api_key(key_id: str, request: Request, operator: SignedIn, context: Context) -> Response:
    key = context.store.accounts.get_api_key(key_id)
    if key is None or key.user_id != operator.user_id:
        raise NotFound(f"API key {key_id!r} not found")
    context.store.accounts.revoke_api_key(key_id, datetime.now(UTC))
    record_audit(context, request, operator, "api_key.revoke", None, [key_id], None)
    return Response(status_code=204)
