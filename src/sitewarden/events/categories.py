"""Retention categories: every event kind belongs to exactly one, and each category
has its own retention period (the defaults are here, the schedule in settings). The
PostgreSQL backend partitions events by category so that retention drops whole weeks."""

from __future__ import annotations

from sitewarden.events.kinds import KINDS

# Event kinds in each category; every kind is in exactly one.
CATEGORIES: dict[str, frozenset[str]] = {
    "access_events": frozenset(
        {"access.granted", "access.denied", "door.forced", "door.held_open"}
    ),
    "plate_reads": frozenset(
        {"plate.read", "parking.entry", "parking.exit", "parking.denied", "parking.unpaid_exit"}
    ),
    "operations": frozenset(
        {
            "alarm.smoke",
            "alarm.sprinkler",
            "equipment.fault",
            "device.offline",
            "camera.tamper",
            "security.lookup_burst",
            "parking.manual_open",
        }
    ),
    "heartbeats": frozenset({"device.heartbeat"}),
    "occupancy_raw": frozenset({"occupancy.count", "wifi.presence", "camera.object"}),
}
assert frozenset().union(*CATEGORIES.values()) == frozenset(KINDS)


def default_schedule() -> dict[str, float]:
    return {
        "face_crops": 7,
        "plate_reads": 30,
        "access_events": 180,
        "operations": 365,
        "heartbeats": 7,
        "occupancy_raw": 30,
    }
