"""An event's personal part, sealed: what is sealed, under which binding, and read back.

The personal part of an event is sealed whole under its subject's data key, bound to
the event's id so that it cannot be moved to another event; face crops and snapshots
(``MEDIA_FIELDS``) are sealed apart, so a list of events opens without them. A read
gets an ``Opened``: nothing personal, sealed (and its fields), or erased. This is the
format alone, apart from the vault (``vault.py``), which finds the subject and its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sitewarden.events.model import Event
from sitewarden.privacy.sealing import binding, seal, unseal

MEDIA_FIELDS = frozenset({"face_crop", "snapshot"})

PersonalState = Literal["none", "sealed", "erased"]


@dataclass(frozen=True)
class Opened:
    """An event's personal part as read back: its state and, if open, its fields."""

    state: PersonalState
    fields: dict[str, Any] | None = None


def seal_personal(event: Event, subject_id: str, key: AESGCM) -> None:
    """Seal ``event``'s personal part (not empty) in place under ``subject_id``'s key and
    drop the clear text."""
    assert event.personal
    if MEDIA_FIELDS.isdisjoint(event.personal):
        media, rest = {}, event.personal
    else:
        media = {k: v for k, v in event.personal.items() if k in MEDIA_FIELDS}
        rest = {k: v for k, v in event.personal.items() if k not in MEDIA_FIELDS}
    event.subject_id = subject_id
    event.sealed_personal = seal(
        key, orjson.dumps(rest), binding("events", event.id.bytes, "personal")
    )
    if media:
        event.sealed_media = seal(
            key, orjson.dumps(media), binding("events", event.id.bytes, "media")
        )
    event.personal = None


def open_personal(event: Event, key: AESGCM, *, with_media: bool = False) -> Opened:
    """The sealed personal part of ``event``, opened; raises SealBroken if it was
    tampered with."""
    assert event.sealed_personal is not None
    fields = orjson.loads(
        unseal(key, event.sealed_personal, binding("events", event.id.bytes, "personal"))
    )
    if with_media and event.sealed_media is not None:
        fields.update(
            orjson.loads(
                unseal(key, event.sealed_media, binding("events", event.id.bytes, "media"))
            )
        )
    return Opened("sealed", fields)
