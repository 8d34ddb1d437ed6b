"""The SQLite store on a real file: migrations, registry, events, keyset pages."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.errors import ConfigError, StoreError
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.registry import service
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store.migrations import load_migrations
from sitewarden.store.records import EventQuery
from sitewarden.store.sqlite import SQLiteStore

IDS = EventIdFactory()
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def make_event(site: str, device: str, kind: str, at: datetime, note: str | None = None) -> Event:
    return Event(
        id=IDS.new(),
        site_id=site,
        zone_id="z",
        device_id=device,
        kind=kind,
        severity=Severity.INFO,
        occurred_at=at,
        received_at=at,
        attributes={"n": 1},
        personal=None,
        note=note,
        subject_id="v-1" if kind == "plate.read" else None,
        sealed_personal=b"\x01sealed" if kind == "plate.read" else None,
    )


@pytest.fixture
def loaded(store: SQLiteStore) -> SQLiteStore:
    events = []
    for minute in range(120):
        at = T0 + timedelta(minutes=minute)
        events.append(
            make_event("a", "d1", "access.granted", at, note="delivery" if minute == 7 else None)
        )
        events.append(make_event("a", "d2", "plate.read", at))
        events.append(make_event("b", "d1", "alarm.smoke", at))
    store.insert_events(events, {})
    return store


def test_schema_is_migrated_once_and_reopening_is_idempotent(store: SQLiteStore) -> None:
    newest = max(m.version for m in load_migrations())
    assert store.schema_version() == newest
    again = SQLiteStore(store.path)
    assert again.schema_version() == newest
    again.close()


def test_database_from_a_newer_sitewarden_is_refused(store: SQLiteStore) -> None:
    raw = sqlite3.connect(store.path)
    raw.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    raw.commit()
    raw.close()
    with pytest.raises(ConfigError, match="newer than this sitewarden knows"):
        SQLiteStore(store.path)


def test_database_runs_in_wal_mode_with_full_sync(store: SQLiteStore) -> None:
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


def test_every_site_table_carries_site_id(store: SQLiteStore) -> None:
    raw = sqlite3.connect(store.path)
    tables = [row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    # Accounts and the audit chain are global (reference tables when sharded).
    # Alert rules are deployment configuration; a rule names the sites it covers.
    global_tables = {
        "schema_migrations",
        "users",
        "api_keys",
        "web_sessions",
        "audit_head",
        "alert_rules",
    }
    for table in set(tables) - global_tables:
        columns = [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
        assert "site_id" in columns, table
    raw.close()


def test_events_round_trip_with_sealed_personal_part_apart(loaded: SQLiteStore) -> None:
    page = loaded.query_events(EventQuery(site_id="a", device_id="d2", limit=1))
    event = page.events[0]
    assert event.kind == "plate.read" and event.personal is None
    assert event.sealed_personal == b"\x01sealed" and event.subject_id == "v-1"
    assert event.attributes == {"n": 1}
    assert loaded.get_event(event.id) == event
    by_subject = loaded.query_events(EventQuery(site_id="a", subject_ids=("v-1",), limit=1000))
    assert len(by_subject.events) == 120


def test_store_refuses_personal_fields_in_clear(store: SQLiteStore) -> None:
    event = make_event("s", "d", "plate.read", T0)
    event.personal, event.sealed_personal = {"plate": "浙A12345"}, None
    with pytest.raises(StoreError, match="unsealed"):
        store.insert_events([event], {})
    assert store.count_events() == 0


def test_filters_by_site_device_kind_family_time_and_text(loaded: SQLiteStore) -> None:
    def ids(**filters: object) -> int:
        return len(loaded.query_events(EventQuery(limit=1000, **filters)).events)  # type: ignore[arg-type]

    assert ids(site_id="a") == 240
    assert ids(site_id="a", device_id="d1") == 120
    assert ids(site_id="a", family="plate") == 120
    assert ids(site_id="a", kind="access.granted") == 120
    assert ids(site_id="b", family="access") == 0
    assert (
        ids(site_id="a", since=T0 + timedelta(minutes=60), until=T0 + timedelta(minutes=70)) == 20
    )
    assert ids(site_id="a", text="deliv") == 1
    assert ids(site_id="a", text="%") == 0
    assert ids(site_scope=("b",)) == 120
    assert ids() == 360


def test_keyset_pages_cover_everything_once_newest_first(loaded: SQLiteStore) -> None:
    seen = []
    cursor = None
    while True:
        page = loaded.query_events(EventQuery(site_id="a", limit=37, after=cursor))
        seen.extend(page.events)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 240 and len({e.id for e in seen}) == 240
    keys = [(e.occurred_at, e.id) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_insert_marks_devices_seen_in_the_same_transaction(store: SQLiteStore) -> None:
    service.create_site(store, "s", "S", "UTC", 10, 10)
    service.create_device(store, "s", "d", DeviceKind.CAMERA)
    at = datetime.now(UTC)
    store.insert_events([make_event("s", "d", "camera.tamper", at)], {("s", "d"): at})
    device = store.get_device("s", "d")
    assert device is not None and device.last_seen_at == at


def test_a_failed_batch_stores_nothing(store: SQLiteStore) -> None:
    event = make_event("s", "d", "alarm.smoke", T0)
    store.insert_events([event], {})
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_events([make_event("s", "d", "alarm.smoke", T0), event], {})
    assert store.count_events() == 1
