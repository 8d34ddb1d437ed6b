"""TOTP second factors (RFC 6238) for operator sign-in.

Required for admins and privacy officers (``require_second_factor``, on by default):
without a confirmed second factor their cookie session may only manage their own
account, which is where they enrol. The shared secret is sealed with AES-GCM under a
key derived from the KEK, bound to the user id, so a database copy holds no usable
TOTP secret.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.records import User
from sitewarden.accounts.roles import Role
from sitewarden.accounts.tables import AccountTables
from sitewarden.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from sitewarden.privacy.sealing import binding, seal, unseal

ISSUER = "sitewarden"
ROLES_NEEDING_SECOND_FACTOR = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER})


def totp_key(kek: bytes) -> bytes:
    """The key that seals TOTP secrets, derived from (never equal to) the KEK."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sitewarden-totp").derive(
        kek
    )


def _aad(user: User) -> bytes:
    # The pending secret is sealed under the same binding: confirming moves its bytes.
    return binding("users", user.user_id, "totp_secret")


class SecondFactorMissing(AuthenticationFailed):
    """The password was right and a code is needed; not a failed guess."""

    code = "second_factor_missing"


def _uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def start_enrolment(accounts: AccountTables, user: User, key: bytes) -> tuple[str, str]:
    """A new pending secret for ``user``: returns it and its otpauth:// URI.

    The factor in use (if any) stays in use until the new one is confirmed.
    """
    secret = pyotp.random_base32()
    accounts.update_user(replace(user, totp_pending=seal(key, secret.encode(), _aad(user))))
    return secret, _uri(user, secret)


def pending_enrolment(user: User, key: bytes) -> tuple[str, str] | None:
    """The pending secret and its URI, if an enrolment was started and not confirmed."""
    if user.totp_pending is None:
        return None
    secret = unseal(key, user.totp_pending, _aad(user)).decode()
    return secret, _uri(user, secret)


def matching_step(secret: str, code: str) -> int | None:
    """The 30-second step (now or a neighbour) whose code ``code`` is, if any."""
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


USED_CODE = "that code was used already; wait for the next one"


def confirm_enrolment(accounts: AccountTables, user: User, key: bytes, code: str) -> User:
    """Make the pending secret the one in use, given a code from it."""
    pending = pending_enrolment(user, key)
    if pending is None:
        raise InvalidInput("no second factor enrolment started; POST /api/v1/me/totp first")
    step = matching_step(pending[0], code)
    if step is None:
        raise InvalidInput("that code does not match; check the device clock and try the next one")
    if not accounts.claim_totp_step(user.user_id, step):
        raise InvalidInput(USED_CODE)
    updated = replace(user, totp_secret=user.totp_pending, totp_pending=None, totp_enabled=True)
    accounts.update_user(updated)
    return updated


def reset_second_factor(accounts: AccountTables, user: User) -> User:
    """An administrator's reset (a lost phone): the factor in use and any pending
    enrolment are dropped, and the user's sessions end; they enrol again at their next
    sign-in, which their role may demand before anything else."""
    updated = replace(user, totp_secret=None, totp_pending=None, totp_enabled=False)
    accounts.update_user(updated)
    accounts.delete_user_sessions(user.user_id)
    return updated


def check_sign_in_code(accounts: AccountTables, user: User, key: bytes, code: str | None) -> bool:
    """Whether this sign-in proved the second factor; raises if one is enrolled but the
    code is missing, wrong, or of a 30-second step used already (a replay)."""
    if not user.totp_enabled or user.totp_secret is None:
        return False
    if not code:
        raise SecondFactorMissing("enter the 6-digit code from your authenticator app")
    step = matching_step(unseal(key, user.totp_secret, _aad(user)).decode(), code)
    if step is None:
        raise AuthenticationFailed("wrong username, password or code")
    if not accounts.claim_totp_step(user.user_id, step):
        raise AuthenticationFailed(USED_CODE)
    return True


FRESH_SIGN_IN = timedelta(minutes=15)


class SecondFactorChangeRefused(PermissionDenied):
    code = "second_factor_change_refused"


def check_change_allowed(user: User, operator: Operator, now: datetime) -> None:
    """Second-factor changes need a session signed in moments ago, with the factor in use
    if there is one: an API key or an old session must not be able to swap it."""
    if operator.via != "session" or operator.signed_in_at is None:
        raise SecondFactorChangeRefused(
            "second-factor changes need a signed-in session (password and code), not an API key"
        )
    if now - operator.signed_in_at > FRESH_SIGN_IN:
        minutes = int(FRESH_SIGN_IN.total_seconds() // 60)
        raise SecondFactorChangeRefused(
            f"sign in again to change your second factor: it needs a sign-in of the last "
            f"{minutes} minutes"
        )
    if user.totp_enabled and not operator.second_factor:
        raise SecondFactorChangeRefused(
            "sign in with your current second factor before you replace it"
        )
