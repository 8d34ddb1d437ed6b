"""Operator accounts: creation, password login, web sessions and API keys."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from sitewarden.accounts.passwords import generate_password, hash_password, verify_password
from sitewarden.accounts.records import ApiKey, User, WebSession
from sitewarden.accounts.roles import Permission, Role, role_may
from sitewarden.accounts.tables import AccountTables
from sitewarden.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotFound
from sitewarden.registry.tables import RegistryTables
from sitewarden.tokens import (
    API_KEY_PREFIX,
    IssuedSecret,
    hash_secret,
    issue_secret,
    new_session_token,
    secret_matches,
    split_token,
)

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}$")


@dataclass(frozen=True)
class Operator:
    """An authenticated person (or their script) and what they may see."""

    user_id: str
    username: str
    role: Role
    site_scope: tuple[str, ...] | None
    via: Literal["session", "api_key"]
    csrf_token: str | None = None
    second_factor: bool = False  # this session's sign-in proved a TOTP code
    scopes: tuple[str, ...] | None = None  # an API key's permissions, if it was limited
    must_change_password: bool = False  # a session may only change it (or sign out)
    signed_in_at: datetime | None = None  # a session's sign-in (fresh enough for 2FA changes?)

    def may(self, permission: Permission) -> bool:
        return role_may(self.role, permission)

    def sees_site(self, site_id: str) -> bool:
        return self.site_scope is None or site_id in self.site_scope


def _now() -> datetime:
    return datetime.now(UTC)


def _operator(
    user: User,
    via: Literal["session", "api_key"],
    csrf: str | None = None,
    *,
    second_factor: bool = False,
    scopes: tuple[str, ...] | None = None,
    signed_in_at: datetime | None = None,
) -> Operator:
    return Operator(
        user.user_id,
        user.username,
        Role(user.role),
        user.site_scope,
        via,
        csrf,
        second_factor,
        scopes,
        user.must_change_password,
        signed_in_at,
    )


def create_user(
    accounts: AccountTables,
    sites: RegistryTables,
    username: str,
    role: Role,
    *,
    password: str | None = None,
    site_scope: tuple[str, ...] | None = None,
) -> tuple[User, str | None]:
    """Create an operator; return it and the generated password if none was given."""
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            f"username {username!r} not allowed: "
            "use 2-64 lowercase letters, digits, '.', '_' or '-'"
        )
    if accounts.get_user_by_name(username) is not None:
        raise AlreadyExists(f"user {username!r} exists already")
    for site_id in site_scope or ():
        if sites.get_site(site_id) is None:
            raise NotFound(f"site {site_id!r} does not exist; create it before scoping users to it")
    generated = None if password is not None else generate_password()
    user = User(
        user_id=str(uuid.uuid4()),
        username=username,
        role=role.value,
        password_hash=hash_password(password if password is not None else generated or ""),
        created_at=_now(),
        site_scope=site_scope,
        must_change_password=generated is not None,
    )
    accounts.add_user(user)
    return user, generated


def require_user(accounts: AccountTables, username: str) -> User:
    user = accounts.get_user_by_name(username)
    if user is None:
        raise NotFound(f"no user named {username!r}; list them with 'sitewarden users list'")
    return user


def set_password(accounts: AccountTables, user: User, password: str) -> User:
    updated = replace(user, password_hash=hash_password(password), must_change_password=False)
    accounts.update_user(updated)
    accounts.delete_user_sessions(user.user_id)
    return updated


def reset_password(accounts: AccountTables, user: User) -> tuple[User, str]:
    """An administrator's reset: a generated one-time password (returned, shown once) that
    the user must change at their next sign-in; their sessions end."""
    password = generate_password()
    updated = replace(user, password_hash=hash_password(password), must_change_password=True)
    accounts.update_user(updated)
    accounts.delete_user_sessions(user.user_id)
    return updated, password


def change_own_password(accounts: AccountTables, user: User, current: str, new: str) -> User:
    """An operator's own change: the current password first; every session ends."""
    if not verify_password(current, user.password_hash):
        raise AuthenticationFailed("current password is wrong")
    if new == current:
        raise InvalidInput("the new password must differ from the current one")
    return set_password(accounts, user, new)


def set_disabled(accounts: AccountTables, user: User, disabled: bool) -> User:
    updated = replace(user, disabled=disabled)
    accounts.update_user(updated)
    if disabled:
        end_access(accounts, user.user_id)
    return updated


def end_access(accounts: AccountTables, user_id: str) -> None:
    """A disabled account's sessions end and its API keys are revoked, so that enabling
    it again gives back the account but not the old credentials."""
    accounts.delete_user_sessions(user_id)
    now = _now()
    for key in accounts.list_api_keys(user_id):
        if key.revoked_at is None:
            accounts.revoke_api_key(key.key_id, now)


