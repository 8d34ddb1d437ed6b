"""The demo garage, set up through the public parking API.

Two lanes (the entry and exit plate cameras), Chinese plate formats, a tariff in CNY
(free first quarter hour, day and night rates, a daily cap, a lost-ticket fee),
monthly permits for some residents and every staff car, one allow-list entry (the
estate's maintenance van) and one deny-list entry with its reason. Like the access
set-up it only adds what is missing, so a restart on the same data folder is safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sitewarden.demo.admin_api import AdminApi
from sitewarden.demo.people import PersonRole, Population
from sitewarden.demo.site import DEVICES, SITE_ID, SITE_TIMEZONE

PARKING = f"/api/v1/parking/sites/{SITE_ID}"
GARAGE_ZONE = "garage"
TARIFF: dict[str, Any] = {
    "currency": "CNY",
    "free_minutes": 15,
    "hourly_minor": 500,  # ¥5.00 an hour by day
    "night_hourly_minor": 200,  # ¥2.00 an hour from 22:00 to 07:00
    "night_start": "22:00",
    "night_end": "07:00",
    "daily_cap_minor": 3000,
    "lost_ticket_minor": 8000,
    "exit_grace_minutes": 15,
}
PLATE_SETTINGS: dict[str, Any] = {
    "formats": ["cn", "cn_ne"],
    "review_below": 0.8,
    "duplicate_window_s": 10,
}
RESIDENT_PERMITS = 12  # the first residents with a car hold a monthly permit
# Plates outside the population: the estate's van may always come in; the other car
# is barred. Chinese plates use no I or O.
ALLOWED_PLATE = ("浙A·F52119", "estate maintenance van")
DENIED_PLATE = ("苏E·7K3Q8", "left without paying three times; estate office, 2026-10")


@dataclass(frozen=True)
class GaragePlan:
    """Which plates the garage knows, for the simulator's drivers."""

    permit_plates: tuple[str, ...]
    allowed_plate: str
    denied_plate: str
    paying_plates: tuple[str, ...]  # residents without a permit and visitors
    currency: str


def lanes() -> dict[str, str]:
    """Each plate camera of the garage and its lane direction."""
    return {
        device.device_id: "entry" if device.direction == "in" else "exit"
        for device in DEVICES
        if device.zone_id == GARAGE_ZONE and device.direction is not None
    }


def permit_holders(population: Population) -> list[tuple[str, str]]:
    """(plate, permit kind) for the residents and staff whose cars hold a monthly permit."""
    residents = [p.plate for p in population.of_role(PersonRole.RESIDENT) if p.plate]
    staff = [p.plate for p in population.of_role(PersonRole.STAFF) if p.plate]
    return [(plate, "resident") for plate in residents[:RESIDENT_PERMITS]] + [
        (plate, "staff") for plate in staff
    ]


def this_month(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month around ``now`` in the site's timezone: a monthly permit's window."""
    local = now.astimezone(ZoneInfo(SITE_TIMEZONE))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def configure_garage(
    admin: AdminApi, population: Population, owners: dict[str, str] | None = None
) -> GaragePlan:
    """Lanes, plate settings, tariff, vehicles with permits, allow and deny lists."""
    for device_id, direction in lanes().items():
        admin.put(f"{PARKING}/lanes/{device_id}", {"direction": direction})
    admin.put(f"{PARKING}/plate-settings", PLATE_SETTINGS)
    admin.put(f"{PARKING}/garages/{GARAGE_ZONE}/tariff", TARIFF)
    owner_of = {p.plate: (owners or {}).get(p.national_id) for p in population.people if p.plate}
    now = datetime.now(ZoneInfo(SITE_TIMEZONE))
    valid_from, valid_until = this_month(now)
    permits = admin.get(f"{PARKING}/permits")
    holders = permit_holders(population)
    for plate, kind in holders:
        subject = _vehicle(admin, plate, owner_of.get(plate), f"{kind} permit holder")
        if not any(
            p["subject_id"] == subject and _covers(p["valid_from"], p["valid_until"], now)
            for p in permits
        ):
            admin.post(
                f"{PARKING}/permits",
                {
                    "plate": plate,
                    "kind": kind,
                    "zone_id": GARAGE_ZONE,
                    "valid_from": valid_from.isoformat(),
                    "valid_until": valid_until.isoformat(),
                },
            )
    entries = admin.get(f"{PARKING}/lists")
    for (plate, note), list_name in ((ALLOWED_PLATE, "allow"), (DENIED_PLATE, "deny")):
        subject = _vehicle(admin, plate, None, note)
        if not any(e["subject_id"] == subject and e["list"] == list_name for e in entries):
            admin.post(f"{PARKING}/lists", {"plate": plate, "list": list_name, "reason": note})
    permitted = {plate for plate, _ in holders}
    return GaragePlan(
        permit_plates=tuple(plate for plate, _ in holders),
        allowed_plate=ALLOWED_PLATE[0],
        denied_plate=DENIED_PLATE[0],
        paying_plates=tuple(p for p in population.plates if p not in permitted),
        currency=TARIFF["currency"],
    )


def _vehicle(admin: AdminApi, plate: str, owner_ref: str | None, note: str) -> str:
    """Register (or refresh) a vehicle; its vault subject id, the same for the same plate."""
    shown = admin.post(
        f"{PARKING}/vehicles", {"plate": plate, "owner_ref": owner_ref, "note": note}
    )
    return str(shown["subject_id"])


def _covers(valid_from: str, valid_until: str, now: datetime) -> bool:
    return datetime.fromisoformat(valid_from) <= now < datetime.fromisoformat(valid_until)
