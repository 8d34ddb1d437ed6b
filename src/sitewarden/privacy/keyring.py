"""The three master keys and the wrapping of per-subject data keys.

The key-encryption key (KEK) wraps every data key; only wrapped data keys reach the
database. Keys come from the key files ``sitewarden init`` made, or from the
environment (``SITEWARDEN_KEK``, ``SITEWARDEN_INDEX_KEY``, ``SITEWARDEN_AUDIT_KEY``,
base64) for deployments that keep keys in a secret manager.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sitewarden.errors import ConfigError
from sitewarden.privacy.keyfiles import read_key

KEY_ENVIRONMENT = {
    "kek": "SITEWARDEN_KEK",
    "index": "SITEWARDEN_INDEX_KEY",
    "audit": "SITEWARDEN_AUDIT_KEY",
}
_ENV = KEY_ENVIRONMENT
NONCE_BYTES = 12


class KeyUnwrapFailed(ConfigError):
    """A data key does not open under the KEK: wrong KEK, or a tampered key row."""


def kek_id_of(kek: bytes) -> str:
    """A short public fingerprint that says which KEK wrapped a data key."""
    return hashlib.sha256(b"sitewarden-kek-id" + kek).hexdigest()[:16]


def _key_from_env(name: str) -> bytes | None:
    value = os.environ.get(_ENV[name])
    if not value:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ConfigError(f"{_ENV[name]} is not base64") from exc
    if len(raw) != 32:
        raise ConfigError(f"{_ENV[name]} must hold 32 bytes (256 bits), base64-encoded")
    return raw


@dataclass(frozen=True)
class KeyRing:
    kek: bytes
    index_key: bytes
    audit_key: bytes

    @classmethod
    def load(cls, folder: Path) -> KeyRing:
        """Keys from the environment where set, else from the key files in ``folder``."""
        keys = {name: _key_from_env(name) for name in _ENV}
        for name, value in keys.items():
            if value is None:
                keys[name] = read_key(folder, name)
        return cls(
            kek=keys["kek"] or b"", index_key=keys["index"] or b"", audit_key=keys["audit"] or b""
        )

    @property
    def kek_id(self) -> str:
        return kek_id_of(self.kek)


def new_data_key() -> bytes:
    return secrets.token_bytes(32)


def wrap_key(kek: bytes, data_key: bytes, binding: bytes) -> bytes:
    """Encrypt a data key under the KEK, bound to its site and subject."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, b"data-key:" + binding)


def unwrap_key(kek: bytes, wrapped: bytes, binding: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], b"data-key:" + binding
        )
    except InvalidTag as exc:
        raise KeyUnwrapFailed(
            "a data key does not open under this KEK (wrong key file, or the key row was altered)"
        ) from exc
