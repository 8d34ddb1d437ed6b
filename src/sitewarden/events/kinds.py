"""The event kinds sitewarden knows, each with its attribute and personal schemas.

A kind is dotted: ``<family>.<name>``. ``attributes`` holds what is not personal;
``personal`` holds what identifies a person or vehicle and is kept apart so that
it can be sealed before it reaches a store.

Schemas are TypedDicts validated by pydantic: validation yields plain dicts, which
keeps ingest fast (a few microseconds an event), and ``extra="forbid"`` means any
field a schema does not name is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints, TypeAdapter
from typing_extensions import TypedDict


class Severity(StrEnum):
    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


_FORBID = ConfigDict(extra="forbid")

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Direction = Literal["in", "out"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")]
# Wi-Fi counters hash identifiers with the shared daily salt before sending them.
HashedId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32,64}$")]
Base64Image = Annotated[str, StringConstraints(max_length=512 * 1024)]


class NoAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class NoPersonal(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]


class PersonPersonal(TypedDict):
    """Who was at a reader: every field is optional, all of them are personal."""

    __pydantic_config__ = _FORBID  # type: ignore[misc]
    person_name: NotRequired[ShortText]
    national_id: NotRequired[Annotated[str, StringConstraints(max_length=64)]]
    phone: NotRequired[Annotated[str, StringConstraints(max_length=32)]]
    badge_id: NotRequired[Annotated[str, StringConstraints(max_length=128)]]
    face_crop: NotRequired[Base64Image]


class PlatePersonal(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    plate: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    snapshot: NotRequired[Base64Image]


class AccessAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    credential: Literal["badge", "face", "pin", "qr", "remote"]
    direction: NotRequired[Direction]
    door: NotRequired[ShortText]
    person_ref: NotRequired[ShortText]
    reason: NotRequired[ShortText]
    # a badge sent with the reader's frame: learned, or why not (access/face_learning.py)
    face_learning: NotRequired[ShortText]


class DoorAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    door: NotRequired[ShortText]


class DoorHeldAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    door: NotRequired[ShortText]
    open_seconds: Annotated[float, Field(ge=0, le=7 * 86400)]


class PlateReadAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    confidence: Annotated[float, Field(ge=0, le=1)]
    direction: NotRequired[Direction]
    lane: NotRequired[ShortText]
    colour: NotRequired[Literal["blue", "green", "yellow", "white", "black", "other"]]


class ParkingAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    lane: NotRequired[ShortText]
    confidence: NotRequired[Annotated[float, Field(ge=0, le=1)]]  # of the read decided on
    session_id: NotRequired[ShortText]
    fee_minor: NotRequired[Annotated[int, Field(ge=0)]]
    currency: NotRequired[Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]]
    reason: NotRequired[ShortText]


class ManualOpenAttributes(TypedDict):
    """A person opened a gate's barrier from the console: who, and the reason they gave."""

    __pydantic_config__ = _FORBID  # type: ignore[misc]
    lane: ShortText
    operator: ShortText
    reason: ShortText


class AlarmAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    state: NotRequired[Literal["alarm", "clear", "test"]]
    level: NotRequired[Annotated[float, Field(ge=0)]]


class EquipmentFaultAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    equipment: ShortText
    code: NotRequired[ShortText]
    message: NotRequired[Annotated[str, StringConstraints(max_length=1000)]]


class HeartbeatAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    uptime_s: NotRequired[Annotated[int, Field(ge=0)]]
    firmware: NotRequired[ShortText]
    battery_pct: NotRequired[Annotated[float, Field(ge=0, le=100)]]
    temperature_c: NotRequired[Annotated[float, Field(ge=-80, le=200)]]


class OfflineAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    last_seen: NotRequired[datetime]
    missed_intervals: NotRequired[Annotated[float, Field(ge=0)]]


class TamperAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    cause: NotRequired[Literal["covered", "moved", "defocus", "signal_lost", "other"]]


class OccupancyCountAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    count: Annotated[int, Field(ge=0, le=1_000_000)]
    interval_s: NotRequired[Annotated[int, Field(ge=1, le=86400)]]


class CameraObjectAttributes(TypedDict):
    """What a camera saw and where, never who: no names, faces or sub-labels."""

    __pydantic_config__ = _FORBID  # type: ignore[misc]
    label: Literal["person", "car", "motorcycle", "bicycle", "bus", "truck", "animal", "other"]
    score: NotRequired[Annotated[float, Field(ge=0, le=1)]]
    zones: NotRequired[Annotated[list[ShortText], Field(max_length=32)]]
    track: NotRequired[ShortText]
    source: NotRequired[Literal["frigate", "device"]]


class WifiPresenceAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    hashed_ids: Annotated[list[HashedId], Field(max_length=10_000)]
    salt_date: date
    interval_s: NotRequired[Annotated[int, Field(ge=1, le=86400)]]


class LookupBurstAttributes(TypedDict):
    __pydantic_config__ = _FORBID  # type: ignore[misc]
    operator: ShortText
    lookups: Annotated[int, Field(ge=1)]
    window_s: Annotated[int, Field(ge=1)]


