"""Alert latency under load: from an alarm's acknowledgement to the live stream and
to a webhook receiver.

    python -m bench.alerts [--load 5000] [--alarms 200]

A real ``sitewarden serve`` takes a steady background load (realistic NDJSON batches
at ``--load`` events/s from two clients); meanwhile one smoke detector after another
posts an alarm. For each alarm we take the moment its POST answered (the event is
durable), the moment the SSE client (GET /api/v1/alerts/stream) received the opened
alert, and the moment a local webhook receiver got the signed delivery.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    NDJSON,
    Figure,
    ServerProcess,
    fresh_settings,
    percentile,
    print_machine,
    print_table,
    register_site,
)
from bench.ingest import make_batches
from sitewarden.accounts.accounts import create_api_key, require_user
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from sitewarden.runtime.storage import open_storage

ALARM_SITE = "alarms"


class Arrivals:
    """When each device's alert reached a listener (perf_counter seconds)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sse: dict[str, float] = {}
        self.webhook: dict[str, float] = {}

    def note(self, where: dict[str, float], payload: dict[str, Any]) -> None:
        if payload.get("change") == "opened" and payload["alert"]["site_id"] == ALARM_SITE:
            with self.lock:
                where.setdefault(payload["alert"]["device_id"], time.perf_counter())


def start_receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            arrivals.note(arrivals.webhook, json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def listen_sse(url: str, key: str, arrivals: Arrivals, stop: threading.Event) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.stream(
        "GET", url + "/api/v1/alerts/stream", headers=headers, timeout=None
    ) as stream:
        for line in stream.iter_lines():
            if stop.is_set():
                return
            if line.startswith("data: "):
                arrivals.note(arrivals.sse, json.loads(line[6:]))


def background_load(
    url: str, bodies: Sequence[Any], rate: float, stop: threading.Event, sent: list[int]
) -> None:
    """Post batches at ``rate`` events/s until stopped."""
    with httpx.Client(base_url=url, timeout=60) as client:
        index = 0
        started = time.perf_counter()
        posted = 0
        while not stop.is_set():
            batch = bodies[index % len(bodies)]
            index += 1
            lines = len(batch.lines)
            answer = client.post(
                "/api/v1/events",
                content=batch.body(),
                headers={
                    "Authorization": f"Bearer {batch.site.gateway_token}",
                    "Content-Type": NDJSON,
                },
            )
            posted += len(answer.json().get("accepted", [])) if answer.status_code < 300 else 0
            ahead = posted / rate - (time.perf_counter() - started)
            if ahead > 0:
                time.sleep(ahead)
            del lines
        sent.append(posted)


def run(load: float, alarms: int) -> bool:
    print_machine()
    root = Path(tempfile.mkdtemp(prefix="sitewarden-bench-alerts-"))
    settings = fresh_settings(root)
    # The receiver listens on this host, which webhooks may reach only where allowed.
    config = settings.data_dir / "sitewarden.toml"
    config.write_text(config.read_text() + '\nwebhook_allowed_networks = ["127.0.0.0/8"]\n')
    store = open_storage(settings)
    fleets = [register_site(store, f"site{n}") for n in range(2)]
    service.create_site(store.registry, ALARM_SITE, "Alarms", "UTC", 100, 100)
    tokens = [
        service.create_device(
            store.registry, ALARM_SITE, f"smoke-{n:03d}", DeviceKind.SMOKE_DETECTOR
        )[1]
        for n in range(alarms)
    ]
    _, key = create_api_key(store.accounts, require_user(store.accounts, "admin"), "bench")
    store.close()
    bodies, _ = make_batches(fleets, 500, random.Random(5))
    arrivals = Arrivals()
    receiver = start_receiver(arrivals)
    server = ServerProcess(settings, root / "server.log")
    server.start()
    stop = threading.Event()
    sent: list[int] = []
    threads = []
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as admin:
            admin.post(
                "/api/v1/webhooks",
                json={
                    "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook",
                    "site_id": ALARM_SITE,
                    "min_severity": "critical",
                },
            ).raise_for_status()
        threads = [
            threading.Thread(target=listen_sse, args=(server.url, key, arrivals, stop), daemon=True)
        ]
        threads += [
            threading.Thread(
                target=background_load, args=(server.url, bodies, load / 2, stop, sent), daemon=True
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        time.sleep(2)  # let the load settle
        acked: dict[str, float] = {}
        load_started = time.perf_counter()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for number, token in enumerate(tokens):
                device = f"smoke-{number:03d}"
                answer = client.post(
                    "/api/v1/events",
                    json=[{"kind": "alarm.smoke"}],
                    headers={"Authorization": f"Bearer {token}"},
                )
                acked[device] = time.perf_counter()
                answer.raise_for_status()
                time.sleep(0.05)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and (
            len(arrivals.sse) < alarms or len(arrivals.webhook) < alarms
        ):
            time.sleep(0.1)
        elapsed = time.perf_counter() - load_started
    finally:
        stop.set()
        server.stop()
        receiver.shutdown()
    for thread in threads[1:]:
        thread.join(timeout=30)
    background_rate = sum(sent) / (elapsed + 2) if sent else 0.0
    sse = [(arrivals.sse[d] - acked[d]) * 1000 for d in acked if d in arrivals.sse]
    hook = [(arrivals.webhook[d] - acked[d]) * 1000 for d in acked if d in arrivals.webhook]
    figures = [
        Figure(
            "background load achieved",
            background_rate,
            "events/s",
            f">= {load:,.0f}",
            background_rate >= load * 0.95,
        ),
        Figure(
            "alarms delivered to the live stream",
            len(sse),
            f"of {alarms}",
            "all",
            len(sse) == alarms,
        ),
        Figure(
            "alarms delivered to the webhook", len(hook), f"of {alarms}", "all", len(hook) == alarms
        ),
        Figure("ack -> SSE p50", percentile(sse, 0.5), "ms"),
        Figure(
            "ack -> SSE p99", percentile(sse, 0.99), "ms", "<= 100 ms", percentile(sse, 0.99) <= 100
        ),
        Figure("ack -> webhook p50", percentile(hook, 0.5), "ms"),
        Figure(
            "ack -> webhook p99",
            percentile(hook, 0.99),
            "ms",
            "<= 100 ms",
            percentile(hook, 0.99) <= 100,
        ),
    ]
    print_table(f"alert latency under {load:,.0f} events/s", figures)
    return all(f.met is not False for f in figures)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=float, default=5000)
    parser.add_argument("--alarms", type=int, default=200)
    args = parser.parse_args(argv)
    return 0 if run(args.load, args.alarms) else 1


if __name__ == "__main__":
    raise SystemExit(main())
