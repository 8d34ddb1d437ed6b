"""The demo site: Riverside Gardens, a residential community with ~40 devices.

The plan is plain data; :func:`build_demo_site` registers it through the registry
service (never SQL) and can run any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

from sitewarden.errors import Conflict
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from sitewarden.registry.records import Device
from sitewarden.runtime.storage import Storage

SITE_ID = "riverside"
SITE_NAME = "Riverside Gardens"
SITE_TIMEZONE = "Asia/Shanghai"
PLAN_WIDTH = 1000
PLAN_HEIGHT = 700
# The people who live and work here: the same at every start, so that a restart finds
# them enrolled already (``demo/access_setup.py``).
POPULATION_SEED = 2026


class Behaviour(StrEnum):
    """How a demo device behaves in the simulator."""

    NORMAL = "normal"
    SILENT = "silent"  # never connected: shows as 'unknown'
    DROPS_OUT = "drops_out"  # one heartbeat, then silence: goes 'offline'


@dataclass(frozen=True, slots=True)
class DemoZone:
    zone_id: str
    name: str
    capacity: int | None


@dataclass(frozen=True, slots=True)
class DemoDevice:
    """One device of the plan and what it watches (a door, a lane, a lift...)."""

    device_id: str
    kind: DeviceKind
    zone_id: str
    name: str
    x: float
    y: float
    heartbeat_s: int = 60
    watches: str | None = None
    direction: Literal["in", "out"] | None = None
    behaviour: Behaviour = Behaviour.NORMAL


K = DeviceKind

ZONES: tuple[DemoZone, ...] = (
    DemoZone("north-gate", "North gate", 60),
    DemoZone("south-gate", "South gate", 40),
    DemoZone("building-a", "Building A", 420),
    DemoZone("building-b", "Building B", 380),
    DemoZone("garage", "Underground garage", 120),
    DemoZone("grounds", "Gardens and playground", 500),
    DemoZone("plant-room", "Plant room", 6),
)

# fmt: off
DEVICES: tuple[DemoDevice, ...] = (
    # North gate: the main pedestrian and vehicle entrance.
    DemoDevice("ng-reader-1", K.ACCESS_READER, "north-gate", "North gate turnstile 1", 470, 40,
               30, "North gate turnstile 1"),
    DemoDevice("ng-reader-2", K.ACCESS_READER, "north-gate", "North gate turnstile 2", 530, 40,
               30, "North gate turnstile 2"),
    DemoDevice("ng-camera", K.CAMERA, "north-gate", "North gate overview", 500, 70, 30),
    DemoDevice("ng-counter", K.PEOPLE_COUNTER, "north-gate", "North gate counter", 500, 30, 60),
    DemoDevice("ng-gate-motor", K.EQUIPMENT_SENSOR, "north-gate", "North gate motor", 430, 30,
               60, "North gate motor"),
    # South gate: a smaller pedestrian gate to the river path.
    DemoDevice("sg-reader", K.ACCESS_READER, "south-gate", "South gate reader", 500, 665, 30,
               "South gate"),
    DemoDevice("sg-side-door", K.DOOR_CONTACT, "south-gate", "South gate side door", 560, 665,
               60, "South gate side door"),
    DemoDevice("sg-camera", K.CAMERA, "south-gate", "South gate camera", 500, 640, 30),
    DemoDevice("sg-counter", K.PEOPLE_COUNTER, "south-gate", "South gate counter", 470, 670, 60),
    # Building A.
    DemoDevice("a-lobby-reader", K.ACCESS_READER, "building-a", "Building A lobby reader",
               250, 330, 30, "Building A lobby"),
    DemoDevice("a-rear-reader", K.ACCESS_READER, "building-a", "Building A rear door reader",
               250, 170, 30, "Building A rear door"),
    DemoDevice("a-fire-exit", K.DOOR_CONTACT, "building-a", "Building A fire exit", 160, 250,
               60, "Building A fire exit"),
    DemoDevice("a-lobby-camera", K.CAMERA, "building-a", "Building A lobby camera", 280, 320, 30),
    DemoDevice("a-smoke-l1", K.SMOKE_DETECTOR, "building-a", "Smoke detector A L1", 230, 300, 60),
    DemoDevice("a-smoke-l8", K.SMOKE_DETECTOR, "building-a", "Smoke detector A L8", 230, 220, 60),
    DemoDevice("a-sprinkler", K.SPRINKLER_SENSOR, "building-a", "Sprinkler riser A", 200, 280,
               60),
    DemoDevice("a-lift-1", K.EQUIPMENT_SENSOR, "building-a", "Lift A1", 270, 260, 45, "Lift A1"),
    DemoDevice("a-lift-2", K.EQUIPMENT_SENSOR, "building-a", "Lift A2", 290, 260, 45, "Lift A2"),
    DemoDevice("a-wifi", K.WIFI_COUNTER, "building-a", "Building A Wi-Fi counter", 250, 250, 60),
    # Building B.
    DemoDevice("b-lobby-reader", K.ACCESS_READER, "building-b", "Building B lobby reader",
               750, 330, 30, "Building B lobby"),
    DemoDevice("b-fire-exit", K.DOOR_CONTACT, "building-b", "Building B fire exit", 840, 250,
               60, "Building B fire exit"),
    DemoDevice("b-lobby-camera", K.CAMERA, "building-b", "Building B lobby camera", 720, 320, 30),
    DemoDevice("b-smoke-l1", K.SMOKE_DETECTOR, "building-b", "Smoke detector B L1", 770, 300, 60),
    DemoDevice("b-smoke-l6", K.SMOKE_DETECTOR, "building-b", "Smoke detector B L6", 770, 220, 60),
    DemoDevice("b-sprinkler", K.SPRINKLER_SENSOR, "building-b", "Sprinkler riser B", 800, 280,
               60),
    DemoDevice("b-lift-1", K.EQUIPMENT_SENSOR, "building-b", "Lift B1", 730, 260, 45, "Lift B1"),
    DemoDevice("b-wifi", K.WIFI_COUNTER, "building-b", "Building B Wi-Fi counter", 750, 250, 60),
    # Underground garage under the gardens.
    DemoDevice("garage-lpr-in", K.PLATE_CAMERA, "garage", "Garage entry lane camera", 420, 470,
               30, "entry", "in"),
    DemoDevice("garage-lpr-out", K.PLATE_CAMERA, "garage", "Garage exit lane camera", 580, 470,
               30, "exit", "out"),
    DemoDevice("garage-barrier", K.EQUIPMENT_SENSOR, "garage", "Garage barrier", 500, 480, 60,
               "Garage barrier"),
    DemoDevice("garage-reader", K.ACCESS_READER, "garage", "Garage lift lobby reader", 500, 560,
               30, "Garage lift lobby"),
    DemoDevice("garage-ramp-reader", K.ACCESS_READER, "garage", "Garage ramp pedestrian door",
               500, 445, 30, "Garage ramp pedestrian door"),
    DemoDevice("garage-stair-door", K.DOOR_CONTACT, "garage", "Garage stair door", 620, 560, 60,
               "Garage stair door"),
    DemoDevice("garage-camera", K.CAMERA, "garage", "Garage level -1 camera", 500, 520, 30),
    DemoDevice("garage-smoke", K.SMOKE_DETECTOR, "garage", "Garage smoke detector", 450, 540, 60),
    DemoDevice("garage-sprinkler", K.SPRINKLER_SENSOR, "garage", "Garage sprinkler line", 550,
               540, 60),
    # Gardens, playground and the river path.
    DemoDevice("grounds-camera-play", K.CAMERA, "grounds", "Playground camera", 420, 330, 30,
               behaviour=Behaviour.DROPS_OUT),
    DemoDevice("grounds-counter", K.PEOPLE_COUNTER, "grounds", "Garden path counter", 500, 380,
               60),
    DemoDevice("grounds-wifi", K.WIFI_COUNTER, "grounds", "Gardens Wi-Fi counter", 500, 300, 60),
    # Plant room: pumps, the gateway for the fire panel.
    DemoDevice("plant-pump-1", K.EQUIPMENT_SENSOR, "plant-room", "Water pump 1", 870, 600, 45,
               "Water pump 1"),
    DemoDevice("plant-pump-2", K.EQUIPMENT_SENSOR, "plant-room", "Water pump 2 (standby)", 900,
               600, 45, "Water pump 2", behaviour=Behaviour.SILENT),
    DemoDevice("plant-door", K.DOOR_CONTACT, "plant-room", "Plant room door", 850, 640, 60,
               "Plant room door"),
    DemoDevice("plant-smoke", K.SMOKE_DETECTOR, "plant-room", "Plant room smoke detector", 890,
               630, 60),
    DemoDevice("plant-gateway", K.GATEWAY, "plant-room", "Fire panel gateway", 920, 640, 30),
)
# fmt: on


def build_demo_site(store: Storage) -> list[Device]:
    """Register Riverside Gardens, its zones and devices; reuse whatever exists already.

    Devices that exist are brought back to the plan (zone, name, position,
    heartbeat) without touching their tokens or history.
    """
    if store.registry.get_site(SITE_ID) is None:
        service.create_site(
            store.registry, SITE_ID, SITE_NAME, SITE_TIMEZONE, PLAN_WIDTH, PLAN_HEIGHT
        )
    for zone in ZONES:
        if store.registry.get_zone(SITE_ID, zone.zone_id) is None:
            service.create_zone(store.registry, SITE_ID, zone.zone_id, zone.name, zone.capacity)
    devices = []
    for planned in DEVICES:
        existing = store.registry.get_device(SITE_ID, planned.device_id)
        if existing is None:
            device, _ = service.create_device(
                store.registry,
                SITE_ID,
                planned.device_id,
                planned.kind,
                name=planned.name,
                zone_id=planned.zone_id,
                x=planned.x,
                y=planned.y,
                heartbeat_s=planned.heartbeat_s,
            )
        else:
            device = _brought_to_plan(store, existing, planned)
        devices.append(device)
    return devices


def _brought_to_plan(store: Storage, existing: Device, planned: DemoDevice) -> Device:
    if existing.kind is not planned.kind:
        # A kind cannot change under a device's history; say so rather than guess.
        raise Conflict(
            f"device {existing.device_id!r} in site {SITE_ID!r} is a {existing.kind.value}, "
            f"but the demo needs a {planned.kind.value}; use a fresh demo data folder"
        )
    wanted = replace(
        existing,
        zone_id=planned.zone_id,
        name=planned.name,
        x=planned.x,
        y=planned.y,
        heartbeat_s=planned.heartbeat_s,
    )
    return existing if wanted == existing else service.update_device(store.registry, wanted)


def issue_demo_tokens(store: Storage) -> dict[str, str]:
    """Rotate every demo device's token; the new tokens, by device id, for the simulator.

    Tokens live only in memory: each demo start issues new ones and the old ones stop
    working.
    """
    return {
        device.device_id: service.rotate_device_token(store.registry, SITE_ID, device.device_id)
        for device in DEVICES
    }
