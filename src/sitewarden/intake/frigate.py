"""Frigate NVR adapter: its ``frigate/events`` messages become sitewarden events.

Frigate publishes one message per change of a tracked object: ``type`` is ``new``,
``update`` or ``end``, and ``before``/``after`` hold the object (camera, label, score,
top_score, start_time, frame_time, current_zones, sub_label, recognized_license_plate,
...). Each message is mapped on its own (nodes split the topic between them), from
``before`` and ``after`` only:

- ``new`` for a person or vehicle: a ``camera.object`` event (label, score, zones,
  Frigate's track id) at the object's start time;
- a vehicle whose ``recognized_license_plate`` appears or changes: a ``plate.read``
  event, the plate sealed like any other plate read; only from cameras registered as
  plate cameras.

Never imported: ``sub_label`` (Frigate's face recognition writes a person's name
there), face attributes, snapshots, thumbnails. Identifying members of the public
from ordinary cameras is what sitewarden refuses to do; people seen by Frigate become
objects and counts only. The camera -> device map is ``frigate_cameras`` in settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from sitewarden.events.device_kinds import DeviceKind
from sitewarden.intake.mqtt_messages import Item, Parsed
from sitewarden.registry.records import Sender

VEHICLES = frozenset({"car", "motorcycle", "bus", "truck"})
LABELS = {"person": "person", "bicycle": "bicycle", **{v: v for v in VEHICLES}}
ANIMALS = frozenset({"dog", "cat", "bird", "horse", "sheep", "cow", "bear", "deer"})

FindDevice = Callable[[str, str], Sender | None]


def camera_map(cameras: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``frigate camera -> (site, device)`` from settings' ``"site/device"`` values."""
    mapped: dict[str, tuple[str, str]] = {}
    for camera, target in cameras.items():
        site_id, sep, device_id = target.partition("/")
        if not sep or not site_id or not device_id or "/" in device_id:
            raise ValueError(f"frigate_cameras[{camera!r}] = {target!r}; write 'site/device'")
        mapped[camera] = (site_id, device_id)
    return mapped


class FrigateAdapter:
    """Maps one Frigate event message to sitewarden events (a handler for MqttLink)."""

    def __init__(self, cameras: Mapping[str, str], find_device: FindDevice) -> None:
        self._cameras = camera_map(cameras)
        self._find_device = find_device

    def parse(self, topic: str, payload: bytes) -> Parsed:
        try:
            message = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            return Parsed(problems=[f"Frigate message is not valid JSON: {exc}"])
        if not isinstance(message, dict) or not isinstance(message.get("after"), dict):
            return Parsed(problems=["Frigate message without an 'after' object"])
        after: dict[str, Any] = message["after"]
        before: dict[str, Any] = message.get("before") or {}
        if not isinstance(before, dict):
            before = {}
        camera = after.get("camera")
        target = self._cameras.get(camera) if isinstance(camera, str) else None
        if target is None:
            return Parsed()  # a camera nobody mapped: not ours to import
        sender = self._find_device(*target)
        if sender is None:
            return Parsed(problems=[f"Frigate camera {camera!r}: device {target} not registered"])
        items = [Item(sender, raw) for raw in frigate_events(message.get("type"), before, after)]
        if sender.kind is not DeviceKind.PLATE_CAMERA:
            items = [item for item in items if item.raw["kind"] != "plate.read"]
        return Parsed(items=items)


def frigate_events(
    kind: Any, before: dict[str, Any], after: dict[str, Any]
) -> list[dict[str, Any]]:
    """The sitewarden events (as posted JSON) for one Frigate message."""
    label = after.get("label")
    if not isinstance(label, str) or after.get("false_positive") is True:
        return []
    events: list[dict[str, Any]] = []
    if kind == "new":
        events.append(_object_event(label, after))
    plate = after.get("recognized_license_plate")
    if (
        label in VEHICLES
        and isinstance(plate, str)
        and plate.strip()
        and plate != before.get("recognized_license_plate")
    ):
        events.append(_plate_event(plate.strip(), after))
    return events


def _object_event(label: str, after: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "label": LABELS.get(label, "animal" if label in ANIMALS else "other"),
        "source": "frigate",
    }
    score = after.get("top_score", after.get("score"))
    if isinstance(score, int | float) and 0 <= score <= 1:
        attributes["score"] = round(float(score), 4)
    zones = after.get("current_zones")
    if isinstance(zones, list):
        attributes["zones"] = [str(zone)[:200] for zone in zones[:32] if str(zone)]
    if isinstance(after.get("id"), str):
        attributes["track"] = after["id"][:200]
    # sub_label is left behind on purpose: it is where Frigate puts a recognised face's name.
    return {
        "kind": "camera.object",
        "time": _iso(after.get("start_time")),
        "attributes": attributes,
    }


def _plate_event(plate: str, after: dict[str, Any]) -> dict[str, Any]:
    score = after.get("recognized_license_plate_score", after.get("score"))
    confidence = float(score) if isinstance(score, int | float) and 0 <= score <= 1 else 0.0
    return {
        "kind": "plate.read",
        "time": _iso(after.get("frame_time") or after.get("start_time")),
        "attributes": {"confidence": round(confidence, 4)},
        "personal": {"plate": plate[:16]},
    }


def _iso(unix: Any) -> str | None:
    if not isinstance(unix, int | float):
        return None
    return datetime.fromtimestamp(float(unix), UTC).isoformat()
