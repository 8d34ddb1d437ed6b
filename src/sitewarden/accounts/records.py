"""Records of operators: users, API keys and web sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    username: str
    role: str
    password_hash: str
    created_at: datetime
    site_scope: tuple[str, ...] | None = None  # None: every site
    disabled: bool = False
    must_change_password: bool = False
    last_login_at: datetime | None = None
    totp_secret: bytes | None = None  # sealed; see accounts/second_factor.py
    totp_enabled: bool = False
    failed_logins: int = 0  # unused since sign-in delays replaced the account lock-out
    locked_until: datetime | None = None  # unused, as failed_logins
    totp_pending: bytes | None = None  # a sealed enrolment not confirmed yet
    totp_last_step: int | None = None  # read only: Storage.claim_totp_step writes it


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    name: str
    secret_hash: bytes
    created_at: datetime
    revoked_at: datetime | None = None
    scopes: tuple[str, ...] | None = None  # permissions this key may use; None: the role's
    expires_at: datetime | None = None  # refused from then on; None: never


@dataclass(frozen=True, slots=True)
class WebSession:
    session_hash: bytes
    user_id: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    second_factor: bool = False  # the sign-in included a valid TOTP code
    client_address: str | None = None  # where the sign-in came from (None: before 0018)
    user_agent: str | None = None  # the browser's User-Agent at sign-in, cut short
