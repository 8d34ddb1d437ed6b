"""The store on both backends (a real SQLite file, a real PostgreSQL database):
migrations, registry, events, keyset pages, failed batches, retention."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from sitewarden.alerts.alert_search import AlertFilter
from sitewarden.alerts.model import Alert, AlertSignal
from sitewarden.config import Settings, load_settings
from sitewarden.db.migrations import DIALECTS, load_migrations
from sitewarden.db.postgres import PostgresDatabase
from sitewarden.errors import ConfigError, UnsealedPersonalData
from sitewarden.events.categories import CATEGORIES
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.events.query import EventQuery, severities_from
from sitewarden.privacy.records import Subject, WrappedKey
from sitewarden.privacy.retention import run_retention
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage, open_storage
from tests.conftest import raw_sql
from tests.postgres_server import PostgresServer, readable_backup

pytestmark = pytest.mark.both_backends

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
def loaded(store: Storage) -> Storage:
    events = []
    for minute in range(120):
        at = T0 + timedelta(minutes=minute)
        events.append(
            make_event("a", "d1", "access.granted", at, note="delivery" if minute == 7 else None)
        )
        events.append(make_event("a", "d2", "plate.read", at))
        events.append(make_event("b", "d1", "alarm.smoke", at))
    store.batch.insert_events(events, {})
    return store


def test_both_dialects_have_the_same_migration_versions() -> None:
    sqlite, postgres = ([(m.version, m.name) for m in load_migrations(d)] for d in DIALECTS)
    assert sqlite == postgres
    assert [v for v, _ in sqlite] == list(range(1, len(sqlite) + 1))


def test_schema_is_migrated_once_and_reopening_is_idempotent(
    store: Storage, settings: Settings
) -> None:
    newest = max(m.version for m in load_migrations())
    assert store.db.schema_version() == newest
    again = open_storage(settings)
    assert again.db.schema_version() == newest
    again.close()
    assert raw_sql(settings, "SELECT count(*) FROM schema_migrations") == [(newest,)]


def test_database_from_a_newer_sitewarden_is_refused(store: Storage, settings: Settings) -> None:
    raw_sql(settings, "INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    with pytest.raises(ConfigError, match="newer than this sitewarden knows"):
        open_storage(settings)


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    store = Storage.sqlite(tmp_path / "wal.db")
    raw = sqlite3.connect(store.db.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()
    store.close()


SITE_TABLES_SQL = {
    "sqlite": "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND NOT EXISTS "
    "(SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'site_id')",
    "postgres": "SELECT t.table_name FROM information_schema.tables t WHERE t.table_schema = "
    "'public' AND NOT EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_name = "
    "t.table_name AND c.column_name = 'site_id')",
}


def test_every_site_table_carries_site_id(store: Storage, settings: Settings) -> None:
    without = {row[0] for row in raw_sql(settings, SITE_TABLES_SQL[settings.database.backend])}
    # Accounts and the audit chain are global (reference tables when sharded).
    # Alert rules are deployment configuration; a rule names the sites it covers.
    # Retention runs are one deployment-wide job: a run's counts name categories, no site.
    global_tables = {
        "schema_migrations",
        "users",
        "api_keys",
        "web_sessions",
        "audit_head",
        "alert_rules",
        "retention_runs",
    }
    assert without == global_tables


def test_events_round_trip_with_sealed_personal_part_apart(loaded: Storage) -> None:
    page = loaded.events.query_events(EventQuery(site_id="a", device_id="d2", limit=1))
    event = page.events[0]
    assert event.kind == "plate.read" and event.personal is None
    assert event.sealed_personal == b"\x01sealed" and event.subject_id == "v-1"
    assert event.attributes == {"n": 1}
    assert loaded.events.get_event(event.id) == event
    by_subject = loaded.events.query_events(
        EventQuery(site_id="a", subject_ids=("v-1",), limit=1000)
    )
    assert len(by_subject.events) == 120


def test_store_refuses_personal_fields_in_clear(store: Storage) -> None:
    event = make_event("s", "d", "plate.read", T0)
    event.personal, event.sealed_personal = {"plate": "浙A12345"}, None
    with pytest.raises(UnsealedPersonalData, match="unsealed"):
        store.batch.insert_events([event], {})
    assert store.events.count_events() == 0


def test_filters_by_site_device_kind_family_time_and_text(loaded: Storage) -> None:
    def ids(**filters: object) -> int:
        return len(loaded.events.query_events(EventQuery(limit=1000, **filters)).events)  # type: ignore[arg-type]

    assert ids(site_id="a") == 240
    assert ids(site_id="a", device_id="d1") == 120
    assert ids(site_id="a", family="plate") == 120
    assert ids(site_id="a", kind="access.granted") == 120
    assert ids(kind="alarm.smoke") == 120 and ids(site_id="a", kind="alarm.smoke") == 0
    assert ids(site_scope=("a", "b"), kind="plate.read") == 120
    assert ids(site_id="b", family="access") == 0
    assert (
        ids(site_id="a", since=T0 + timedelta(minutes=60), until=T0 + timedelta(minutes=70)) == 20
    )
    assert ids(site_id="a", text="deliv") == 1
    assert ids(site_id="a", text="%") == 0
    assert ids(site_scope=("b",)) == 120
    assert ids() == 360


def test_text_search_finds_noted_events_in_every_search_shape_and_pages_them(
    store: Storage,
) -> None:
    """Text is looked for through the partial note indexes (0015): per site, over all
    sites, in a scope of several sites, with a device, a time range and a cursor."""
    events = []
    for minute in range(60):
        at = T0 + timedelta(minutes=minute)
        note = f"gate {minute} checked" if minute % 10 == 0 else None
        events.append(make_event("a", "d1", "access.granted", at, note=note))
        events.append(make_event("b", "d2", "alarm.smoke", at, note=note and "GATE test"))
        events.append(
            make_event("c", "d1", "alarm.smoke", at, note="gate" if minute == 5 else None)
        )
    store.batch.insert_events(events, {})

    def found(**filters: object) -> list[tuple[str, int]]:
        page = store.events.query_events(EventQuery(limit=1000, **filters))  # type: ignore[arg-type]
        return [(e.site_id, int((e.occurred_at - T0).total_seconds()) // 60) for e in page.events]

    assert found(site_id="a", text="checked") == [("a", m) for m in (50, 40, 30, 20, 10, 0)]
    assert found(text="gate 40") == [("a", 40)]
    assert len(found(text="gate")) == 13  # case does not matter: b's notes say GATE
    assert found(site_scope=("b", "c"), text="gate") == [
        ("b", 50), ("b", 40), ("b", 30), ("b", 20), ("b", 10), ("c", 5), ("b", 0),
    ]  # fmt: skip
    assert found(site_id="c", device_id="d1", text="gate") == [("c", 5)]
    assert found(site_id="a", device_id="d2", text="gate") == []
    later = T0 + timedelta(minutes=25)
    assert found(site_id="b", kind="alarm.smoke", text="test", since=later) == [
        ("b", 50), ("b", 40), ("b", 30),
    ]  # fmt: skip
    assert found(text="nowhere") == []
    seen, cursor = [], None
    while True:
        page = store.events.query_events(EventQuery(text="gate", limit=4, after=cursor))
        seen += page.events
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    keys = [(e.occurred_at, e.id) for e in seen]
    assert len(set(keys)) == 13 and keys == sorted(keys, reverse=True)


def test_severity_filters_find_the_same_events_through_the_severe_indexes(
    store: Storage,
) -> None:
    """Major or worse is read through the partial severe indexes (0015), minor or worse
    through the site and time indexes: each finds exactly its events, newest first."""
    order = list(Severity)
    events = [
        replace(
            make_event(site, "d1", "access.granted", T0 + timedelta(minutes=minute)),
            severity=order[minute % 4],
        )
        for minute in range(40)
        for site in ("a", "b")
    ]
    store.batch.insert_events(events, {})

    def found(least: Severity, **filters: object) -> list[tuple[str, int]]:
        query = EventQuery(limit=1000, severities=severities_from(least), **filters)  # type: ignore[arg-type]
        page = store.events.query_events(query)
        return [(e.site_id, int((e.occurred_at - T0).total_seconds()) // 60) for e in page.events]

    def expected(least: Severity, sites: str) -> list[tuple[str, int]]:
        kept = severities_from(least)
        return [
            (site, minute)
            for minute in reversed(range(40))
            for site in sorted(sites, reverse=True)
            if order[minute % 4] in kept
        ]

    assert found(Severity.MAJOR, site_id="a") == expected(Severity.MAJOR, "a")
    assert sorted(found(Severity.MAJOR)) == sorted(expected(Severity.MAJOR, "ab"))
    assert found(Severity.CRITICAL, site_scope=("b",)) == expected(Severity.CRITICAL, "b")
    assert found(Severity.MINOR, site_id="b") == expected(Severity.MINOR, "b")
    assert found(Severity.CRITICAL, site_id="a", device_id="d2") == []
    seen, cursor = [], None
    while True:
        query = EventQuery(severities=severities_from(Severity.MAJOR), limit=7, after=cursor)
        page = store.events.query_events(query)
        seen += page.events
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    keys = [(e.occurred_at, e.id) for e in seen]
    assert len(set(keys)) == 40 and keys == sorted(keys, reverse=True)


def test_keyset_pages_cover_everything_once_newest_first(loaded: Storage) -> None:
    seen = []
    cursor = None
    while True:
        page = loaded.events.query_events(EventQuery(site_id="a", limit=37, after=cursor))
        seen.extend(page.events)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 240 and len({e.id for e in seen}) == 240
    keys = [(e.occurred_at, e.id) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_insert_marks_devices_seen_in_the_same_transaction(store: Storage) -> None:
    service.create_site(store.registry, "s", "S", "UTC", 10, 10)
    service.create_device(store.registry, "s", "d", DeviceKind.CAMERA)
    at = datetime.now(UTC)
    store.batch.insert_events([make_event("s", "d", "camera.tamper", at)], {("s", "d"): at})
    device = store.registry.get_device("s", "d")
    assert device is not None and device.last_seen_at == at


def test_a_failed_batch_stores_nothing(store: Storage) -> None:
    event = make_event("s", "d", "alarm.smoke", T0)
    store.batch.insert_events([event], {})
    with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
        store.batch.insert_events([make_event("s", "d", "alarm.smoke", T0), event], {})
    assert store.events.count_events() == 1


def test_retention_deletes_exactly_what_is_past_its_horizon(store: Storage) -> None:
    # Heartbeats every 6 hours for five weeks; keep 10 days of them.
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    times = [now - timedelta(hours=6 * n) for n in range(140)]
    store.batch.insert_events([make_event("s", "d", "device.heartbeat", at) for at in times], {})
    store.batch.insert_events([make_event("s", "d", "alarm.smoke", now - timedelta(days=30))], {})
    report = run_retention(
        store.events, store.access_media, {"heartbeats": 10, "operations": 365}, now=now, batch=7
    )
    horizon = now - timedelta(days=10)
    assert report.deleted == {"heartbeats": sum(at < horizon for at in times), "operations": 0}
    kept = store.events.query_events(EventQuery(kind="device.heartbeat", limit=1000)).events
    assert sorted(e.occurred_at for e in kept) == sorted(at for at in times if at >= horizon)
    assert store.events.count_events() == len(kept) + 1


def test_postgres_events_live_in_weekly_tables_per_category_and_retention_drops_them(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    settings = load_settings(tmp_path, database_url=postgres_server.fresh_database())
    store = open_storage(settings)
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
    # Tuesday Oct 27, Tuesday Nov 3, Monday Nov 9 noon, Thursday Nov 12.
    old = [now - timedelta(days=d) for d in (24, 17, 11, 8)]
    store.batch.insert_events([make_event("s", "d", "device.heartbeat", at) for at in old], {})
    store.batch.insert_events([make_event("s", "d", "access.granted", old[0])], {})

    def weeks(category: str) -> set[str]:
        sql = f"SELECT relname FROM pg_class WHERE relname LIKE 'events_{category}_%'"
        return {row[0] for row in raw_sql(settings, sql)}

    assert {"events_heartbeats_20261026", "events_heartbeats_20261102"} <= weeks("heartbeats")
    assert raw_sql(settings, "SELECT count(*) FROM events_heartbeats_20261102") == [(1,)]
    # Horizon Nov 10 noon: the weeks of Oct 26 and Nov 2 go as whole tables; in the week
    # of Nov 9 the row before the horizon is deleted and the one after it stays.
    done = store.events.delete_events_before(
        CATEGORIES["heartbeats"], now - timedelta(days=10), 100
    )
    assert done == 3
    left = weeks("heartbeats")
    assert "events_heartbeats_20261109" in left
    assert not {"events_heartbeats_20261026", "events_heartbeats_20261102"} & left
    assert "events_access_events_20261026" in weeks("access_events")  # other categories stay
    kept = store.events.query_events(EventQuery(limit=10)).events
    assert sorted(e.occurred_at for e in kept) == [old[0], old[3]]
    store.close()


def test_backup_is_a_consistent_copy_of_the_database(store: Storage, tmp_path: Path) -> None:
    service.create_site(store.registry, "bk", "Backed up", "UTC", 10, 10)
    target = tmp_path / "backup"
    store.db.backup_to(target)
    kind = b"PGDMP" if isinstance(store.db, PostgresDatabase) else b"SQLite format 3"
    assert target.read_bytes().startswith(kind)
    assert b"Backed up" in readable_backup(target)


def test_data_keys_land_in_bulk_and_existing_ones_are_reported(store: Storage) -> None:
    """More keys than one statement holds; a pair already stored is left as it was and
    reported; a key's subject is stored only with a key that was new."""
    made = datetime(2026, 11, 1, tzinfo=UTC)

    def key(subject_id: str, wrapped: bytes) -> WrappedKey:
        return WrappedKey("a", subject_id, wrapped, "kek-1", made)

    def subject(subject_id: str, value: bytes) -> Subject:
        return Subject("a", subject_id, "vehicle", "plate", b"look-" + value, value, made)

    assert store.privacy.add_data_keys([(key("fixed", b"first"), None)]) == set()
    items = [(key(f"v-{n}", b"k%d" % n), subject(f"v-{n}", b"s%d" % n)) for n in range(1200)]
    items.append((key("fixed", b"second"), subject("fixed", b"never")))
    assert store.privacy.add_data_keys(items) == {("a", "fixed")}

    keys = store.privacy.get_data_keys("a", ["fixed", "v-0", "v-1199"])
    assert keys["fixed"].wrapped == b"first"
    assert keys["v-1199"].wrapped == b"k1199"
    stored = store.privacy.get_subject("a", "v-1199")
    assert stored is not None and stored.sealed_value == b"s1199"
    assert store.privacy.get_subject("a", "fixed") is None
    assert len(store.privacy.get_data_keys("a", [f"v-{n}" for n in range(1200)])) == 1200


