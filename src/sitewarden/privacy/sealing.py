"""AES-256-GCM sealing of personal fields.

The associated data names the table, the row id and the field, so a ciphertext
copied to another row or field fails to open rather than revealing anything.
"""

from __future__ import annotations

import os
import threading

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


class NonceSource:
    """Random nonces cut from one ``os.urandom`` call per 4,096 of them.

    The same randomness as one call a nonce, fewer calls: each gives up the interpreter
    lock, and taking it back waits behind busy request threads (in a batch of a
    thousand events, hundreds of times). A forked child starts with a fresh buffer, so
    parent and child never share a nonce."""

    def __init__(self, per_refill: int = 4096) -> None:
        self._size = per_refill * NONCE_BYTES
        self._lock = threading.Lock()
        self._forget()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._buffer = b""
        self._at = 0

    def take(self) -> bytes:
        with self._lock:
            if self._at + NONCE_BYTES > len(self._buffer):
                self._buffer, self._at = os.urandom(self._size), 0
            nonce = self._buffer[self._at : self._at + NONCE_BYTES]
            self._at += NONCE_BYTES
            return nonce


_NONCES = NonceSource()


def seal(data_key: bytes | AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = _NONCES.take()
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
