"""The event search filters the explorer adds, on both backends: severity "this or worse"
and leaving telemetry out, combined with the keyset cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.events.query import TELEMETRY_KINDS, EventQuery, severities_from
from sitewarden.runtime.storage import Storage

pytestmark = pytest.mark.both_backends

IDS = EventIdFactory()
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)

# (kind, severity stored): a device may report a severity other than its kind's default.
MIX = [
    ("access.granted", Severity.INFO),
    ("access.denied", Severity.MINOR),
    ("door.forced", Severity.MAJOR),
    ("alarm.smoke", Severity.CRITICAL),
    ("device.heartbeat", Severity.INFO),
    ("occupancy.count", Severity.INFO),
    ("equipment.fault", Severity.CRITICAL),  # raised above its kind's "major"
]


def make_event(kind: str, severity: Severity, at: datetime) -> Event:
    return Event(
        id=IDS.new(),
        site_id="filters",
        zone_id="z",
        device_id="d1",
        kind=kind,
        severity=severity,
        occurred_at=at,
        received_at=at,
        attributes={},
        personal=None,
        note=None,
    )


@pytest.fixture
def mixed(store: Storage) -> Storage:
    events = [
        make_event(kind, severity, T0 + timedelta(minutes=minute))
        for minute in range(10)
        for kind, severity in MIX
    ]
    store.batch.insert_events(events, {})
    return store


def walk(store: Storage, query: EventQuery) -> list[Event]:
    """Every page of ``query`` through the keyset cursor."""
    found: list[Event] = []
    after = None
    while True:
        page = store.events.query_events(replace(query, after=after, limit=3))
        found.extend(page.events)
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def test_severities_from_lists_the_severity_and_every_worse_one() -> None:
    assert severities_from(Severity.INFO) == tuple(Severity)
    assert severities_from(Severity.MAJOR) == (Severity.MAJOR, Severity.CRITICAL)
    assert severities_from(Severity.CRITICAL) == (Severity.CRITICAL,)


def test_severity_filter_keeps_that_severity_or_worse_by_the_stored_severity(
    mixed: Storage,
) -> None:
    major = walk(mixed, EventQuery(site_id="filters", severities=severities_from(Severity.MAJOR)))

    assert {(e.kind, e.severity) for e in major} == {
        ("door.forced", Severity.MAJOR),
        ("alarm.smoke", Severity.CRITICAL),
        ("equipment.fault", Severity.CRITICAL),
    }
    assert len(major) == 30
    assert len({e.id for e in major}) == 30
    critical = walk(
        mixed, EventQuery(site_id="filters", severities=severities_from(Severity.CRITICAL))
    )
    assert {e.kind for e in critical} == {"alarm.smoke", "equipment.fault"}


def test_leaving_telemetry_out_drops_heartbeats_and_counts_only(mixed: Storage) -> None:
    kept = walk(mixed, EventQuery(site_id="filters", exclude_kinds=TELEMETRY_KINDS))

    assert {e.kind for e in kept} == {kind for kind, _ in MIX} - {
        "device.heartbeat",
        "occupancy.count",
    }
    assert len(kept) == 50
    everything = walk(mixed, EventQuery(site_id="filters"))
    assert len(everything) == 70


def test_severity_and_telemetry_filters_combine_with_family_and_time(mixed: Storage) -> None:
    found = walk(
        mixed,
        EventQuery(
            site_id="filters",
            family="access",
            severities=severities_from(Severity.MINOR),
            exclude_kinds=TELEMETRY_KINDS,
            since=T0 + timedelta(minutes=5),
        ),
    )

    assert [e.kind for e in found] == ["access.denied"] * 5
    assert [e.occurred_at for e in found] == [T0 + timedelta(minutes=m) for m in range(9, 4, -1)]
