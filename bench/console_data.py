"""A data folder for ``bench/console.py``: ``bench/search.py``'s cached events, plus
what the console pages show around them, built once and cached under ``bench/.data/``.

The events database is copied (never changed in place: ``bench.search`` counts its
rows); the copy gets the registry rows its events refer to (the sites, their zones and
devices), an occupancy series per zone, a few hundred alerts in every state, one
planted event whose note the text filter must find, and an administrator. Retention is
off in the folder's settings so that a server started on it deletes nothing.

Personal parts of the events are opaque bytes of the size sealing makes them (see
``bench/search.py``): they do not open with this folder's keys, so the benchmark reads
events without a purpose, as the pages do until an operator gives one.
"""

from __future__ import annotations

import json
import random
import secrets
import shutil
import sqlite3
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import search
from bench.common import ZONES, planned_devices, register_site
from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.events.categories import default_schedule
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import family_of, from_micros
from sitewarden.privacy.keyfiles import create_key_files
from sitewarden.runtime.storage import Storage

ADMIN = "admin"
ALERTS = 300
OCCUPANCY_STEP_S = 300
PLANTED_NOTE = "planted by bench.console: north stair smoke test"
PLANTED_SITE = "site-2"
PLANTED_DEVICE = "smoke-03"
PLANTED_AGO_US = 3 * search.DAY_US + 5 * search.HOUR_US  # inside the 7-day window only
ALERT_RULES = (
    ("door_forced", "Door forced open", "critical"),
    ("smoke_alarm", "Smoke alarm", "critical"),
    ("device_offline", "Device offline", "major"),
    ("door_held_open", "Door held open", "minor"),
    ("camera_tamper", "Camera tampered with", "major"),
)
# Of every 20 alerts: state, shelved, assigned to the admin.
ALERT_STATES = (
    *(("open", False, False),) * 5,
    ("open", True, False),
    ("open", False, True),
    *(("acknowledged", False, False),) * 4,
    ("acknowledged", False, True),
    *(("returned", False, False),) * 2,
    *(("resolved", False, False),) * 6,
)
CONFIG = """\
host = "127.0.0.1"
port = 8000

# A benchmark folder: keep every event (bench.console measures a fixed 10 M).
[retention_days]
{retention}
"""


@dataclass
class ConsoleData:
    """What the benchmark needs to know about its folder (kept in ``console.json``)."""

    events: int
    start_us: int
    end_us: int  # the newest events are just before this
    admin_password: str
    planted_id: str
    alerts: int
    admin_totp: str | None = None  # the admin's second factor, once enrolled

    @property
    def planted_at_us(self) -> int:
        return self.end_us - PLANTED_AGO_US


def folder_for(database: Path) -> Path:
    return database.with_name(f"console-{database.stem}")


def console_folder(events: int, rebuild: bool) -> tuple[Path, ConsoleData]:
    """The cached data folder for ``events`` events, built first if missing."""
    database, layout = search.cached_database(events, rebuild)
    folder = folder_for(database)
    if (folder / "console.json").exists() and not rebuild:
        print(f"console: using cached data folder {folder}")
        return folder, load(folder)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    data = build_folder(partial, database, layout)
    partial.rename(folder)
    return folder, data


def load(folder: Path) -> ConsoleData:
    return ConsoleData(**json.loads((folder / "console.json").read_text()))


def save(folder: Path, data: ConsoleData) -> None:
    (folder / "console.json").write_text(json.dumps(asdict(data)))


def build_folder(folder: Path, database: Path, layout: search.Layout) -> ConsoleData:
    print(f"console: copying {database.name} into a data folder (once; then cached)")
    (folder / "db").mkdir(parents=True)
    create_key_files(folder / "keys")
    retention = "\n".join(f"{category} = 0" for category in default_schedule())
    (folder / "sitewarden.toml").write_text(CONFIG.format(retention=retention))
    path = folder / "db" / "sitewarden.db"
    shutil.copyfile(database, path)
    rng = random.Random(19)
    password = secrets.token_urlsafe(18)
    store = Storage.sqlite(path)
    try:
        for site in search.SITES:
            register_site(store, site)
        add_occupancy(store, layout)
        create_user(store.accounts, store.registry, ADMIN, Role.ADMIN, password=password)
    finally:
        store.close()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        mark_devices_seen(conn, layout, rng)
        alerts = add_alerts(conn, layout, rng)
        planted = plant_event(conn, layout)
        conn.execute("COMMIT")
    finally:
        conn.close()
    data = ConsoleData(layout.events, layout.start_us, layout.end_us, password, planted, alerts)
    save(folder, data)
    return data


