"""The SQLite event writer in its own process: commits, refusals, a writer that dies,
and a server killed with SIGKILL leaving no writer behind."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from sitewarden.alerts.model import AlertSignal
from sitewarden.errors import StoreError
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.ingest.writer import last_seen_of
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.vault import Vault
from sitewarden.registry import service
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store.sqlite import SQLiteStore
from sitewarden.store.sqlite_writer_process import SQLiteWriterProcess
from tests.conftest import LiveServer

IDS = EventIdFactory()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "sitewarden.db")
    service.create_site(store, "hq", "HQ", "UTC", 100, 100)
    service.create_device(store, "hq", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    yield store
    store.close()


@pytest.fixture
def writer(sqlite_store: SQLiteStore) -> Iterator[SQLiteWriterProcess]:
    process = SQLiteWriterProcess(sqlite_store.path)
    process.start()
    yield process
    process.stop()


def event_from_smoke_1(
    kind: str, severity: Severity, attributes: dict[str, object], personal: dict[str, str] | None
) -> Event:
    now = datetime.now(UTC)
    return Event(
        id=IDS.new(),
        site_id="hq",
        zone_id=None,
        device_id="smoke-1",
        kind=kind,
        severity=severity,
        occurred_at=now,
        received_at=now,
        attributes=attributes,
        personal=personal,
        note=None,
    )


def smoke_events(count: int, *, personal: dict[str, str] | None = None) -> list[Event]:
    return [
        event_from_smoke_1("alarm.smoke", Severity.CRITICAL, {"state": "alarm"}, personal)
        for _ in range(count)
    ]


def commit(writer: SQLiteWriterProcess, events: list[Event], signals: list[AlertSignal]) -> list:
    return writer.insert_prepared([writer.prepare(events)], last_seen_of(events), signals, [])


def test_child_commits_events_last_seen_and_alerts_in_one_transaction(
    sqlite_store: SQLiteStore, writer: SQLiteWriterProcess
) -> None:
    events = smoke_events(1200)  # more than one multi-row INSERT statement
    fire = AlertSignal(
        "fire", "smoke", "Smoke", Severity.CRITICAL, "hq", "device:smoke-1", None, "smoke-1",
        events[0].id, events[0].occurred_at,
    )  # fmt: skip
    changes = commit(writer, events, [fire])

    assert [change.kind for change in changes] == ["opened"]
    assert sqlite_store.count_events() == 1200
    assert all(sqlite_store.get_event(event.id) is not None for event in events[::100])
    device = sqlite_store.get_device("hq", "smoke-1")
    assert device is not None and device.last_seen_at is not None
    alerts = sqlite_store.list_alerts(
        site_scope=None, site_id="hq", states=("open",), min_severity=None, rule_id=None,
        before=None, limit=10,
    )  # fmt: skip
    assert [alert.rule_id for alert in alerts] == ["smoke"]


def test_unsealed_personal_fields_are_refused_before_reaching_the_child(
    sqlite_store: SQLiteStore, writer: SQLiteWriterProcess
) -> None:
    with pytest.raises(StoreError, match="unsealed"):
        writer.prepare(smoke_events(1, personal={"person_name": "Li Wei"}))
    assert sqlite_store.count_events() == 0


def test_a_dead_writer_fails_its_batch_and_the_next_batch_starts_another(
    sqlite_store: SQLiteStore, writer: SQLiteWriterProcess
) -> None:
    commit(writer, smoke_events(10), [])
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    psutil.Process(first).wait(timeout=10)

    with pytest.raises(StoreError, match="event writer process stopped"):
        commit(writer, smoke_events(10), [])
    assert sqlite_store.count_events() == 10  # the failed batch was never acknowledged

    commit(writer, smoke_events(10), [])
    assert writer.pid not in (None, first)
    assert sqlite_store.count_events() == 20


@pytest.mark.slow
def test_a_server_killed_with_sigkill_leaves_no_writer_process(live_server: LiveServer) -> None:
    assert live_server.process is not None
    server = psutil.Process(live_server.process.pid)
    writers = [c for c in server.children() if "sqlite_writer_process" in " ".join(c.cmdline())]
    assert len(writers) == 1, "serve on SQLite runs its event writer in a child process"
    live_server.kill()
    _, alive = psutil.wait_procs(writers, timeout=15)
    assert alive == [], "the writer must exit once its parent is gone"
    time.sleep(0.1)
    live_server.start()  # and the data folder serves again


def plate_event(plate: str) -> Event:
    return event_from_smoke_1("plate.read", Severity.INFO, {"confidence": 0.9}, {"plate": plate})


def test_the_vault_stores_new_keys_and_subjects_through_the_child(
    sqlite_store: SQLiteStore, writer: SQLiteWriterProcess
) -> None:
    vault = Vault(sqlite_store, KeyRing(os.urandom(32), os.urandom(32), os.urandom(32)), writer)
    event = plate_event("浙A12345")
    vault.seal_events([event])
    assert event.subject_id is not None and event.sealed_personal is not None
    # committed by the child, read back by this process's own connection
    assert sqlite_store.get_data_keys("hq", [event.subject_id]).keys() == {event.subject_id}
    assert vault.find_subjects("hq", "plate", "浙A·12345") == [event.subject_id]
    again = sqlite_store.get_data_keys("hq", [event.subject_id])[event.subject_id]
    assert writer.add_data_keys([(again, None)]) == {("hq", event.subject_id)}  # kept as is


def test_keys_whose_transaction_failed_are_forgotten_not_sealed_under(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    broken = SQLiteWriterProcess(blocked / "sitewarden.db")  # its child cannot open the file
    store = SQLiteStore(tmp_path / "sitewarden.db")
    try:
        vault = Vault(store, KeyRing(os.urandom(32), os.urandom(32), os.urandom(32)), broken)
        for _ in range(2):  # the second try must not seal under the first try's lost key
            event = plate_event("浙B54321")
            with pytest.raises(StoreError):
                vault.seal_events([event])
            assert event.sealed_personal is None
    finally:
        broken.stop()
        store.close()
