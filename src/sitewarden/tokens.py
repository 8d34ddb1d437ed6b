"""Bearer secrets: device tokens, API keys and web sessions.

A token reads ``<prefix>_<public id>_<secret>``. The public id finds the row; only a
SHA-256 of the secret is stored. Secrets are 256 random bits, so a fast hash is
enough (no password-style stretching needed) and a stolen database yields no
usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

DEVICE_TOKEN_PREFIX = "swd"
API_KEY_PREFIX = "swk"


@dataclass(frozen=True)
class IssuedSecret:
    public_id: str
    token: str  # shown once, never stored
    secret_hash: bytes


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def issue_secret(prefix: str) -> IssuedSecret:
    public_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return IssuedSecret(public_id, f"{prefix}_{public_id}_{secret}", hash_secret(secret))


def split_token(prefix: str, token: str) -> tuple[str, str] | None:
    """``(public id, secret)`` of a token with ``prefix``, or None if it is not one."""
    head, sep, rest = token.partition("_")
    if head != prefix or not sep:
        return None
    public_id, sep, secret = rest.partition("_")
    if not sep or not public_id or not secret or len(token) > 200:
        return None
    return public_id, secret


def secret_matches(secret: str, stored_hash: bytes | None) -> bool:
    if stored_hash is None:
        return False
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def new_session_token() -> tuple[str, bytes]:
    """A web session cookie value and the hash that is stored for it."""
    token = secrets.token_urlsafe(32)
    return token, hash_secret(token)
