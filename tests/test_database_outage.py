"""The database goes away under a running node and comes back.

A node on PostgreSQL loses every connection when the server restarts (an upgrade, a
fail-over, a crash). While it is down, nothing may be acknowledged that is not stored:
HTTP posts are answered 503 and MQTT messages stay unacknowledged at the broker. When
it is back, the node resumes by itself, and every acknowledged event is stored once.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from sitewarden.alerts.service import CapacityCache
from sitewarden.db.postgres import POOL_WAIT_S
from sitewarden.errors import DatabaseUnavailable
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event, to_micros
from sitewarden.intake.relayed_devices import AWAY_S, RelayedDevices
from sitewarden.occupancy.aggregator import OccupancyAggregator
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage
from tests.conftest import device_client, raw_sql, running_postgres
from tests.mqtt_fixtures import MqttSite, start_mqtt_site
from tests.postgres_server import PostgresServer
from tests.test_mqtt_crash import Publisher

pytestmark = pytest.mark.slow
SITE = "outage"


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A cluster of this test's own: it is shut down and started again mid-test."""
    yield from running_postgres()


@pytest.fixture
def store(own_postgres: PostgresServer) -> Iterator[Storage]:
    """A store (and its connection pool) on a fresh database of that cluster."""
    opened = Storage.postgres(own_postgres.fresh_database())
    yield opened
    opened.close()


@pytest.fixture
def site_on_postgres(tmp_path: Path, own_postgres: PostgresServer) -> Iterator[MqttSite]:
    site = start_mqtt_site(tmp_path, postgres=own_postgres)
    yield site
    site.close()
    site.server.stop()
    site.broker.stop()


def badge(number: int) -> dict[str, Any]:
    """An access event with personal fields: sealing it reads the vault's state."""
    return {
        "kind": "access.granted",
        "attributes": {"credential": "badge"},
        "personal": {"badge_id": f"B{number % 10}"},
    }


