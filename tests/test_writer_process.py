"""The event writer in its own process, on both backends: commits, refusals, a writer
that dies, a server killed with SIGKILL leaving no writer behind, and (PostgreSQL) the
writer's broadcasts counting as its node's own."""

from __future__ import annotations

import os
import queue
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from sitewarden.alerts.alert_search import AlertFilter
from sitewarden.alerts.model import AlertSignal
from sitewarden.config import Settings
from sitewarden.database_url import DatabaseTarget
from sitewarden.errors import StoreError, UnsealedPersonalData
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.intake.writer import last_seen_of
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.vault import Vault
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage
from sitewarden.runtime.writer_process import WriterProcess
from tests.conftest import LiveServer, free_port
from tests.postgres_server import PostgresServer

IDS = EventIdFactory()


pytestmark = pytest.mark.both_backends


def with_smoke_site(store: Storage) -> Storage:
    """Site "hq" with smoke detector "smoke-1"."""
    service.create_site(store.registry, "hq", "HQ", "UTC", 100, 100)
    service.create_device(store.registry, "hq", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    return store


@pytest.fixture
def hq(store: Storage) -> Storage:
    return with_smoke_site(store)


@pytest.fixture
def writer(hq: Storage, settings: Settings) -> Iterator[WriterProcess]:
    process = WriterProcess(settings.database, hq.db.node_id)
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


def commit(writer: WriterProcess, events: list[Event], signals: list[AlertSignal]) -> list:
    return writer.insert_prepared([writer.prepare(events)], last_seen_of(events), signals)


def test_child_commits_events_last_seen_and_alerts_in_one_transaction(
    hq: Storage, writer: WriterProcess
) -> None:
    events = smoke_events(1200)  # more than one multi-row INSERT statement
    fire = AlertSignal(
        "fire", "smoke", "Smoke", Severity.CRITICAL, "hq", "device:smoke-1", None, "smoke-1",
        events[0].id, events[0].occurred_at,
    )  # fmt: skip
    changes = commit(writer, events, [fire])

    assert [change.kind for change in changes] == ["opened"]
    assert hq.events.count_events() == 1200
    assert all(hq.events.get_event(event.id) is not None for event in events[::100])
    device = hq.registry.get_device("hq", "smoke-1")
    assert device is not None and device.last_seen_at is not None
    alerts = hq.alert_search.list_alerts(AlertFilter(site_id="hq", states=("open",), limit=10))
    assert [alert.rule_id for alert in alerts] == ["smoke"]


def test_unsealed_personal_fields_are_refused_before_reaching_the_child(
    hq: Storage, writer: WriterProcess
) -> None:
    with pytest.raises(UnsealedPersonalData, match="unsealed"):
        writer.prepare(smoke_events(1, personal={"person_name": "Li Wei"}))
    assert hq.events.count_events() == 0


def test_a_dead_writer_fails_its_batch_and_the_next_batch_starts_another(
    hq: Storage, writer: WriterProcess
) -> None:
    commit(writer, smoke_events(10), [])
    first = writer.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    psutil.Process(first).wait(timeout=10)

    with pytest.raises(StoreError, match="event writer process stopped"):
        commit(writer, smoke_events(10), [])
    assert hq.events.count_events() == 10  # the failed batch was never acknowledged

    commit(writer, smoke_events(10), [])
    assert writer.pid not in (None, first)
    assert hq.events.count_events() == 20


@pytest.mark.slow
def test_a_server_killed_with_sigkill_leaves_no_writer_process(live_server: LiveServer) -> None:
    assert live_server.process is not None
    server = psutil.Process(live_server.process.pid)
    writers = [c for c in server.children() if "writer_process" in " ".join(c.cmdline())]
    assert len(writers) == 1, "serve runs its event writer in a child process"
    live_server.kill()
    _, alive = psutil.wait_procs(writers, timeout=15)
    assert alive == [], "the writer must exit once its parent is gone"
    time.sleep(0.1)
    live_server.start()  # and the data folder serves again


def plate_event(plate: str) -> Event:
    return event_from_smoke_1("plate.read", Severity.INFO, {"confidence": 0.9}, {"plate": plate})


def test_the_vault_stores_new_keys_and_subjects_through_the_child(
    hq: Storage, writer: WriterProcess
) -> None:
    vault = Vault(hq.privacy, KeyRing(os.urandom(32), os.urandom(32), os.urandom(32)), writer)
    event = plate_event("浙A12345")
    vault.seal_events([event])
    assert event.subject_id is not None and event.sealed_personal is not None
    # committed by the child, read back by this process's own connection
    assert hq.privacy.get_data_keys("hq", [event.subject_id]).keys() == {event.subject_id}
    assert vault.find_subjects("hq", "plate", "浙A·12345") == [event.subject_id]
    again = hq.privacy.get_data_keys("hq", [event.subject_id])[event.subject_id]
    assert writer.add_data_keys([(again, None)]) == {("hq", event.subject_id)}  # kept as is


@pytest.mark.parametrize("unopenable", ["sqlite", "postgres"])
def test_keys_whose_transaction_failed_are_forgotten_not_sealed_under(
    tmp_path: Path, unopenable: str
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    target = (
        DatabaseTarget("sqlite", sqlite_path=blocked / "sitewarden.db")  # not a folder
        if unopenable == "sqlite"
        else DatabaseTarget("postgres", postgres_url=f"postgresql://127.0.0.1:{free_port()}/x")
    )
    broken = WriterProcess(target)  # its child cannot open the database
    store = Storage.sqlite(tmp_path / "sitewarden.db")
    try:
        vault = Vault(
            store.privacy, KeyRing(os.urandom(32), os.urandom(32), os.urandom(32)), broken
        )
        for _ in range(2):  # the second try must not seal under the first try's lost key
            event = plate_event("浙B54321")
            with pytest.raises(StoreError):
                vault.seal_events([event])
            assert event.sealed_personal is None
    finally:
        broken.stop()
        store.close()


def test_the_writers_broadcasts_are_its_nodes_own(postgres_server: PostgresServer) -> None:
    """Another node hears the alert the writer process committed; the writer's own node
    does not (its writer thread tells the node's live hub itself)."""
    url = postgres_server.fresh_database()
    mine, other = Storage.postgres(url), Storage.postgres(url)
    with_smoke_site(mine)
    writer = WriterProcess(DatabaseTarget("postgres", postgres_url=url), mine.db.node_id)
    on_mine: queue.Queue[dict[str, Any]] = queue.Queue()
    on_other: queue.Queue[dict[str, Any]] = queue.Queue()
    stop_mine = mine.db.listen_to_other_nodes(lambda messages: [on_mine.put(m) for m in messages])
    stop_other = other.db.listen_to_other_nodes(
        lambda messages: [on_other.put(m) for m in messages]
    )
    try:
        events = smoke_events(1)
        fire = AlertSignal(
            "fire", "smoke", "Smoke", Severity.CRITICAL, "hq", "device:smoke-1", None,
            "smoke-1", events[0].id, events[0].occurred_at,
        )  # fmt: skip
        (change,) = commit(writer, events, [fire])
        heard = on_other.get(timeout=10)["change"]
        assert heard["change"] == "opened" and heard["alert"]["alert_id"] == change.alert.alert_id
        with pytest.raises(queue.Empty):
            on_mine.get(timeout=1.5)
    finally:
        stop_mine()
        stop_other()
        writer.stop()
        mine.close()
        other.close()
