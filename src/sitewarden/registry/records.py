"""Records of the registry: sites, zones, devices and device credentials."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sitewarden.events.device_kinds import DeviceKind

# A device's rotation: the clockwise turn, in degrees, that makes a camera's picture upright.
Rotation = Literal[0, 90, 180, 270]
ROTATIONS: tuple[int, ...] = get_args(Rotation)


@dataclass(frozen=True, slots=True)
class Site:
    site_id: str
    name: str
    timezone: str
    plan_width: int
    plan_height: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PlanImage:
    """A site's floor-plan image (PNG or JPEG), drawn under its site plan."""

    site_id: str
    media_type: str
    image: bytes
    width: int
    height: int
    uploaded_by: str
    uploaded_at: datetime


@dataclass(frozen=True, slots=True)
class Zone:
    site_id: str
    zone_id: str
    name: str
    capacity: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Device:
    site_id: str
    device_id: str
    zone_id: str | None
    kind: DeviceKind
    name: str
    x: float | None
    y: float | None
    heartbeat_s: int
    created_at: datetime
    rotation: int = 0
    last_seen_at: datetime | None = None
    token_id: str | None = None
    token_issued_at: datetime | None = None
    token_revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceCredential:
    """What authenticating a device token needs, looked up by the token's public id."""

    site_id: str
    device_id: str
    zone_id: str | None
    kind: DeviceKind
    token_id: str
    token_hash: bytes | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Sender:
    """The device an event is attributed to."""

    site_id: str
    device_id: str
    kind: DeviceKind
    zone_id: str | None