def _envelope_adapter(name: str, attributes: Any, personal: Any) -> TypeAdapter[Any]:
    """The whole posted event for one kind, validated in one call."""
    fields = {
        "kind": Literal[name],
        "time": NotRequired[AwareDatetime | None],
        "severity": NotRequired[Severity | None],
        "site": NotRequired[Identifier | None],
        "device": NotRequired[Identifier | None],
        "note": NotRequired[Annotated[str, StringConstraints(max_length=2000)] | None],
        "attributes": attributes,
        "personal": NotRequired[personal | None],
    }
    make_typed_dict: Any = TypedDict  # built at run time: one envelope per kind
    envelope: Any = make_typed_dict(name.replace(".", "_") + "_event", fields)
    envelope.__pydantic_config__ = _FORBID
    return TypeAdapter(envelope)


@dataclass(frozen=True)
class KindSpec:
    """What one event kind carries and how severe it is unless the device says."""

    name: str
    severity: Severity
    attributes: Any
    personal: Any
    description: str
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        adapter = _envelope_adapter(self.name, self.attributes, self.personal)
        object.__setattr__(self, "adapter", adapter)

    @property
    def family(self) -> str:
        return self.name.split(".", 1)[0]

    def json_schema(self) -> dict[str, Any]:
        return self.adapter.json_schema()


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "access.granted",
            Severity.INFO,
            AccessAttributes,
            PersonPersonal,
            "a reader let someone through",
        ),
        KindSpec(
            "access.denied",
            Severity.MINOR,
            AccessAttributes,
            PersonPersonal,
            "a reader refused someone",
        ),
        KindSpec(
            "door.forced",
            Severity.MAJOR,
            DoorAttributes,
            NoPersonal,
            "a door opened without a granted access",
        ),
        KindSpec(
            "door.held_open",
            Severity.MINOR,
            DoorHeldAttributes,
            NoPersonal,
            "a door stayed open too long",
        ),
        KindSpec(
            "plate.read",
            Severity.INFO,
            PlateReadAttributes,
            PlatePersonal,
            "a camera read a licence plate",
        ),
        KindSpec(
            "parking.entry",
            Severity.INFO,
            ParkingAttributes,
            PlatePersonal,
            "a vehicle entered a garage",
        ),
        KindSpec(
            "parking.exit",
            Severity.INFO,
            ParkingAttributes,
            PlatePersonal,
            "a vehicle left a garage",
        ),
        KindSpec(
            "parking.denied",
            Severity.MAJOR,
            ParkingAttributes,
            PlatePersonal,
            "a gate stayed closed for a vehicle (deny list, barred)",
        ),
        KindSpec(
            "parking.unpaid_exit",
            Severity.MAJOR,
            ParkingAttributes,
            PlatePersonal,
            "a vehicle tried to leave without paying",
        ),
        KindSpec(
            "parking.manual_open",
            Severity.MINOR,
            ManualOpenAttributes,
            NoPersonal,
            "an operator opened a gate's barrier by hand, with a reason",
        ),
        KindSpec(
            "alarm.smoke",
            Severity.CRITICAL,
            AlarmAttributes,
            NoPersonal,
            "a smoke detector is in alarm",
        ),
        KindSpec(
            "alarm.sprinkler",
            Severity.CRITICAL,
            AlarmAttributes,
            NoPersonal,
            "water flows in a sprinkler line",
        ),
        KindSpec(
            "equipment.fault",
            Severity.MAJOR,
            EquipmentFaultAttributes,
            NoPersonal,
            "a lift, pump, gate motor or other equipment reports a fault",
        ),
        KindSpec(
            "device.heartbeat",
            Severity.INFO,
            HeartbeatAttributes,
            NoPersonal,
            "a device says it is alive",
        ),
        KindSpec(
            "device.offline",
            Severity.MAJOR,
            OfflineAttributes,
            NoPersonal,
            "a device stopped reporting",
        ),
        KindSpec(
            "camera.tamper",
            Severity.MAJOR,
            TamperAttributes,
            NoPersonal,
            "a camera was covered, moved or lost its picture",
        ),
        KindSpec(
            "occupancy.count",
            Severity.INFO,
            OccupancyCountAttributes,
            NoPersonal,
            "people counted in a zone (no faces)",
        ),
        KindSpec(
            "camera.object",
            Severity.INFO,
            CameraObjectAttributes,
            NoPersonal,
            "a camera began tracking an object (person, vehicle): what and where, never who",
        ),
        KindSpec(
            "wifi.presence",
            Severity.INFO,
            WifiPresenceAttributes,
            NoPersonal,
            "salted hashes of devices a Wi-Fi counter saw",
        ),
        KindSpec(
            "security.lookup_burst",
            Severity.MAJOR,
            LookupBurstAttributes,
            NoPersonal,
            "an operator looked up plates or ID numbers faster than an investigation needs",
        ),
    )
}

# Kinds sitewarden raises itself: no device, not even a gateway, may send them.
RAISED_BY_SITEWARDEN: frozenset[str] = frozenset({"security.lookup_burst", "parking.manual_open"})

FAMILIES: frozenset[str] = frozenset(spec.family for spec in KINDS.values())