class AccountDisabled(AuthenticationFailed):
    """The password was right but the account is disabled; not a failed guess."""

    code = "account_disabled"


def check_password_login(accounts: AccountTables, username: str, password: str) -> User:
    """The user if the password is right and the account usable, else AuthenticationFailed.

    Unknown names and wrong passwords get the same answer. Repeated failures are slowed
    down per client address by the caller (api/signin_delays.py), never by locking the
    account, which would let anyone lock anyone out.
    """
    user = accounts.get_user_by_name(username)
    ok = verify_password(password, user.password_hash if user else None)
    if user is None or not ok:
        raise AuthenticationFailed("wrong username or password")
    if user.disabled:
        raise AccountDisabled(f"account {username!r} is disabled; ask an administrator")
    return user


USER_AGENT_KEPT = 300  # characters of a browser's User-Agent kept with its session


def open_web_session(
    accounts: AccountTables,
    user: User,
    lifetime: timedelta,
    *,
    second_factor: bool = False,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, WebSession]:
    """Start a cookie session; return the cookie value (shown once) and the session.
    Where it came from is kept so that its owner can recognise it in their session list."""
    token, token_hash = new_session_token()
    now = _now()
    session = WebSession(
        token_hash,
        user.user_id,
        secrets.token_urlsafe(24),
        now,
        now + lifetime,
        second_factor,
        client_address,
        None if user_agent is None else user_agent[:USER_AGENT_KEPT],
    )
    accounts.add_web_session(session)
    accounts.update_user(replace(user, last_login_at=now))
    return token, session


def operator_from_session(accounts: AccountTables, cookie: str) -> Operator:
    session = accounts.get_web_session(hash_secret(cookie))
    if session is None:
        raise AuthenticationFailed("session unknown or signed out; sign in again")
    if session.expires_at <= _now():
        accounts.delete_web_session(session.session_hash)
        raise AuthenticationFailed("session expired; sign in again")
    user = accounts.get_user(session.user_id)
    if user is None or user.disabled:
        raise AuthenticationFailed("account disabled; ask an administrator")
    return _operator(
        user,
        "session",
        session.csrf_token,
        second_factor=session.second_factor,
        signed_in_at=session.created_at,
    )


def close_web_session(accounts: AccountTables, cookie: str) -> None:
    accounts.delete_web_session(hash_secret(cookie))


def create_api_key(
    accounts: AccountTables,
    user: User,
    name: str,
    scopes: tuple[Permission, ...] | None = None,
    *,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A bearer key for scripts acting as ``user``; the token is returned once.

    ``scopes`` limits the key to some of the role's permissions; after ``expires_at``
    (None: never) the key is refused.
    """
    if not 1 <= len(name) <= 100:
        raise InvalidInput("API key name must be 1-100 characters")
    if expires_at is not None and expires_at <= _now():
        raise InvalidInput("expires_at must lie in the future")
    if scopes is not None:
        beyond = [p.value for p in scopes if not role_may(Role(user.role), p)]
        if beyond:
            raise InvalidInput(
                f"role '{user.role}' does not have {', '.join(beyond)}; a key cannot have more"
            )
    issued: IssuedSecret = issue_secret(API_KEY_PREFIX)
    key = ApiKey(
        issued.public_id,
        user.user_id,
        name,
        issued.secret_hash,
        _now(),
        scopes=None if scopes is None else tuple(p.value for p in scopes),
        expires_at=expires_at,
    )
    accounts.add_api_key(key)
    return key, issued.token


def operator_from_api_key(accounts: AccountTables, token: str) -> Operator:
    parts = split_token(API_KEY_PREFIX, token)
    if parts is None:
        raise AuthenticationFailed("malformed API key; it should start with 'swk_'")
    key = accounts.get_api_key(parts[0])
    if key is None or not secret_matches(parts[1], key.secret_hash):
        raise AuthenticationFailed("API key unknown; create one with 'POST /api/v1/me/api-keys'")
    if key.revoked_at is not None:
        raise AuthenticationFailed(
            f"API key {key.key_id} was revoked at {key.revoked_at:%Y-%m-%d %H:%M} UTC"
        )
    if key.expires_at is not None and key.expires_at <= _now():
        raise AuthenticationFailed(
            f"API key {key.key_id} expired at {key.expires_at:%Y-%m-%d %H:%M} UTC; create a new one"
        )
    user = accounts.get_user(key.user_id)
    if user is None or user.disabled:
        raise AuthenticationFailed("the API key's account is disabled")
    return _operator(user, "api_key", scopes=key.scopes)
