"""TOTP second factors (RFC 6238) for operator sign-in.

Required for admins and privacy officers (``require_second_factor``, on by default):
without a confirmed second factor their cookie session may only manage their own
account, which is where they enrol. The shared secret is sealed with AES-GCM under a
key derived from the KEK, bound to the user id, so a database copy holds no usable
TOTP secret.
"""

from __future__ import annotations

from dataclasses import replace

import pyotp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sitewarden.auth.roles import Role
from sitewarden.errors import AuthenticationFailed, InvalidInput
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.store.base import Store
from sitewarden.store.records import User

ISSUER = "sitewarden"
ROLES_NEEDING_SECOND_FACTOR = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER})


def totp_key(kek: bytes) -> bytes:
    """The key that seals TOTP secrets, derived from (never equal to) the KEK."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sitewarden-totp").derive(
        kek
    )


def _aad(user: User) -> bytes:
    return binding("users", user.user_id, "totp_secret")


def start_enrolment(store: Store, user: User, key: bytes) -> tuple[str, str]:
    """A new (unconfirmed) secret for ``user``: returns it and its otpauth:// URI."""
    secret = pyotp.random_base32()
    store.update_user(
        replace(user, totp_secret=seal(key, secret.encode(), _aad(user)), totp_enabled=False)
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return secret, uri


def _secret(user: User, key: bytes) -> str:
    if user.totp_secret is None:
        raise InvalidInput("no second factor enrolment started; POST /api/v1/me/totp first")
    return unseal(key, user.totp_secret, _aad(user)).decode()


def code_is_valid(user: User, key: bytes, code: str) -> bool:
    """A 6-digit code for now or the neighbouring 30-second step."""
    if not code.isdigit() or len(code) != 6:
        return False
    return bool(pyotp.TOTP(_secret(user, key)).verify(code, valid_window=1))


def confirm_enrolment(store: Store, user: User, key: bytes, code: str) -> User:
    if not code_is_valid(user, key, code):
        raise InvalidInput("that code does not match; check the device clock and try the next one")
    updated = replace(user, totp_enabled=True)
    store.update_user(updated)
    return updated


def check_sign_in_code(user: User, key: bytes, code: str | None) -> bool:
    """Whether this sign-in proved the second factor; raises if one is enrolled but wrong."""
    if not user.totp_enabled:
        return False
    if not code:
        raise AuthenticationFailed("enter the 6-digit code from your authenticator app")
    if not code_is_valid(user, key, code):
        raise AuthenticationFailed("wrong username, password or code")
    return True
