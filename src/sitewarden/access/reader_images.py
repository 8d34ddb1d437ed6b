"""Reader face images kept for disputes, when a site turns it on (off by default).

With ``reader_image_days`` above 0, the image a reader sent for a face decision is kept
as sent, sealed (AES-256-GCM bound to its row) under the matched person's data key, so
that erasing the person shreds it too, or under the site's key when nobody matched.
Each image expires on the date set when it was kept; retention deletes it then. Only
admins open one, with a purpose, and the opening is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sitewarden.access.decisions import Decision
from sitewarden.access.media_tables import AccessMediaTables
from sitewarden.access.records import ReaderImage, subject_of
from sitewarden.errors import NotFound
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.privacy.subjects import SITE_SUBJECT
from sitewarden.privacy.vault import Vault

READER_IMAGES_TABLE = "access_reader_images"
IMAGE_FIELD = "image"


def _aad(event_id: str) -> bytes:
    return binding(READER_IMAGES_TABLE, event_id, IMAGE_FIELD)


def _subject(person_id: str | None) -> str:
    return SITE_SUBJECT if person_id is None else subject_of(person_id)


def keep_reader_image(
    media: AccessMediaTables,
    vault: Vault,
    decision: Decision,
    data: bytes,
    media_type: str,
    days: float,
) -> ReaderImage:
    """Seal and store the image behind ``decision`` until ``days`` from now."""
    now = datetime.now(UTC)
    key = vault.data_key_for(decision.site_id, _subject(decision.person_id))
    image = ReaderImage(
        site_id=decision.site_id,
        event_id=decision.event_id,
        device_id=decision.device_id,
        person_id=decision.person_id,
        taken_at=now,
        expires_at=now + timedelta(days=days),
        media_type=media_type,
        sealed_image=seal(key, data, _aad(decision.event_id)),
    )
    media.add_reader_image(image)
    return image


def open_reader_image(
    media: AccessMediaTables, vault: Vault, site_id: str, event_id: str
) -> ReaderImage:
    """The kept image, opened (``sealed_image`` then holds the image as sent)."""
    kept = media.get_reader_image(site_id, event_id)
    if kept is None or kept.expires_at < datetime.now(UTC):
        raise NotFound(f"no reader image kept for event {event_id!r} in site {site_id!r}")
    key = vault.stored_data_key(site_id, _subject(kept.person_id))
    if key is None:
        raise NotFound(f"the reader image of event {event_id!r} was erased with its person")
    opened = unseal(key, kept.sealed_image, _aad(event_id))
    return ReaderImage(
        kept.site_id,
        kept.event_id,
        kept.device_id,
        kept.person_id,
        kept.taken_at,
        kept.expires_at,
        kept.media_type,
        opened,
    )
