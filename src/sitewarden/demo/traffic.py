"""What happens on the demo site, as the events its devices would post.

:class:`Traffic` decides who walks through which gate, which car enters the garage,
when a lift faults; with the same seed and clock it decides the same. The simulator
(``demo/simulator.py``) posts what it decides.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sitewarden.demo.people import Person, PersonRole, Population, make_population
from sitewarden.demo.site import DEVICES, SITE_ID, SITE_TIMEZONE, ZONES, Behaviour, DemoDevice
from sitewarden.events.device_kinds import DeviceKind


class Scenario(StrEnum):
    """Something that happens on the site, as one or a few events."""

    ACCESS_GRANTED = "access_granted"
    ACCESS_DENIED = "access_denied"
    PARKING_ENTRY = "parking_entry"
    PARKING_EXIT = "parking_exit"
    OCCUPANCY = "occupancy"
    WIFI = "wifi"
    DOOR_HELD = "door_held"
    DOOR_FORCED = "door_forced"
    EQUIPMENT_FAULT = "equipment_fault"
    CAMERA_TAMPER = "camera_tamper"
    CAMERA_OBJECT = "camera_object"
    SMOKE = "smoke"
    SPRINKLER_TEST = "sprinkler_test"


# Relative weight of each scenario at quiet (activity 0) and at peak (activity 1) times.
# At 4 events/s the rare ones come to a few smoke alarms and forced doors an hour.
_WEIGHTS: dict[Scenario, tuple[float, float]] = {
    Scenario.ACCESS_GRANTED: (4.0, 58.0),
    Scenario.ACCESS_DENIED: (0.8, 2.4),
    Scenario.PARKING_ENTRY: (0.5, 5.0),
    Scenario.PARKING_EXIT: (0.5, 5.0),
    Scenario.OCCUPANCY: (12.0, 12.0),
    Scenario.WIFI: (6.0, 6.0),
    Scenario.DOOR_HELD: (0.3, 0.6),
    Scenario.DOOR_FORCED: (0.03, 0.02),
    Scenario.EQUIPMENT_FAULT: (0.05, 0.06),
    Scenario.CAMERA_TAMPER: (0.04, 0.03),
    Scenario.CAMERA_OBJECT: (1.0, 4.0),
    Scenario.SMOKE: (0.005, 0.01),
    Scenario.SPRINKLER_TEST: (0.002, 0.002),
}

# With the live garage and readers, these happen through the server's decisions instead.
LIVE_SCENARIOS = frozenset(
    {Scenario.ACCESS_GRANTED, Scenario.ACCESS_DENIED, Scenario.PARKING_ENTRY, Scenario.PARKING_EXIT}
)

_FAULTS = {
    "Lift": (("E21", "door sensor obstructed"), ("E33", "car stopped between floors")),
    "Water pump": (("P12", "low inlet pressure"), ("P40", "motor over-temperature")),
    "gate": (("G05", "obstruction detected"), ("G18", "limit switch not reached")),
    "barrier": (("G05", "obstruction detected"), ("B02", "arm not closed after vehicle")),
}
# Controllers report denials with sitewarden's own reason codes (docs/access.md), which
# the console shows in the operator's language.
_DENIALS = ("expired", "outside_schedule", "not_permitted")
_BATTERY_KINDS = frozenset({DeviceKind.DOOR_CONTACT, DeviceKind.SMOKE_DETECTOR})
_WARM_KINDS = frozenset({DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA, DeviceKind.GATEWAY})


def activity_at(local: datetime) -> float:
    """How busy a residential site is at a local time: 0 at night, 1 at the peaks."""
    hour = local.hour + local.minute / 60
    if hour < 5.5 or hour >= 23.5:
        return 0.05
    if 7 <= hour < 9 or 17.5 <= hour < 20:
        return 1.0
    if hour < 7:
        return 0.05 + 0.95 * (hour - 5.5) / 1.5
    if hour >= 20:
        return 0.5 - 0.45 * (hour - 20) / 3.5
    return 0.45


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One event to post as ``device_id``."""

    device_id: str
    event: dict[str, Any]


@dataclass
class _ParkedCar:
    session_id: str
    entered_at: datetime
    pays: bool


