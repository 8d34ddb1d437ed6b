"""What every benchmark shares: a real server process, a registered fleet, realistic
events, the store's row shape and PRAGMAs, percentiles and a printed table of figures.
"""

from __future__ import annotations

import os
import platform
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil

from sitewarden.config import Settings, load_settings
from sitewarden.db.sqlite import CONNECTION_PRAGMAS
from sitewarden.events.device_kinds import EMITS, DeviceKind
from sitewarden.initialise import initialise
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage

LOOPBACK = "127.0.0.1"
INGEST_PATH = "/api/v1/events"
NDJSON = "application/x-ndjson"


def connect_like_store(path: Path) -> sqlite3.Connection:
    """A writer connection set up the way the store sets up its own."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    for pragma in CONNECTION_PRAGMAS:
        conn.execute(pragma)
    return conn


# --- a real server process --------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def fresh_settings(root: Path, database_url: str | None = None) -> Settings:
    """Settings for a new, initialised data folder under ``root`` on a free loopback port
    (its database the folder's SQLite file, or the PostgreSQL database named)."""
    settings = load_settings(
        root / "data", port=free_port(), host=LOOPBACK, database_url=database_url
    )
    initialise(settings)
    return settings


@dataclass
class ServerProcess:
    """``python -m sitewarden.cli serve`` against one data folder."""

    settings: Settings
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.settings.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("server is not running")
        return self.process.pid

    def start(self, timeout_s: float = 30.0) -> None:
        command = [
            sys.executable,
            "-m",
            "sitewarden.cli",
            "serve",
            "--data-dir",
            str(self.settings.data_dir),
            "--port",
            str(self.settings.port),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.database_env()},
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /healthz within {timeout_s:.0f} s")

    def database_env(self) -> dict[str, str]:
        url = self.settings.database_url
        return {} if url is None else {"SITEWARDEN_DATABASE_URL": url}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@contextmanager
def running_server(settings: Settings, log_path: Path) -> Iterator[ServerProcess]:
    server = ServerProcess(settings, log_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def cpu_seconds(process: psutil.Process, with_children: bool = False) -> float:
    """User and system CPU time of ``process`` so far, and of its living children
    (a server's event writer process) if asked."""
    processes = [process, *(process.children(recursive=True) if with_children else ())]
    total = 0.0
    for each in processes:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def machine_busy_seconds() -> float:
    """CPU time all processes on this machine have used so far, every core together."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


class ProcessWatch:
    """Peak resident memory (sampled in a thread) and CPU time of one process; with
    ``with_children``, of its child processes too (a server and its event writer)."""

    def __init__(self, pid: int, interval_s: float = 0.05, with_children: bool = False) -> None:
        self._process = psutil.Process(pid)
        self._with_children = with_children
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._began = (0.0, 0.0)
        self.peak_bytes = 0
        self.cpu_s = 0.0
        self.wall_s = 0.0

    @property
    def cores(self) -> float:
        """CPU time over wall time: 1.0 is one core busy all the time."""
        return self.cpu_s / self.wall_s if self.wall_s else 0.0

    def __enter__(self) -> ProcessWatch:
        self._began = (time.perf_counter(), cpu_seconds(self._process, self._with_children))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self._began[0]
        self.cpu_s = cpu_seconds(self._process, self._with_children) - self._began[1]
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                rss = self._process.memory_info().rss
                if self._with_children:
                    rss += sum(c.memory_info().rss for c in self._process.children(True))
            except psutil.Error:
                return
            self.peak_bytes = max(self.peak_bytes, rss)
            self._stop.wait(self._interval)


# --- a fleet of devices -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DeviceRef:
    site_id: str
    device_id: str
    kind: DeviceKind
    zone_id: str | None


@dataclass(frozen=True)
class SiteFleet:
    """One site's devices and the gateway that relays for them."""

    site_id: str
    gateway_token: str
    devices: tuple[DeviceRef, ...]


# Per site: how many devices of each kind, their id prefix and how chatty each is
# (relative events a second).
FLEET_PLAN: tuple[tuple[DeviceKind, str, int, float], ...] = (
    (DeviceKind.ACCESS_READER, "reader", 20, 6.0),
    (DeviceKind.PLATE_CAMERA, "lpr", 6, 6.0),
    (DeviceKind.CAMERA, "cam", 10, 4.0),
    (DeviceKind.PEOPLE_COUNTER, "counter", 6, 4.0),
    (DeviceKind.WIFI_COUNTER, "wifi", 2, 2.0),
    (DeviceKind.SMOKE_DETECTOR, "smoke", 10, 1.0),
    (DeviceKind.SPRINKLER_SENSOR, "sprinkler", 4, 1.0),
    (DeviceKind.EQUIPMENT_SENSOR, "equip", 5, 1.0),
    (DeviceKind.DOOR_CONTACT, "door", 4, 1.0),
)
ACTIVITY: dict[DeviceKind, float] = {kind: activity for kind, _, _, activity in FLEET_PLAN}
ZONES = ("lobby", "garage", "tower-a", "tower-b")


def planned_devices(site_id: str) -> list[DeviceRef]:
    """The devices of one site per :data:`FLEET_PLAN` (about 67), spread over the zones."""
    devices = []
    for kind, prefix, count, _ in FLEET_PLAN:
        for number in range(1, count + 1):
            zone = "garage" if kind is DeviceKind.PLATE_CAMERA else ZONES[number % len(ZONES)]
            devices.append(DeviceRef(site_id, f"{prefix}-{number:02d}", kind, zone))
    return devices


def register_site(store: Storage, site_id: str) -> SiteFleet:
    """Create the site, its zones, its planned devices and a gateway through the registry."""
    service.create_site(store.registry, site_id, site_id.title(), "Asia/Shanghai", 1000, 700)
    for zone in ZONES:
        service.create_zone(store.registry, site_id, zone, zone.title(), None)
    devices = planned_devices(site_id)
    for device in devices:
        service.create_device(
            store.registry, site_id, device.device_id, device.kind, zone_id=device.zone_id
        )
    _, token = service.create_device(
        store.registry, site_id, "gateway", DeviceKind.GATEWAY, zone_id="lobby"
    )
    return SiteFleet(site_id, token, tuple(devices))


# --- realistic events -------------------------------------------------------------------------
# Per device kind: the event kinds it sends and how often, relative to each other.
KIND_MIX: dict[DeviceKind, tuple[tuple[str, float], ...]] = {
    DeviceKind.ACCESS_READER: (
        ("access.granted", 82.0),
        ("access.denied", 7.0),
        ("door.held_open", 1.0),
        ("door.forced", 0.2),
        ("device.heartbeat", 9.7),
        ("equipment.fault", 0.1),
    ),
    DeviceKind.PLATE_CAMERA: (
        ("plate.read", 70.0),
        ("parking.entry", 10.0),
        ("parking.exit", 10.0),
        ("camera.tamper", 0.2),
        ("device.heartbeat", 9.8),
    ),
    DeviceKind.CAMERA: (
        ("occupancy.count", 60.0),
        ("camera.tamper", 0.3),
        ("device.heartbeat", 39.7),
    ),
    DeviceKind.PEOPLE_COUNTER: (("occupancy.count", 80.0), ("device.heartbeat", 20.0)),
    DeviceKind.WIFI_COUNTER: (("wifi.presence", 50.0), ("device.heartbeat", 50.0)),
    DeviceKind.SMOKE_DETECTOR: (("alarm.smoke", 2.0), ("device.heartbeat", 98.0)),
    DeviceKind.SPRINKLER_SENSOR: (("alarm.sprinkler", 2.0), ("device.heartbeat", 98.0)),
    DeviceKind.EQUIPMENT_SENSOR: (("equipment.fault", 3.0), ("device.heartbeat", 97.0)),
    DeviceKind.DOOR_CONTACT: (
        ("door.held_open", 5.0),
        ("door.forced", 0.5),
        ("device.heartbeat", 94.5),
    ),
}
assert all(
    kind in EMITS[device_kind] for device_kind, mix in KIND_MIX.items() for kind, _ in mix
), "KIND_MIX names a kind the device may not send"

_NAMES = ("Li Wei", "Wang Fang", "Zhang Min", "Chen Jie", "Liu Yang", "Anna Schmidt", "Omar Haddad")
_PROVINCES = "沪京苏浙粤川鲁"
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_PLATE_CHARS = _LETTERS + "0123456789"


def _door(rng: random.Random) -> str:
    return f"door-{rng.randint(1, 40):02d}"


def _plate(rng: random.Random) -> str:
    tail = "".join(rng.choices(_PLATE_CHARS, k=5))
    return f"{rng.choice(_PROVINCES)}{rng.choice(_LETTERS)}{tail}"


PERSONS = 5_000  # badge holders of a site
REGULAR_VEHICLES = 3_000  # cars that come back; the rest of the plates are visitors
VISITOR_SHARE = 0.1


def _person(number: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Enrolled person ``number``: the reference attribute and the same personal part each time."""
    personal: dict[str, Any] = {
        "person_name": _NAMES[number % len(_NAMES)],
        "badge_id": f"B{100000 + number}",
    }
    if number % 3 == 0:
        personal["phone"] = f"+86 138 {number:08d}"
    return {"person_ref": f"p-{number:05d}"}, personal


Content = tuple[dict[str, Any], dict[str, Any] | None, str | None]  # attributes, personal, note


def _access(rng: random.Random, denied: bool) -> Content:
    credential = rng.choices(("badge", "face", "pin", "qr", "remote"), (70, 15, 5, 8, 2))[0]
    attributes: dict[str, Any] = {
        "credential": credential,
        "direction": rng.choice(("in", "out")),
        "door": _door(rng),
    }
    if denied and rng.random() < 0.25:  # a badge nobody enrolled
        attributes["reason"] = "unknown credential"
        return attributes, {"badge_id": f"X{rng.getrandbits(32):08x}"}, None
    reference, personal = _person(rng.randint(1, PERSONS))
    attributes.update(reference)
    if denied:
        attributes["reason"] = rng.choice(("badge expired", "outside schedule", "anti-passback"))
    return attributes, personal, None


def _vehicle(rng: random.Random, regulars: Sequence[str]) -> dict[str, Any]:
    visitor = rng.random() < VISITOR_SHARE
    return {"plate": _plate(rng) if visitor else rng.choice(regulars)}


def _plate_read(rng: random.Random, regulars: Sequence[str]) -> Content:
    attributes = {
        "confidence": round(rng.uniform(0.72, 0.995), 3),
        "direction": rng.choice(("in", "out")),
        "lane": f"lane-{rng.randint(1, 4)}",
        "colour": rng.choices(("blue", "green", "yellow", "white"), (60, 30, 8, 2))[0],
    }
    return attributes, _vehicle(rng, regulars), None


def _parking(rng: random.Random, regulars: Sequence[str], exiting: bool) -> Content:
    attributes: dict[str, Any] = {
        "lane": f"lane-{rng.randint(1, 4)}",
        "session_id": f"ps-{rng.getrandbits(40):010x}",
    }
    if exiting:
        attributes.update(fee_minor=rng.choice((0, 500, 1000, 1500, 3000)), currency="CNY")
    return attributes, _vehicle(rng, regulars), None


def _alarm(rng: random.Random) -> Content:
    state = rng.choices(("test", "clear", "alarm"), (60, 30, 10))[0]
    note = "weekly test" if state == "test" and rng.random() < 0.5 else None
    return {"state": state, "level": round(rng.uniform(0, 5), 2)}, None, note


def _heartbeat(rng: random.Random) -> Content:
    attributes = {
        "uptime_s": rng.randint(60, 90 * 86400),
        "firmware": rng.choice(("2.4.1", "2.4.2", "3.0.0")),
        "temperature_c": round(rng.uniform(18, 55), 1),
    }
    if rng.random() < 0.3:
        attributes["battery_pct"] = round(rng.uniform(20, 100), 1)
    return attributes, None, None


def _wifi(rng: random.Random, day: str) -> Content:
    hashed = [f"{rng.getrandbits(128):032x}" for _ in range(rng.randint(3, 30))]
    return {"hashed_ids": hashed, "salt_date": day, "interval_s": 300}, None, None


def _content_makers(
    day: str, regulars: Sequence[str]
) -> dict[str, Callable[[random.Random], Content]]:
    return {
        "access.granted": lambda rng: _access(rng, denied=False),
        "access.denied": lambda rng: _access(rng, denied=True),
        "door.forced": lambda rng: ({"door": _door(rng)}, None, None),
        "door.held_open": lambda rng: (
            {"door": _door(rng), "open_seconds": round(rng.uniform(30, 900), 1)},
            None,
            None,
        ),
        "plate.read": lambda rng: _plate_read(rng, regulars),
        "parking.entry": lambda rng: _parking(rng, regulars, exiting=False),
        "parking.exit": lambda rng: _parking(rng, regulars, exiting=True),
        "alarm.smoke": _alarm,
        "alarm.sprinkler": _alarm,
        "equipment.fault": lambda rng: (
            {"equipment": rng.choice(("lift-2", "pump-1", "gate-motor")), "code": "E42"},
            None,
            None,
        ),
        "device.heartbeat": _heartbeat,
        "camera.tamper": lambda rng: (
            {"cause": rng.choice(("covered", "moved", "defocus", "signal_lost"))},
            None,
            None,
        ),
        "occupancy.count": lambda rng: (
            {"count": rng.randint(0, 400), "interval_s": 60},
            None,
            None,
        ),
        "wifi.presence": lambda rng: _wifi(rng, day),
    }


class EventMaker:
    """Draws device, kind and content the way a busy site produces them."""

    def __init__(self, rng: random.Random, day: str | None = None) -> None:
        self.rng = rng
        self.regulars = [_plate(random.Random(number)) for number in range(REGULAR_VEHICLES)]
        self._makers = _content_makers(day or datetime.now(UTC).date().isoformat(), self.regulars)
        self._mix = {
            device_kind: ([kind for kind, _ in mix], [weight for _, weight in mix])
            for device_kind, mix in KIND_MIX.items()
        }

    def device_weights(self, devices: Sequence[DeviceRef]) -> list[float]:
        return [ACTIVITY[device.kind] for device in devices]

    def kind_for(self, device_kind: DeviceKind) -> str:
        kinds, weights = self._mix[device_kind]
        return self.rng.choices(kinds, weights)[0]

    def content(self, kind: str) -> Content:
        return self._makers[kind](self.rng)

    def introductions(self, devices: Sequence[DeviceRef], at: datetime) -> list[dict[str, Any]]:
        """One sighting of each enrolled person and regular vehicle of a site.

        A site that has run a while knows its regulars; posting these first makes a
        timed run measure that steady state rather than every subject's first sighting.
        """
        readers = [d for d in devices if d.kind is DeviceKind.ACCESS_READER]
        cameras = [d for d in devices if d.kind is DeviceKind.PLATE_CAMERA]
        events = []
        for number in range(1, PERSONS + 1):
            reference, personal = _person(number)
            attributes = {"credential": "badge", "direction": "in", **reference}
            events.append(self._event("access.granted", self.rng.choice(readers), at, attributes))
            events[-1]["personal"] = personal
        for plate in self.regulars:
            attributes = {"confidence": 0.95, "direction": "in"}
            events.append(self._event("plate.read", self.rng.choice(cameras), at, attributes))
            events[-1]["personal"] = {"plate": plate}
        return events

    @staticmethod
    def _event(
        kind: str, device: DeviceRef, at: datetime, attributes: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "kind": kind,
            "time": at.isoformat(),
            "device": device.device_id,
            "attributes": attributes,
        }

    def posted(self, device: DeviceRef, at: datetime) -> dict[str, Any]:
        """One event as a gateway posts it for ``device``."""
        kind = self.kind_for(device.kind)
        attributes, personal, note = self.content(kind)
        event = self._event(kind, device, at, attributes)
        if personal is not None:
            event["personal"] = personal
        if note is not None:
            event["note"] = note
        return event


# --- figures ----------------------------------------------------------------------------------
def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile; ``fraction`` in [0, 1]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class Figure:
    """One measured number, and the target it is held to, if any."""

    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None

    def cells(self) -> tuple[str, str, str, str]:
        whole = abs(self.value) >= 100 or float(self.value).is_integer()
        value = f"{self.value:,.0f}" if whole else f"{self.value:,.2f}"
        verdict = "" if self.met is None else ("met" if self.met else "MISSED")
        return self.name, f"{value} {self.unit}".strip(), self.target, verdict


def print_table(title: str, figures: Sequence[Figure]) -> None:
    header = ("figure", "measured", "target", "")
    rows = [header, *(figure.cells() for figure in figures)]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    print(f"\n{title}")
    for index, row in enumerate(rows):
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths))


def machine_description() -> dict[str, str]:
    """What the figures were measured on."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{os.cpu_count()} x {model}",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "load average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }


def print_machine() -> None:
    print("machine: " + "; ".join(f"{key} {value}" for key, value in machine_description().items()))
