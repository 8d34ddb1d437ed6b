"""Two real ``sitewarden serve`` nodes on one real PostgreSQL database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import httpx
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, _started_server, device_client, free_port, raw_sql
from tests.postgres_server import PostgresServer
from tests.test_alerts_live import listen_for_first_alert

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes(
    tmp_path: Path, postgres_server: PostgresServer
) -> Iterator[tuple[LiveServer, LiveServer]]:
    first = _started_server(tmp_path / "a", postgres=postgres_server)
    # The second node: same database and key files, its own port and log.
    port = free_port()
    second = LiveServer(
        settings=first.settings.model_copy(update={"port": port}),
        url=f"http://127.0.0.1:{port}",
        admin_password=first.admin_password,
        log_path=tmp_path / "b.log",
        postgres=postgres_server,
    )
    second.start()
    yield first, second
    second.stop()
    first.stop()


def test_an_alert_from_an_event_on_one_node_is_live_on_the_other(
    two_nodes: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two_nodes
    token = first.add_site_with_device("h", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    listener, received = listen_for_first_alert(second)
    with device_client(first, token) as device:
        assert device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}]).status_code == 200
    listener.join(timeout=15)
    assert received and received[0]["alert"]["rule_id"] == "smoke"
    assert received[0]["change"] == "opened"


def test_killing_one_node_mid_load_loses_and_doubles_nothing(
    two_nodes: tuple[LiveServer, LiveServer],
) -> None:
    first, second = two_nodes
    token = first.add_site_with_device("k", "door-1", DeviceKind.ACCESS_READER)
    accepted: list[str] = []
    stop = threading.Event()

    def post(node: LiveServer) -> None:
        batch = [
            {
                "kind": "access.granted",
                "attributes": {"credential": "badge"},
                "personal": {"badge_id": f"B{i}"},
            }
            for i in range(200)
        ]
        with device_client(node, token) as client:
            while not stop.is_set():
                try:
                    answer = client.post("/api/v1/events", json=batch)
                except httpx.HTTPError:
                    return  # this node died mid-request: nothing acknowledged here
                if answer.status_code == 200:
                    accepted.extend(answer.json()["accepted"])

    posters = [threading.Thread(target=post, args=(node,)) for node in (first, second) * 2]
    for poster in posters:
        poster.start()
    deadline = time.monotonic() + 30
    while len(accepted) < 8_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # SIGKILL while both nodes are taking events
    before = len(accepted)
    time.sleep(1.0)
    stop.set()
    for poster in posters:
        poster.join(timeout=30)
    assert len(accepted) > before  # the surviving node kept acknowledging

    rows = raw_sql(second.settings, "SELECT id FROM events WHERE site_id = 'k'")
    stored = [UUID(bytes=row[0]) for row in rows]
    assert len(stored) == len(set(stored))  # nothing twice
    assert {UUID(event_id) for event_id in accepted} <= set(stored)  # nothing acknowledged lost
