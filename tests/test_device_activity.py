"""A device's activity: events per time slice, counted in SQL over the (site, device,
time) index, on both backends; slices without events are gaps, other devices and other
sites do not count, and the plan is an index range scan rather than a table scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.runtime.storage import Storage
from tests.test_store import make_event

pytestmark = pytest.mark.both_backends

T0 = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


def test_events_are_counted_per_slice_and_silent_slices_are_gaps(store: Storage) -> None:
    events = [make_event("a", "d1", "device.heartbeat", T0 + timedelta(minutes=m)) for m in
              (0, 10, 59, 60, 61, 62, 240)]  # fmt: skip
    events.append(make_event("a", "d2", "device.heartbeat", T0 + timedelta(minutes=5)))
    events.append(make_event("b", "d1", "device.heartbeat", T0 + timedelta(minutes=5)))
    events.append(make_event("a", "d1", "device.heartbeat", T0 - timedelta(minutes=1)))
    events.append(make_event("a", "d1", "device.heartbeat", T0 + timedelta(hours=6)))
    store.batch.insert_events(events, {}, [])
    counts = store.events.device_activity("a", "d1", T0, T0 + timedelta(hours=6), 3600)
    assert counts == {T0: 3, T0 + timedelta(hours=1): 3, T0 + timedelta(hours=4): 1}
    assert store.events.device_activity("a", "nobody", T0, T0 + timedelta(hours=6), 3600) == {}


def test_counting_uses_the_device_index(store: Storage) -> None:
    events = [
        make_event("a", f"d{n % 40}", "device.heartbeat", T0 + timedelta(seconds=n * 7))
        for n in range(4000)
    ]
    store.batch.insert_events(events, {}, [])
    db = store.events._db
    sql = (
        f"SELECT (occurred_at - 0) / 60000000 AS slot, count(*) FROM events"
        f"{db.index_hint('events_device_time')} WHERE site_id = 'a' AND device_id = 'd1' "
        f"AND occurred_at >= {_micros(T0)} AND occurred_at < {_micros(T0 + timedelta(days=1))} "
        "GROUP BY slot"
    )
    if db.index_hint("x"):  # SQLite: a search of the covering index, never a table scan
        plan = " ".join(str(row[-1]) for row in db.read("EXPLAIN QUERY PLAN " + sql))
        assert "USING COVERING INDEX events_device_time" in plan, plan
    else:  # PostgreSQL, with statistics: the (site, device, time) index of the partition
        db.write("ANALYZE events")
        plan = " ".join(row[0] for row in db.read("EXPLAIN " + sql))
        # (the empty default partition may be scanned; the week holding the rows is not)
        assert "site_id_device_id_occurred_at" in plan, plan
        assert "Seq Scan on events_heartbeats" not in plan, plan


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)
