"""Snapshots from ordinary cameras: faces blurred before anything is written.

The camera's image is decoded in memory, turned upright by the camera's ``rotation``,
every detected face is pixelated and blurred (``vision/blur.py``, which looks at every
angle whatever the rotation), and only the blurred JPEG is sealed (under the site's
data key, bound to its row) and stored. Snapshots belong to the ``face_crops``
retention category. No face from an ordinary camera is embedded or matched.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from PIL import Image

from sitewarden.access.media_tables import AccessMediaTables
from sitewarden.access.records import Snapshot
from sitewarden.errors import NotFound, PermissionDenied
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.sealing import binding, seal, unseal
from sitewarden.privacy.subjects import SITE_SUBJECT
from sitewarden.privacy.vault import Vault
from sitewarden.registry.records import Device, Sender
from sitewarden.registry.tables import RegistryTables
from sitewarden.vision.blur import blurred_jpeg
from sitewarden.vision.faces import FaceEngine
from sitewarden.vision.images import turned_upright

SNAPSHOTS_TABLE = "camera_snapshots"
IMAGE_FIELD = "image"


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    snapshot: Snapshot
    bytes_stored: int


def _aad(snapshot_id: str) -> bytes:
    return binding(SNAPSHOTS_TABLE, snapshot_id, IMAGE_FIELD)


def camera_for(registry: RegistryTables, sender: Sender, device_id: str) -> Device:
    """The ordinary camera a device token may post for (itself, or any for a gateway)."""
    device = registry.get_device(sender.site_id, device_id)
    if device is None:
        raise NotFound(f"camera {device_id!r} not found in site {sender.site_id!r}")
    if device_id != sender.device_id and sender.kind is not DeviceKind.GATEWAY:
        raise PermissionDenied(
            f"device {sender.device_id!r} may post only its own snapshots, not {device_id!r}"
        )
    if device.kind is not DeviceKind.CAMERA:
        raise PermissionDenied(
            f"device {device_id!r} is a {device.kind.value}, not a camera; only ordinary "
            "cameras post snapshots (access readers ask for decisions instead)"
        )
    return device


def store_snapshot(
    media: AccessMediaTables,
    vault: Vault,
    engine: FaceEngine,
    site_id: str,
    device_id: str,
    image: Image.Image,
    rotation: int = 0,
) -> StoredSnapshot:
    """Turn the image upright by its camera's rotation, blur every face, seal the result
    under the site's key, store it."""
    blurred = blurred_jpeg(turned_upright(image, rotation), engine)
    snapshot_id = "s-" + secrets.token_hex(8)
    key = vault.data_key_for(site_id, SITE_SUBJECT)
    snapshot = Snapshot(
        site_id=site_id,
        snapshot_id=snapshot_id,
        device_id=device_id,
        taken_at=datetime.now(UTC),
        width=blurred.width,
        height=blurred.height,
        faces_blurred=blurred.faces_blurred,
        sealed_image=seal(key, blurred.jpeg, _aad(snapshot_id)),
    )
    media.add_snapshot(snapshot)
    return StoredSnapshot(snapshot, len(blurred.jpeg))


def open_snapshot(media: AccessMediaTables, vault: Vault, site_id: str, snapshot_id: str) -> bytes:
    """The stored (blurred) JPEG; callers check the purpose and audit the opening."""
    snapshot = media.get_snapshot(site_id, snapshot_id)
    if snapshot is None or snapshot.sealed_image is None:
        raise NotFound(f"snapshot {snapshot_id!r} not found in site {site_id!r} (or expired)")
    key = vault.stored_data_key(site_id, SITE_SUBJECT)
    if key is None:
        raise NotFound(f"snapshot {snapshot_id!r} can no longer be opened")
    return unseal(key, snapshot.sealed_image, _aad(snapshot_id))