def _signal(action: str, key: str, event: Event, minutes: int) -> AlertSignal:
    return AlertSignal(
        action,  # type: ignore[arg-type]
        "door-forced",
        "Door forced",
        Severity.MAJOR,
        "a",
        key,
        "z",
        "d1",
        event.id,
        T0 + timedelta(minutes=minutes),
    )


def _alerts(store: Storage, states: tuple[str, ...]) -> list[Alert]:
    return store.alert_search.list_alerts(AlertFilter(site_id="a", states=states, limit=1000))


def test_a_batchs_rule_verdicts_apply_in_order_per_condition(store: Storage) -> None:
    """Consecutive fires of one condition are one change with their count; a clear of an
    unacknowledged alert leaves it "returned" (ISA-18.2), and the next fire makes the same
    alert active again; an open alert from an earlier batch is repeated, its newest time
    kept. (tests/test_alarm_states.py: the acknowledged path, where a clear resolves.)"""
    events = [make_event("a", "d1", "door.forced", T0 + timedelta(minutes=n)) for n in range(8)]
    first = store.batch.insert_events(events[:1], {}, [_signal("fire", "door:old", events[0], 5)])
    assert [c.kind for c in first] == ["opened"]
    signals = [
        _signal("fire", "door:1", events[1], 1),
        _signal("fire", "door:old", events[1], 1),  # older than the alert's last time
        _signal("fire", "door:1", events[2], 3),
        _signal("fire", "door:1", events[3], 2),
        _signal("clear", "door:1", events[4], 4),
        _signal("fire", "door:1", events[5], 5),
        _signal("clear", "door:none", events[6], 6),  # nothing open: no change
        _signal("fire", "door:old", events[7], 7),
    ]
    changes = store.batch.insert_events(events[1:], {}, signals)

    kinds = sorted((c.alert.dedupe_key, c.kind, c.alert.count) for c in changes)
    assert kinds == [
        ("door:1", "opened", 3),
        ("door:1", "repeated", 4),
        ("door:1", "returned", 3),
        ("door:old", "repeated", 3),
    ]
    returned = next(c.alert for c in changes if c.kind == "returned")
    assert returned.state == "returned" and returned.returned_at is not None
    assert returned.last_at == T0 + timedelta(minutes=3)  # the newest, not the last
    assert _alerts(store, ("resolved",)) == []
    still_open = {a.dedupe_key: a for a in _alerts(store, ("open",))}
    assert set(still_open) == {"door:1", "door:old"}
    again = still_open["door:1"]
    assert (again.alert_id, again.count, again.returned_at) == (returned.alert_id, 4, None)
    assert again.first_at == T0 + timedelta(minutes=1)
    assert again.last_event_id == events[5].id
    old = still_open["door:old"]
    assert (old.count, old.last_at, old.last_event_id) == (
        3,
        T0 + timedelta(minutes=7),
        events[7].id,
    )
    history = store.alerts.alert_history("a", again.alert_id)
    assert [(h.seq, h.action, h.note) for h in history] == [
        (1, "opened", f"by event {events[1].id}"),
        (2, "returned", f"cleared by event {events[4].id}"),
    ]


def test_verdicts_for_more_conditions_than_one_statement_holds(store: Storage) -> None:
    event = make_event("a", "d1", "door.forced", T0)
    signals = [_signal("fire", f"door:{n}", event, 0) for n in range(450)]
    opened = store.batch.insert_events([event], {}, signals)
    assert len(opened) == 450 and {c.kind for c in opened} == {"opened"}
    again = make_event("a", "d1", "door.forced", T0 + timedelta(minutes=1))
    repeated = store.batch.insert_events(
        [again], {}, [_signal("fire", s.dedupe_key, again, 1) for s in signals]
    )
    assert len(repeated) == 450 and {(c.kind, c.alert.count) for c in repeated} == {("repeated", 2)}
    assert len(_alerts(store, ("open",))) == 450
