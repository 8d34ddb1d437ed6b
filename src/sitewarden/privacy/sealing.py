"""AES-256-GCM sealing of personal fields.

The associated data names the table, the row id and the field, so a ciphertext
copied to another row or field fails to open rather than revealing anything.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sitewarden.errors import SitewardenError

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


class SealBroken(SitewardenError):
    """A sealed value does not open: it was altered, moved, or its key is wrong."""

    code = "seal_broken"


def binding(table: str, row_id: bytes | str, field: str) -> bytes:
    row = row_id if isinstance(row_id, bytes) else row_id.encode()
    return table.encode() + b"\x00" + row + b"\x00" + field.encode()


def cipher(data_key: bytes | AESGCM) -> AESGCM:
    """An AES-GCM instance for the key (callers that seal often keep these)."""
    return data_key if isinstance(data_key, AESGCM) else AESGCM(data_key)


def seal(data_key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return FORMAT_V1 + nonce + cipher(data_key).encrypt(nonce, plaintext, aad)


def unseal(data_key: bytes | AESGCM, sealed: bytes, aad: bytes) -> bytes:
    if sealed[:1] != FORMAT_V1 or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealBroken("sealed value has an unknown format")
    try:
        return cipher(data_key).decrypt(sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :], aad)
    except InvalidTag as exc:
        raise SealBroken(
            "sealed value failed its integrity check: altered, moved to another row or field, "
            "or sealed under another key"
        ) from exc
