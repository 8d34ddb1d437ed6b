"""The overview dashboard's figures, counted in SQL, on both backends: open alarms by
priority (unacknowledged and shelved apart), alarms per local day across a daylight-saving
change, offline devices as the devices page decides, door decisions and the latest
denials, and the latest occupancy interval per zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.access.door_activity import door_activity
from sitewarden.alerts import overview_figures
from sitewarden.alerts.alert_search import AlertFilter
from sitewarden.alerts.model import AlertSignal
from sitewarden.api.overview_routes import local_midnights
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import Severity
from sitewarden.events.model import to_micros
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage
from tests.test_store import make_event

pytestmark = pytest.mark.both_backends

BERLIN = "Europe/Berlin"
# Sunday 25 October 2026: Berlin's clocks go back, a 25-hour day.
NOW = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)


def _fire(store: Storage, key: str, at: datetime, severity: Severity, action: str = "fire") -> None:
    event = make_event("a", "d1", "door.forced", at)
    signal = AlertSignal(
        action,  # type: ignore[arg-type]
        "door-forced",
        "Door forced",
        severity,
        "a",
        key,
        "z",
        "d1",
        event.id,
        at,
    )
    store.batch.insert_events([event], {}, [signal])


def test_open_alarms_by_priority_and_per_local_day(store: Storage) -> None:
    midnights = local_midnights(NOW, BERLIN, 3)
    # 24, 25 (the long day) and 26 October, local midnights, then the 27th's; the alarms
    # below fall on the 23rd (before the window), the 25th (two) and the 26th.
    assert [m.isoformat() for m in midnights] == [
        "2026-10-23T22:00:00+00:00",
        "2026-10-24T22:00:00+00:00",
        "2026-10-25T23:00:00+00:00",
        "2026-10-26T23:00:00+00:00",
    ]
    _fire(store, "k1", datetime(2026, 10, 23, 21, 59, tzinfo=UTC), Severity.MAJOR)  # 23rd
    _fire(store, "k2", datetime(2026, 10, 24, 22, 0, tzinfo=UTC), Severity.MAJOR)
    _fire(store, "k3", datetime(2026, 10, 25, 22, 30, tzinfo=UTC), Severity.CRITICAL)
    _fire(store, "k4", datetime(2026, 10, 25, 23, 0, tzinfo=UTC), Severity.MINOR)
    _fire(store, "k4", datetime(2026, 10, 26, 9, 0, tzinfo=UTC), Severity.MINOR)  # folded
    _fire(store, "k3", NOW, Severity.CRITICAL, "clear")  # returned: still to acknowledge
    alarms = {a.dedupe_key: a for a in store.alert_search.list_alerts(AlertFilter(site_id="a"))}
    store.alarms.change_state("a", alarms["k2"].alert_id, "acknowledge", "guard", None, NOW)
    store.alarms.shelve("a", alarms["k4"].alert_id, "guard", NOW + timedelta(hours=1), "fix", NOW)

    per_day = overview_figures.alarms_per_day(store.db, "a", midnights)
    assert per_day == {(1, "major"): 1, (1, "critical"): 1, (2, "minor"): 1}

    counts = {c.severity: c for c in overview_figures.open_alarm_counts(store.db, "a", NOW)}
    assert counts["major"] == overview_figures.OpenAlarmCount("major", 2, 1, 0)
    assert counts["critical"] == overview_figures.OpenAlarmCount("critical", 1, 1, 0)
    assert counts["minor"] == overview_figures.OpenAlarmCount("minor", 1, 0, 1)  # shelved


def test_offline_devices_as_the_devices_page_decides(store: Storage) -> None:
    service.create_site(store.registry, "a", "A", BERLIN, 100, 100)
    for device_id, name, silent_s in [("d1", "Zeta", 1000), ("d2", "Alpha", 1000),
                                      ("d3", "Beta", 30), ("d4", "Never", None)]:  # fmt: skip
        service.create_device(store.registry, "a", device_id, DeviceKind.DOOR_CONTACT, name=name)
        if silent_s is not None:  # heartbeat 60 s by default: offline after 120 s
            store.db.write(
                "UPDATE devices SET last_seen_at = ?, heartbeat_s = 60 WHERE device_id = ?",
                (to_micros(NOW - timedelta(seconds=silent_s)), device_id),
            )
    total, first = overview_figures.offline_devices(store.db, "a", NOW, 2.0, 1)
    assert total == 2
    assert [(d.device_id, d.name) for d in first] == [("d2", "Alpha")]


def test_door_decisions_and_the_latest_denials(store: Storage) -> None:
    def decision(kind: str, minute: int, reason: str) -> object:
        event = make_event("a", "reader-1", kind, NOW - timedelta(minutes=minute))
        attributes = {"credential": "badge", "door": "Gate", "reason": reason}
        return replace(event, attributes=attributes)

    events = [decision("access.granted", m, "ok") for m in (1, 2, 3)]
    events += [decision("access.denied", m, f"no {m}") for m in (4, 5, 6, 300)]
    store.batch.insert_events(events, {}, [])  # type: ignore[arg-type]
    found = door_activity(store.db, "a", NOW - timedelta(hours=1), NOW, 2)
    assert (found.granted, found.denied) == (3, 3)
    assert [(d.door, d.reason) for d in found.last_denials] == [("Gate", "no 4"), ("Gate", "no 5")]


def test_the_latest_occupancy_interval_per_zone_and_source(store: Storage) -> None:
    rows = [
        ("a", "hall", "camera", NOW - timedelta(minutes=m), 300, n)
        for m, n in ((90, 1), (20, 7), (10, 9))
    ] + [("a", "hall", "wifi", NOW - timedelta(minutes=30), 300, 4),
         ("a", "yard", "camera", NOW - timedelta(hours=3), 300, 2),  # too old to be now
         ("b", "hall", "camera", NOW, 300, 99)]  # fmt: skip
    store.occupancy.add_occupancy(rows)
    latest = store.occupancy.latest("a", ["hall", "yard", "-"], NOW - timedelta(hours=1))
    assert [(z, s, n) for z, s, _, n in latest] == [("hall", "camera", 9), ("hall", "wifi", 4)]
