"""An acknowledged event survives the server being killed mid-ingest (SIGKILL)."""

from __future__ import annotations

import threading
import time
from uuid import UUID

import httpx
import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client, raw_sql

BATCH = b"\n".join(
    orjson.dumps(
        {
            "kind": "access.granted",
            "attributes": {"credential": "badge"},
            "personal": {"badge_id": f"B{i}"},
        }
    )
    for i in range(1000)
)


def _post_until_refused(
    server: LiveServer, token: str, accepted: list[str], stop: threading.Event
) -> None:
    with device_client(server, token) as device:
        while not stop.is_set():
            try:
                response = device.post(
                    "/api/v1/events",
                    content=BATCH,
                    headers={"content-type": "application/x-ndjson"},
                )
            except httpx.HTTPError:
                return  # the server died mid-request: nothing was acknowledged for this batch
            if response.status_code == 200:
                accepted.extend(response.json()["accepted"])


@pytest.mark.slow
@pytest.mark.both_backends
def test_every_acknowledged_event_is_stored_after_sigkill(live_server: LiveServer) -> None:
    token = live_server.add_site_with_device("crash", "door-1", DeviceKind.ACCESS_READER)
    accepted: list[str] = []
    stop = threading.Event()
    posters = [
        threading.Thread(target=_post_until_refused, args=(live_server, token, accepted, stop))
        for _ in range(4)
    ]
    for poster in posters:
        poster.start()
    deadline = time.monotonic() + 30
    while len(accepted) < 20_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    live_server.kill()  # SIGKILL while the posters are still sending
    stop.set()
    for poster in posters:
        poster.join(timeout=30)
    assert len(accepted) >= 20_000

    stored = {UUID(bytes=row[0]) for row in raw_sql(live_server.settings, "SELECT id FROM events")}
    missing = [event_id for event_id in accepted if UUID(event_id) not in stored]
    assert missing == []

    live_server.start()  # the same data folder serves again after the crash
    with live_server.client() as admin:
        assert admin.get("/api/v1/events", params={"site": "crash", "limit": 1}).status_code == 200