def mark_devices_seen(conn: sqlite3.Connection, layout: search.Layout, rng: random.Random) -> None:
    """Most devices heard from at the end of the data, a few long ago, a few never."""
    for site in search.SITES:
        for device in planned_devices(site):
            draw = rng.random()
            if draw < 0.05:
                continue
            ago = rng.randint(0, 60_000_000) if draw > 0.15 else rng.randint(1, 5) * search.DAY_US
            conn.execute(
                "UPDATE devices SET last_seen_at = ? WHERE site_id = ? AND device_id = ?",
                (layout.end_us - ago, site, device.device_id),
            )


def add_occupancy(store: Storage, layout: search.Layout) -> None:
    """A count per zone every five minutes over the whole span of the events."""
    step_us = OCCUPANCY_STEP_S * 1_000_000
    rng = random.Random(7)
    rows = [
        (site, zone, "camera", from_micros(at), OCCUPANCY_STEP_S, rng.randint(0, 400))
        for site in search.SITES
        for zone in ZONES
        for at in range(layout.start_us, layout.end_us, step_us)
    ]
    store.occupancy.add_occupancy(rows)


def add_alerts(conn: sqlite3.Connection, layout: search.Layout, rng: random.Random) -> int:
    """``ALERTS`` alerts over the last week of the data, in every state."""
    for number in range(ALERTS):
        site = search.SITES[number % len(search.SITES)]
        device = rng.choice(planned_devices(site))
        rule_id, title, severity = ALERT_RULES[number % len(ALERT_RULES)]
        state, shelved, assigned = ALERT_STATES[number % len(ALERT_STATES)]
        first = layout.end_us - rng.randint(1, 7 * search.DAY_US)
        last = min(layout.end_us, first + rng.randint(0, search.HOUR_US))
        done_at = last + 60_000_000
        alert_id = uuid.UUID(int=rng.getrandbits(128)).hex
        conn.execute(
            "INSERT INTO alerts (site_id, alert_id, rule_id, dedupe_key, severity, state, "
            "title, zone_id, device_id, count, first_at, last_at, acknowledged_at, "
            "acknowledged_by, returned_at, resolved_at, resolved_by, shelved_until, "
            "shelved_by, shelve_reason, assigned_to) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                site,
                alert_id,
                rule_id,
                f"{device.device_id}/{number}",
                severity,
                state,
                title,
                device.zone_id,
                device.device_id,
                rng.randint(1, 40),
                first,
                last,
                done_at if state == "acknowledged" else None,
                ADMIN if state == "acknowledged" else None,
                done_at if state == "returned" else None,
                done_at if state == "resolved" else None,
                ADMIN if state == "resolved" else None,
                # shelved for years: the benchmark's "now" is after the data ends
                layout.end_us + 3 * 365 * search.DAY_US if shelved else None,
                ADMIN if shelved else None,
                "maintenance on this door" if shelved else None,
                ADMIN if assigned else None,
            ),
        )
        conn.execute(
            "INSERT INTO alert_history VALUES (?, ?, 1, ?, 'system', 'opened', NULL)",
            (site, alert_id, first),
        )
    return ALERTS


def plant_event(conn: sqlite3.Connection, layout: search.Layout) -> str:
    """One smoke alarm with a note no generated event has; its id."""
    plan = search.InsertPlan.for_table(conn)
    at = layout.end_us - PLANTED_AGO_US
    event_id = search._uuid7(at // 1000, 0, random.Random(3))
    device = next(d for d in planned_devices(PLANTED_SITE) if d.device_id == PLANTED_DEVICE)
    kind = "alarm.smoke"
    row = (
        event_id,
        PLANTED_SITE,
        device.zone_id,
        device.device_id,
        kind,
        family_of(kind),
        KINDS[kind].severity.value,
        at,
        at + 400_000,
        json.dumps({"state": "test", "level": 1.5}),
        None,
        PLANTED_NOTE,
        None,
    )
    conn.executemany(plan.sql, plan.shape([row]))
    return str(uuid.UUID(bytes=event_id))