class Traffic:
    """What happens on the demo site. Deterministic for a seed and a clock."""

    def __init__(
        self, seed: int, devices: tuple[DemoDevice, ...] = DEVICES, now: datetime | None = None
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.population: Population = make_population(seed)
        self.zone = ZoneInfo(SITE_TIMEZONE)
        self._capacity = {zone.zone_id: zone.capacity or 50 for zone in ZONES}
        talking = [d for d in devices if d.behaviour is Behaviour.NORMAL]
        self._by_kind: dict[DeviceKind, list[DemoDevice]] = {}
        for device in talking:
            self._by_kind.setdefault(device.kind, []).append(device)
        self._handsets = [f"handset-{seed}-{n}" for n in range(400)]
        self._pending: list[tuple[datetime, Outgoing]] = []
        self._sessions = 0
        self._parked: dict[str, _ParkedCar] = {}
        self._park_overnight(now or datetime.now(UTC))

    def _park_overnight(self, now: datetime) -> None:
        cars = [person.plate for person in self.population.people if person.plate]
        for plate in self.rng.sample(cars, len(cars) // 2):
            entered = now - timedelta(minutes=self.rng.randrange(30, 14 * 60))
            self._parked[plate] = _ParkedCar(self._new_session(), entered, pays=False)

    def _new_session(self) -> str:
        self._sessions += 1
        return f"RG-{self.seed % 10000:04d}-{self._sessions:06d}"

    def _devices(self, *kinds: DeviceKind) -> list[DemoDevice]:
        return [device for kind in kinds for device in self._by_kind.get(kind, [])]

    def draw(self, now: datetime, skip: frozenset[Scenario] = frozenset()) -> list[Outgoing]:
        """The next thing that happens, chosen by the time of day (never one in ``skip``)."""
        local = now.astimezone(self.zone)
        busy = activity_at(local)
        weights = {
            scenario: q + (p - q) * busy
            for scenario, (q, p) in _WEIGHTS.items()
            if scenario not in skip
        }
        # Cars leave in the morning and come back in the evening.
        busier = Scenario.PARKING_EXIT if local.hour < 12 else Scenario.PARKING_ENTRY
        if busier in weights:
            weights[busier] *= 2
        return self.generate(self.rng.choices(list(weights), list(weights.values()))[0], now)

    def generate(self, scenario: Scenario, now: datetime) -> list[Outgoing]:
        """The events of one ``scenario`` happening at ``now``."""
        local = now.astimezone(self.zone)
        makers = {
            Scenario.ACCESS_GRANTED: self._access_granted,
            Scenario.ACCESS_DENIED: self._access_denied,
            Scenario.PARKING_ENTRY: self._parking_entry,
            Scenario.PARKING_EXIT: self._parking_exit,
            Scenario.OCCUPANCY: self._occupancy,
            Scenario.WIFI: self._wifi,
            Scenario.DOOR_HELD: self._door_held,
            Scenario.DOOR_FORCED: self._door_forced,
            Scenario.EQUIPMENT_FAULT: self._equipment_fault,
            Scenario.CAMERA_TAMPER: self._camera_tamper,
            Scenario.CAMERA_OBJECT: self._camera_object,
            Scenario.SMOKE: self._smoke,
            Scenario.SPRINKLER_TEST: self._sprinkler_test,
        }
        return makers[scenario](now, local)

    def due(self, now: datetime) -> list[Outgoing]:
        """Follow-ups scheduled earlier (a smoke alarm clearing) that are due by ``now``."""
        ready = [item for at, item in self._pending if at <= now]
        self._pending = [(at, item) for at, item in self._pending if at > now]
        return ready

    def heartbeat(self, device: DemoDevice, now: datetime, uptime_s: int) -> Outgoing:
        """A device.heartbeat with what such a device reports about itself."""
        attributes: dict[str, Any] = {"uptime_s": uptime_s, "firmware": "4.2.1"}
        if device.kind in _BATTERY_KINDS:
            attributes["battery_pct"] = round(self.rng.uniform(62, 100), 1)
        if device.kind in _WARM_KINDS:
            attributes["temperature_c"] = round(self.rng.uniform(31, 47), 1)
        return _event(device, "device.heartbeat", now, attributes)

    # --- scenarios ------------------------------------------------------------------
    def _reader_passage(self, local: datetime) -> tuple[DemoDevice, dict[str, Any]]:
        """A reader (gates are busiest) and the direction people go at this hour."""
        readers = self._devices(DeviceKind.ACCESS_READER)
        reader = self.rng.choices(readers, [3 if "gate" in r.zone_id else 1 for r in readers])[0]
        leaving = self.rng.random() < (0.7 if local.hour < 12 else 0.3)
        return reader, {"direction": "out" if leaving else "in", "door": reader.watches}

    def _access_granted(self, now: datetime, local: datetime) -> list[Outgoing]:
        reader, attributes = self._reader_passage(local)
        if "gate" in reader.zone_id and self.rng.random() < 0.1:
            visitor = self.rng.choice(self.population.of_role(PersonRole.VISITOR))
            attributes["credential"] = "qr"
            personal = {
                "person_name": visitor.name,
                "national_id": visitor.national_id,
                "phone": visitor.phone,
            }
        else:
            attributes["credential"] = "face" if self.rng.random() < 0.3 else "badge"
            personal = _person_personal(self._badge_holder(local), attributes["credential"])
        return [_event(reader, "access.granted", now, attributes, personal)]

    def _access_denied(self, now: datetime, local: datetime) -> list[Outgoing]:
        reader, attributes = self._reader_passage(local)
        chance = self.rng.random()
        if chance < 0.4:
            badge = self.rng.choice(self.population.unknown_badges)
            attributes |= {"credential": "badge", "reason": "not_enrolled"}
            return [_event(reader, "access.denied", now, attributes, {"badge_id": badge})]
        if chance < 0.6:
            attributes |= {"credential": "face", "reason": "not_enrolled"}
            return [_event(reader, "access.denied", now, attributes)]
        personal = _person_personal(self._badge_holder(local), "badge")
        attributes |= {"credential": "badge", "reason": self.rng.choice(_DENIALS)}
        return [_event(reader, "access.denied", now, attributes, personal)]

    def _badge_holder(self, local: datetime) -> Person:
        staff_share = 0.3 if 8 <= local.hour < 18 else 0.08
        role = PersonRole.STAFF if self.rng.random() < staff_share else PersonRole.RESIDENT
        return self.rng.choice(self.population.of_role(role))

    def _parking_entry(self, now: datetime, local: datetime) -> list[Outgoing]:
        free = [plate for plate in self.population.plates if plate not in self._parked]
        if not free:
            return self._parking_exit(now, local)
        visitor = self.rng.random() < 0.25
        visiting = set(self.population.visitor_plates)
        plate = self.rng.choice([p for p in free if (p in visiting) == visitor] or free)
        car = _ParkedCar(self._new_session(), now, pays=plate in visiting)
        self._parked[plate] = car
        parking = {"lane": "entry", "session_id": car.session_id}
        return self._lane_events("in", "parking.entry", plate, parking, now)

    def _parking_exit(self, now: datetime, local: datetime) -> list[Outgoing]:
        if not self._parked:
            return self._parking_entry(now, local)
        plate = self.rng.choice(sorted(self._parked))
        car = self._parked.pop(plate)
        hours = int((now - car.entered_at).total_seconds() // 3600) + 1  # started hours
        fee = min(hours * 500, 6000) if car.pays else 0  # residents hold monthly permits
        parking = {"lane": "exit", "session_id": car.session_id, "fee_minor": fee}
        return self._lane_events("out", "parking.exit", plate, parking | {"currency": "CNY"}, now)

    def _lane_events(
        self, direction: str, kind: str, plate: str, parking: dict[str, Any], now: datetime
    ) -> list[Outgoing]:
        """The lane camera's plate read, then the parking event it caused."""
        camera = next(d for d in self._devices(DeviceKind.PLATE_CAMERA) if d.direction == direction)
        read = {
            "confidence": round(self.rng.uniform(0.86, 0.995), 3),
            "direction": direction,
            "lane": parking["lane"],
            "colour": "green" if len(plate) == 9 else "blue",
        }
        return [
            _event(camera, "plate.read", now, read, {"plate": plate}),
            _event(camera, kind, now, parking, {"plate": plate}),
        ]

    def _occupancy(self, now: datetime, local: datetime) -> list[Outgoing]:
        # A garage's occupancy is its parked cars, counted at its lanes by the parking
        # sessions; a camera count there would contradict the garage page and overview.
        garages = {camera.zone_id for camera in self._devices(DeviceKind.PLATE_CAMERA)}
        counters = self._devices(DeviceKind.PEOPLE_COUNTER, DeviceKind.CAMERA)
        counter = self.rng.choice([d for d in counters if d.zone_id not in garages])
        busy = activity_at(local)
        count = round(self._capacity[counter.zone_id] * busy * self.rng.uniform(0.15, 0.4))
        return [_event(counter, "occupancy.count", now, {"count": count, "interval_s": 60})]

    def _wifi(self, now: datetime, local: datetime) -> list[Outgoing]:
        counter = self.rng.choice(self._devices(DeviceKind.WIFI_COUNTER))
        seen = self.rng.sample(self._handsets, 5 + round(80 * activity_at(local)))
        # The counter hashes each handset with the site's salt of the day; no raw
        # identifier (let alone a MAC) ever leaves it.
        salt = hashlib.sha256(f"{SITE_ID}:{self.seed}:{local.date()}".encode()).hexdigest()
        hashed = sorted(hashlib.sha256(f"{salt}:{h}".encode()).hexdigest() for h in seen)
        attributes = {"hashed_ids": hashed, "salt_date": local.date().isoformat()}
        return [_event(counter, "wifi.presence", now, attributes | {"interval_s": 300})]

    def _door_held(self, now: datetime, local: datetime) -> list[Outgoing]:
        door = self.rng.choice(self._devices(DeviceKind.DOOR_CONTACT, DeviceKind.ACCESS_READER))
        seconds = round(self.rng.uniform(35, 420), 1)
        return [
            _event(door, "door.held_open", now, {"door": door.watches, "open_seconds": seconds})
        ]

    def _door_forced(self, now: datetime, local: datetime) -> list[Outgoing]:
        door = self.rng.choice(self._devices(DeviceKind.DOOR_CONTACT))
        return [_event(door, "door.forced", now, {"door": door.watches})]

    def _equipment_fault(self, now: datetime, local: datetime) -> list[Outgoing]:
        sensor = self.rng.choice(self._devices(DeviceKind.EQUIPMENT_SENSOR))
        equipment = sensor.watches or sensor.name
        family = next((key for key in _FAULTS if key in equipment), "gate")
        code, message = self.rng.choice(_FAULTS[family])
        attributes = {"equipment": equipment, "code": code, "message": message}
        return [_event(sensor, "equipment.fault", now, attributes)]

    def _camera_tamper(self, now: datetime, local: datetime) -> list[Outgoing]:
        camera = self.rng.choice(self._devices(DeviceKind.CAMERA, DeviceKind.PLATE_CAMERA))
        cause = self.rng.choice(("covered", "moved", "defocus", "signal_lost"))
        return [_event(camera, "camera.tamper", now, {"cause": cause})]

    def _camera_object(self, now: datetime, local: datetime) -> list[Outgoing]:
        """An ordinary camera began tracking a person or vehicle: what and where, never who."""
        camera = self.rng.choice(self._devices(DeviceKind.CAMERA))
        label = self.rng.choices(("person", "car", "bicycle"), (6, 3, 1))[0]
        attributes = {
            "label": label,
            "score": round(self.rng.uniform(0.6, 0.97), 2),
            "zones": [camera.zone_id],
            "track": f"t-{self.rng.randrange(16**6):06x}",
            "source": "device",
        }
        return [_event(camera, "camera.object", now, attributes)]

    def _smoke(self, now: datetime, local: datetime) -> list[Outgoing]:
        detector = self.rng.choice(self._devices(DeviceKind.SMOKE_DETECTOR))
        level = round(self.rng.uniform(0.12, 0.6), 2)
        clear_at = now + timedelta(seconds=self.rng.uniform(60, 240))
        clear = _event(detector, "alarm.smoke", clear_at, {"state": "clear", "level": 0.0})
        clear.event["severity"] = "info"
        self._pending.append((clear_at, clear))
        return [_event(detector, "alarm.smoke", now, {"state": "alarm", "level": level})]

    def _sprinkler_test(self, now: datetime, local: datetime) -> list[Outgoing]:
        sensor = self.rng.choice(self._devices(DeviceKind.SPRINKLER_SENSOR))
        outgoing = _event(sensor, "alarm.sprinkler", now, {"state": "test"})
        outgoing.event.update(severity="info", note="weekly flow test")
        return [outgoing]


def _person_personal(person: Person, credential: str) -> dict[str, Any]:
    """What a reader knows of who it saw: the badge read, or the ID the face is enrolled with."""
    personal: dict[str, Any] = {"person_name": person.name}
    if credential == "badge" and person.badge_id is not None:
        personal["badge_id"] = person.badge_id
    elif credential == "face":
        personal["national_id"] = person.national_id
    return personal


def _event(
    device: DemoDevice,
    kind: str,
    at: datetime,
    attributes: dict[str, Any],
    personal: dict[str, Any] | None = None,
) -> Outgoing:
    event: dict[str, Any] = {"kind": kind, "time": at.isoformat(), "attributes": attributes}
    if personal:
        event["personal"] = personal
    return Outgoing(device.device_id, event)
