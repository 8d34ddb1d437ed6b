"""Kinds of device and which event kinds each may send."""

from __future__ import annotations

from enum import StrEnum


class DeviceKind(StrEnum):
    ACCESS_READER = "access_reader"
    DOOR_CONTACT = "door_contact"
    PLATE_CAMERA = "plate_camera"
    CAMERA = "camera"
    PEOPLE_COUNTER = "people_counter"
    WIFI_COUNTER = "wifi_counter"
    SMOKE_DETECTOR = "smoke_detector"
    SPRINKLER_SENSOR = "sprinkler_sensor"
    EQUIPMENT_SENSOR = "equipment_sensor"
    GATEWAY = "gateway"


# Every device may report that it is alive and that it is broken.
_COMMON = frozenset({"device.heartbeat", "equipment.fault"})

EMITS: dict[DeviceKind, frozenset[str]] = {
    DeviceKind.ACCESS_READER: _COMMON
    | {"access.granted", "access.denied", "door.forced", "door.held_open"},
    DeviceKind.DOOR_CONTACT: _COMMON | {"door.forced", "door.held_open"},
    DeviceKind.PLATE_CAMERA: _COMMON
    | {
        "plate.read",
        "parking.entry",
        "parking.exit",
        "parking.denied",
        "parking.unpaid_exit",
        "camera.tamper",
        "camera.object",
    },
    DeviceKind.CAMERA: _COMMON | {"camera.tamper", "occupancy.count", "camera.object"},
    DeviceKind.PEOPLE_COUNTER: _COMMON | {"occupancy.count"},
    DeviceKind.WIFI_COUNTER: _COMMON | {"wifi.presence"},
    DeviceKind.SMOKE_DETECTOR: _COMMON | {"alarm.smoke"},
    DeviceKind.SPRINKLER_SENSOR: _COMMON | {"alarm.sprinkler"},
    DeviceKind.EQUIPMENT_SENSOR: _COMMON,
}


def may_emit(device_kind: DeviceKind, event_kind: str) -> bool:
    """Gateways relay for other devices of their site and may send any kind."""
    if device_kind is DeviceKind.GATEWAY:
        return True
    return event_kind in EMITS[device_kind]
