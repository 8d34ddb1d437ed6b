"""Blind indexes: keyed hashes of normalised personal values, for exact lookups.

``lookup_term`` is truncated to 4 bytes (32 bits) on purpose: in a site with a
million vehicles a lookup meets a stranger's term about once in 4,000 tries, so a
term alone never proves that two rows share a value. The stored value is sealed
beside it and every candidate is opened and compared, which removes the false
positives (see docs/privacy.md). ``full_term`` is the untruncated hash; it is only
kept in memory, as a cache key.
"""

from __future__ import annotations

import hashlib
import hmac

from sitewarden.identifiers import NORMALISERS

LOOKUP_BYTES = 4


def normalise(field: str, value: str) -> str:
    normaliser = NORMALISERS.get(field)
    return normaliser(value) if normaliser else value.strip()


def full_term(index_key: bytes, site_id: str, field: str, value: str) -> bytes:
    message = f"{site_id}\x00{field}\x00{normalise(field, value)}".encode()
    return hmac.digest(index_key, message, hashlib.sha256)


def lookup_term(index_key: bytes, site_id: str, field: str, value: str) -> bytes:
    return full_term(index_key, site_id, field, value)[:LOOKUP_BYTES]
