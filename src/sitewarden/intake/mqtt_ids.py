"""Deterministic event ids for MQTT, so that a redelivered message is stored once.

A broker redelivers a QoS 1 message whose acknowledgement it did not get (the node
was killed after the commit but before the PUBACK). Such a copy must map to the same
ids: each event's id is a UUIDv7 whose time is the event's own ``time`` and whose
remaining bits are a hash of the site, the device and the event's JSON
(keys sorted). The same event sent twice by a device is therefore one event too.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from sitewarden.events.model import to_micros

_VERSION_BITS = 0x7 << 76
_VARIANT_BITS = 0b10 << 62


def event_digest(site_id: str, device_id: str, raw: Any) -> bytes:
    """16 bytes that name one posted event of one device (computed before validation)."""
    body = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(
        site_id.encode() + b"\0" + device_id.encode() + b"\0" + body, digest_size=16
    ).digest()


def deterministic_event_id(occurred_at: datetime, digest: bytes) -> UUID:
    """A UUIDv7 with the event's millisecond and 74 bits of ``digest``."""
    ms = to_micros(occurred_at) // 1000
    bits = int.from_bytes(digest)
    rand_a = bits >> 116  # 12 bits
    rand_b = bits & ((1 << 62) - 1)
    return UUID(int=(ms << 80) | _VERSION_BITS | (rand_a << 64) | _VARIANT_BITS | rand_b)
