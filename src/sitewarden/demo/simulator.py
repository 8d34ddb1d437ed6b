"""The demo's device simulator: realistic traffic posted through the real ingest API.

:class:`~sitewarden.demo.traffic.Traffic` decides what happens; :class:`Simulator`
posts it as each device, with that device's own token, at about ``rate`` events a
second plus a heartbeat from every device at its interval. With the demo's garage
and access set-up (``live``), cars and people go through the server's own gate and
reader decisions instead (``demo/live_site.py``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from sitewarden.demo.device_calls import INGEST_PATH, DeviceCalls
from sitewarden.demo.live_site import NORMAL, LivePace, LivePlans, LiveSite
from sitewarden.demo.site import DEVICES, Behaviour, DemoDevice
from sitewarden.demo.traffic import LIVE_SCENARIOS, Outgoing, Scenario, Traffic, activity_at

__all__ = ["Outgoing", "Scenario", "Simulator", "SimulatorStats", "Traffic", "activity_at"]

log = logging.getLogger(__name__)


@dataclass
class SimulatorStats:
    """What the simulator sent and what the server said."""

    accepted: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)  # the first few reasons
    failed_requests: int = 0
    live: Counter[str] = field(default_factory=Counter)  # gate, reader, payment outcomes

    @property
    def accepted_total(self) -> int:
        return sum(self.accepted.values())


class Simulator:
    """Posts the site's traffic and heartbeats to a server, each device with its token.

    With ``live`` plans (the demo's garage and access set-up), cars and people go
    through the server's gate and reader decisions instead (``demo/live_site.py``),
    at ``pace``, in a thread of their own; the pay station uses ``pay_key``.
    """

    def __init__(
        self,
        url: str,
        tokens: dict[str, str],
        *,
        rate: float = 4.0,
        seed: int | None = None,
        devices: tuple[DemoDevice, ...] = DEVICES,
        verify: Any = True,
        live: LivePlans | None = None,
        pay_key: str | None = None,
        pace: LivePace = NORMAL,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be above 0 events a second")
        self.rate = rate
        self.seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
        self.traffic = Traffic(self.seed, devices)
        self.devices = {d.device_id: d for d in devices if d.behaviour is not Behaviour.SILENT}
        missing = sorted(set(self.devices) - set(tokens))
        if missing:
            raise ValueError(f"no token for devices {', '.join(missing[:5])}")
        self._tokens = tokens
        self._client = httpx.Client(base_url=url, timeout=10, verify=verify, trust_env=False)
        self._stats = SimulatorStats()
        self._lock = threading.Lock()
        self._skip: frozenset[Scenario] = frozenset()
        self._live: LiveSite | None = None
        if live is not None:
            self._skip = LIVE_SCENARIOS
            self._live_client = httpx.Client(
                base_url=url, timeout=10, verify=verify, trust_env=False
            )
            calls = DeviceCalls(self._live_client, tokens, pay_key, self._record_live)
            self._live = LiveSite(
                live, calls, self._record_live, activity_at, pace=pace, seed=self.seed
            )

    def stats(self) -> SimulatorStats:
        """A copy of the counts so far (safe to call while running)."""
        with self._lock:
            return SimulatorStats(
                Counter(self._stats.accepted),
                self._stats.rejected,
                list(self._stats.rejections),
                self._stats.failed_requests,
                Counter(self._stats.live),
            )

    def _record_live(self, outcome: str) -> None:
        with self._lock:
            if outcome == "failed":
                self._stats.failed_requests += 1
            else:
                self._stats.live[outcome] += 1

    def run(self, stop: threading.Event) -> SimulatorStats:
        """Simulate until ``stop`` is set; every device says hello at once."""
        started = time.monotonic()
        uptime_base = {d: self.traffic.rng.randrange(3600, 90 * 86400) for d in self.devices}
        next_heartbeat = dict.fromkeys(self.devices, started)
        next_event = started
        live = None
        if self._live is not None:
            live = threading.Thread(
                target=self._live.run, args=(stop,), name="demo-live-site", daemon=True
            )
            live.start()
            if self._live.pace.opening_act:
                # The doors page's held-open state at once, not a minute into a short run.
                self.send(self.traffic.generate(Scenario.DOOR_HELD, datetime.now(UTC)))
        try:
            while not stop.is_set():
                moment = time.monotonic()
                now = datetime.now(UTC)
                outgoing = self.traffic.due(now)
                for device_id, due in list(next_heartbeat.items()):
                    if due <= moment:
                        device = self.devices[device_id]
                        uptime = uptime_base[device_id] + int(moment - started)
                        outgoing.append(self.traffic.heartbeat(device, now, uptime))
                        if device.behaviour is Behaviour.DROPS_OUT:
                            del next_heartbeat[device_id]
                        else:
                            jitter = self.traffic.rng.uniform(-0.1, 0.1) * device.heartbeat_s
                            next_heartbeat[device_id] = due + device.heartbeat_s + jitter
                if next_event < moment - 2:  # fell behind (a stall): do not burst
                    next_event = moment
                while next_event <= moment:
                    outgoing.extend(self.traffic.draw(now, self._skip))
                    next_event += self.traffic.rng.expovariate(self.rate)
                self.send(outgoing)
                wake = min([next_event, *next_heartbeat.values()])
                stop.wait(min(max(wake - time.monotonic(), 0.01), 0.5))
        finally:
            if live is not None:
                live.join()  # it stops with ``stop``, after the request in flight
                self._live_client.close()
            self._client.close()
        return self.stats()

    def send(self, outgoing: list[Outgoing]) -> None:
        """Post ``outgoing`` as one batch per device; count and log what the server says."""
        batches: dict[str, list[dict[str, Any]]] = {}
        for item in outgoing:
            batches.setdefault(item.device_id, []).append(item.event)
        for device_id, events in batches.items():
            self._post(device_id, events)

    def _post(self, device_id: str, events: list[dict[str, Any]]) -> None:
        try:
            response = self._client.post(
                INGEST_PATH,
                content=orjson.dumps(events),
                headers={
                    "Authorization": f"Bearer {self._tokens[device_id]}",
                    "Content-Type": "application/json",
                },
            )
        except httpx.HTTPError as exc:
            log.warning("simulator: %s could not post %d events: %s", device_id, len(events), exc)
            with self._lock:
                self._stats.failed_requests += 1
            return
        if response.status_code not in (200, 207, 422):
            log.warning(
                "simulator: %s got HTTP %d: %s",
                device_id,
                response.status_code,
                response.text[:300],
            )
            with self._lock:
                self._stats.failed_requests += 1
            return
        rejected = {item["index"]: item["reason"] for item in response.json()["rejected"]}
        with self._lock:
            for index, event in enumerate(events):
                if index in rejected:
                    reason = f"{device_id} {event['kind']}: {rejected[index]}"
                    log.warning("simulator: event rejected: %s", reason)
                    self._stats.rejected += 1
                    if len(self._stats.rejections) < 20:
                        self._stats.rejections.append(reason)
                else:
                    self._stats.accepted[event["kind"]] += 1


def start_simulator(simulator: Simulator, stop: threading.Event) -> threading.Thread:
    """Run ``simulator`` in a daemon thread until ``stop`` is set."""
    thread = threading.Thread(
        target=simulator.run, args=(stop,), name="demo-simulator", daemon=True
    )
    thread.start()
    return thread