def stored_numbers(site: MqttSite, publisher: Publisher, device_id: str) -> list[int]:
    """The numbers of the publisher's events that are stored (from their times)."""
    rows = raw_sql(
        site.server.settings,
        "SELECT occurred_at FROM events WHERE site_id = ? AND device_id = ?",
        (SITE, device_id),
    )
    start = to_micros(publisher.start)
    return [(row[0] - start) // 1000 for row in rows]


def test_a_database_restart_mid_stream_loses_and_doubles_nothing(
    site_on_postgres: MqttSite, own_postgres: PostgresServer
) -> None:
    site = site_on_postgres
    site.add_device(SITE, "sensor-1", DeviceKind.EQUIPMENT_SENSOR)
    site.add_device(SITE, "door-1", DeviceKind.ACCESS_READER)
    site.add_device(SITE, "late-1", DeviceKind.EQUIPMENT_SENSOR)
    publishers = {
        "sensor-1": Publisher(site, SITE, "sensor-1"),
        "door-1": Publisher(site, SITE, "door-1", badge),
    }
    for publisher in publishers.values():
        publisher.thread.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(
        len(stored_numbers(site, publisher, device)) < 1_000
        for device, publisher in publishers.items()
    ):
        time.sleep(0.05)

    own_postgres.go_down()
    acked_at_outage = {device: len(p.acked()) for device, p in publishers.items()}
    # A device the node has not heard yet: it cannot look it up until the server is back.
    publishers["late-1"] = Publisher(site, SITE, "late-1")
    publishers["late-1"].thread.start()
    acked_at_outage["late-1"] = 0
    token = site.http_tokens[(SITE, "sensor-1")]
    with device_client(site.server, token) as http:
        refused = http.post("/api/v1/events", json=[{"kind": "device.heartbeat"}])
    # Longer than a connection wait: the node's writes fail, and are tried again.
    time.sleep(POOL_WAIT_S + 1)  # messages pile up at the broker, unacknowledged
    own_postgres.come_back()
    time.sleep(2.0)
    for publisher in publishers.values():
        publisher.stop.set()
        publisher.thread.join(timeout=30)

    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "database_unavailable"
    assert refused.headers["retry-after"] == "2"
    assert site.server.process is not None and site.server.process.poll() is None
    for device, publisher in publishers.items():
        acked = publisher.acked()
        assert len(acked) > acked_at_outage[device]  # the broker kept taking messages
        deadline = time.monotonic() + 60
        numbers: list[int] = []
        while time.monotonic() < deadline:
            numbers = stored_numbers(site, publisher, device)
            if acked <= set(numbers):
                break
            time.sleep(0.3)
        assert acked - set(numbers) == set(), device  # every acknowledged message is stored
        assert [n for n, count in Counter(numbers).items() if count > 1] == [], device
    with device_client(site.server, token) as http:  # the node takes HTTP again, with
        answers = [  # no dead connection left in its pool to fail a request
            http.post("/api/v1/events", json=[{"kind": "device.heartbeat"}]) for _ in range(20)
        ]
    assert [answer.status_code for answer in answers] == [200] * 20, answers[-1].text


def wait_until_back(store: Storage) -> list[str]:
    """Until the store has a working connection again (its pool reconnects within a
    second or two of the server's return; meanwhile it fails fast). Returns why each
    attempt before failed."""
    deadline = time.monotonic() + 15
    failures: list[str] = []
    while True:
        try:
            store.db.schema_version()
            return failures
        except DatabaseUnavailable as exc:
            if time.monotonic() > deadline:
                raise
            failures.append(type(exc.__cause__).__name__)
            time.sleep(0.1)


def presence(site: str, at: datetime, hashes: list[str]) -> Event:
    return Event(
        id=uuid4(),
        site_id=site,
        zone_id="lobby",
        device_id="wifi-1",
        kind="wifi.presence",
        severity=Severity.INFO,
        occurred_at=at,
        received_at=at,
        attributes={"interval_s": 300, "hashed_ids": hashes},
        personal=None,
        note=None,
    )


def test_an_interval_that_ends_while_the_database_is_down_is_stored_when_it_is_back(
    own_postgres: PostgresServer, store: Storage
) -> None:
    aggregator = OccupancyAggregator(store.occupancy)
    start = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    aggregator.take([presence(SITE, start + timedelta(minutes=1), ["h1", "h2", "h3"])])
    later = start + timedelta(minutes=10)  # the interval has ended: flushed for good
    own_postgres.go_down()
    with pytest.raises(DatabaseUnavailable):
        aggregator.flush(later)
    own_postgres.come_back()
    wait_until_back(store)
    aggregator.take([presence(SITE, start + timedelta(minutes=2), ["h3", "h4"])])  # late
    assert aggregator.flush(later) == 1
    assert aggregator.flush(later) == 0  # dropped from memory once it is stored
    stored = store.occupancy.occupancy(SITE, "lobby", start, later)
    assert [(row[1], row[4]) for row in stored] == [("wifi", 4)]


def test_no_dead_pooled_connection_fails_a_request_once_the_server_is_back(
    own_postgres: PostgresServer, store: Storage
) -> None:
    with ThreadPoolExecutor(4) as threads:  # four connections in the pool, left idle
        list(threads.map(lambda _: store.db.read("SELECT pg_sleep(0.3)"), range(4)))
    own_postgres.go_down()  # each of them is dead now, though the pool cannot know
    with pytest.raises(DatabaseUnavailable):
        store.db.schema_version()
    time.sleep(0.5)  # the failure set off a check of the idle connections
    own_postgres.come_back()
    # Until the pool has reconnected, a request may time out waiting; none may fail on
    # a dead connection.
    assert set(wait_until_back(store)) <= {"PoolTimeout"}
    assert [store.db.schema_version() > 0 for _ in range(8)] == [True] * 8


def test_a_zone_capacity_read_before_the_outage_stands_while_the_database_is_away(
    own_postgres: PostgresServer, store: Storage
) -> None:
    service.create_site(store.registry, SITE, "Outage", "Asia/Shanghai", 1000, 700)
    service.create_zone(store.registry, SITE, "hall", "Hall", 40)
    capacities = CapacityCache(store.registry, ttl_s=0)  # every lookup asks the database
    assert capacities(SITE, "hall") == 40
    own_postgres.go_down()
    assert capacities(SITE, "hall") == 40  # the over-capacity rule still judges counts
    with pytest.raises(DatabaseUnavailable):  # a zone never read: its events wait
        capacities(SITE, "lobby")
    own_postgres.come_back()


def test_a_device_first_looked_up_during_the_outage_is_found_once_it_is_back(
    own_postgres: PostgresServer, store: Storage
) -> None:
    service.create_site(store.registry, SITE, "Outage", "Asia/Shanghai", 1000, 700)
    service.create_device(store.registry, SITE, "late-1", DeviceKind.EQUIPMENT_SENSOR)
    devices = RelayedDevices(store.registry)
    own_postgres.go_down()
    with pytest.raises(DatabaseUnavailable):
        devices.find(SITE, "late-1")
    own_postgres.come_back()
    wait_until_back(store)
    # Asked again and again, as a node's intake does with that device's messages: the
    # lookups that wait out the pause after a failure must not make it last for ever.
    deadline = time.monotonic() + AWAY_S + 5
    found = None
    while found is None and time.monotonic() < deadline:
        try:
            found = devices.find(SITE, "late-1")
        except DatabaseUnavailable:
            time.sleep(0.2)
    assert found is not None and found.device_id == "late-1"
