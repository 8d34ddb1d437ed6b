"""Authentication dependencies: every route but the public ones declares one.

Operators authenticate with a session cookie (web pages) or a bearer API key
(scripts); devices with a bearer device token. ``Requires(permission)`` is the
single gate for operator routes; ``DeviceOnly`` for the ingest route. The route
walk test finds these objects on each route to prove nothing is left open.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from sitewarden.accounts.accounts import Operator, operator_from_api_key, operator_from_session
from sitewarden.accounts.roles import Permission
from sitewarden.accounts.second_factor import ROLES_NEEDING_SECOND_FACTOR
from sitewarden.api.context import AppContext, get_context
from sitewarden.errors import AuthenticationFailed, PermissionDenied
from sitewarden.registry.records import Sender
from sitewarden.registry.service import authenticate_device
from sitewarden.tokens import API_KEY_PREFIX, DEVICE_TOKEN_PREFIX

SESSION_COOKIE = "sitewarden_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Authorization header must be 'Bearer <token>'")
    return token.strip()


def authenticate_operator(request: Request, context: AppContext) -> Operator:
    token = bearer_token(request)
    if token is not None:
        if token.startswith(DEVICE_TOKEN_PREFIX + "_"):
            raise PermissionDenied("device tokens may only post events to /api/v1/events")
        if not token.startswith(API_KEY_PREFIX + "_"):
            raise AuthenticationFailed("unknown kind of bearer token; use an API key 'swk_...'")
        return operator_from_api_key(context.store.accounts, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise AuthenticationFailed(
            "sign in first: send 'Authorization: Bearer <API key>' or a session cookie"
        )
    operator = operator_from_session(context.store.accounts, cookie)
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not operator.csrf_token or not hmac.compare_digest(sent, operator.csrf_token):
            raise PermissionDenied(
                f"missing or wrong {CSRF_HEADER} header for a cookie session "
                "(the page sends it; scripts should use an API key)"
            )
    return operator


class SecondFactorRequired(PermissionDenied):
    code = "second_factor_required"


class PasswordChangeRequired(PermissionDenied):
    code = "password_change_required"


class Requires:
    """Dependency: an operator whose role grants ``permission``.

    A session whose account must change its password may use only routes made with
    ``before_password_change=True`` (changing it, signing out).
    """

    def __init__(self, permission: Permission, *, before_password_change: bool = False) -> None:
        self.permission = permission
        self.before_password_change = before_password_change

    def __call__(self, request: Request, context: AppContext = Depends(get_context)) -> Operator:
        operator = authenticate_operator(request, context)
        context.user_limiter.check(operator.user_id)
        if not operator.may(self.permission):
            raise PermissionDenied(
                f"role '{operator.role.value}' may not use this ({self.permission.value})"
            )
        if operator.scopes is not None and self.permission.value not in operator.scopes:
            raise PermissionDenied(
                f"this API key is limited to {', '.join(operator.scopes)}; "
                f"it may not use {self.permission.value}"
            )
        if (
            operator.via == "session"
            and operator.must_change_password
            and not self.before_password_change
        ):
            raise PasswordChangeRequired(
                "change your password first: POST /api/v1/me/password with current_password "
                "and new_password (or the account page), then sign in again"
            )
        if (
            context.settings.require_second_factor
            and operator.via == "session"
            and operator.role in ROLES_NEEDING_SECOND_FACTOR
            and not operator.second_factor
            and self.permission is not Permission.SELF
        ):
            raise SecondFactorRequired(
                f"a {operator.role.value} must sign in with a second factor: enrol at "
                "POST /api/v1/me/totp (or the account page), then sign in again with a code"
            )
        request.state.operator = operator
        return operator


class DeviceOnly:
    """Dependency: a registered device with a valid, unrevoked token."""

    def __call__(self, request: Request, context: AppContext = Depends(get_context)) -> Sender:
        token = bearer_token(request)
        if token is None:
            if request.cookies.get(SESSION_COOKIE) is not None:
                raise PermissionDenied("only devices post events; operators read them with GET")
            raise AuthenticationFailed("send the device token as 'Authorization: Bearer swd_...'")
        if token.startswith(API_KEY_PREFIX + "_"):
            raise PermissionDenied("only devices post events; API keys are for operators")
        sender = authenticate_device(context.store.registry, token)
        context.device_limiter.check(f"{sender.site_id}/{sender.device_id}")
        return sender


def requires(permission: Permission, *, before_password_change: bool = False) -> Operator:
    """``operator: Operator = requires(Permission.X)`` in a route signature; routes use the
    aliases below (``operator: ParkingManager``), one per permission."""
    dependency: Operator = Depends(
        Requires(permission, before_password_change=before_password_change)
    )
    return dependency


device_only = DeviceOnly()

# The operator a route lets in, by the permission it needs: ``operator: ParkingManager``.
AccessManager = Annotated[Operator, requires(Permission.ACCESS_MANAGE)]
AccessReader = Annotated[Operator, requires(Permission.ACCESS_READ)]
AlertHandler = Annotated[Operator, requires(Permission.ALERTS_HANDLE)]
AlertReader = Annotated[Operator, requires(Permission.ALERTS_READ)]
AttendanceReader = Annotated[Operator, requires(Permission.ATTENDANCE_READ)]
AuditReader = Annotated[Operator, requires(Permission.AUDIT_READ)]
DoorUnlocker = Annotated[Operator, requires(Permission.DOORS_UNLOCK)]
ConsentManager = Annotated[Operator, requires(Permission.CONSENT_MANAGE)]
EventReader = Annotated[Operator, requires(Permission.EVENTS_READ)]
PlateLookup = Annotated[Operator, requires(Permission.LOOKUP)]
ParkingCashier = Annotated[Operator, requires(Permission.PARKING_PAY)]
ParkingReviewer = Annotated[Operator, requires(Permission.PARKING_REVIEW)]
ParkingReader = Annotated[Operator, requires(Permission.PARKING_READ)]
ParkingManager = Annotated[Operator, requires(Permission.PARKING_MANAGE)]
RegistryReader = Annotated[Operator, requires(Permission.REGISTRY_READ)]
RegistryWriter = Annotated[Operator, requires(Permission.REGISTRY_WRITE)]
RuleManager = Annotated[Operator, requires(Permission.RULES_MANAGE)]
SnapshotReader = Annotated[Operator, requires(Permission.SNAPSHOTS_READ)]
SubjectRequester = Annotated[Operator, requires(Permission.SUBJECT_REQUESTS)]
UserManager = Annotated[Operator, requires(Permission.USERS_MANAGE)]
UserReader = Annotated[Operator, requires(Permission.USERS_READ)]
WebhookManager = Annotated[Operator, requires(Permission.WEBHOOKS_MANAGE)]
SignedIn = Annotated[Operator, requires(Permission.SELF)]
# Changing one's password and signing out stay open while a password change is due.
SignedInBeforePasswordChange = Annotated[
    Operator, requires(Permission.SELF, before_password_change=True)
]
