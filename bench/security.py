"""The cost of the security layers on the ingest path: device authentication and the
per-device rate limit, per request, set against the time a 1,000-event request takes.

    python -m bench.security [--requests 20000]

Measured in process through the same functions the ingest route calls
(``registry.service.authenticate_device`` against a real SQLite store, and
``RateLimiter.check``), and the whole ingest step for a 1,000-event batch
(validation, sealing, durable write) through ``check_batch``, ``Vault.seal_events``
and ``EventTables.insert_events``.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import EventMaker, Figure, print_machine, print_table, register_site
from sitewarden.api.ratelimit import RateLimiter
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.intake.batch import check_batch
from sitewarden.intake.validation import IntakeLimits
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.vault import Vault
from sitewarden.registry.records import Sender
from sitewarden.registry.service import authenticate_device
from sitewarden.runtime.storage import Storage


def run(requests: int) -> bool:
    print_machine()
    folder = Path(tempfile.mkdtemp(prefix="sitewarden-bench-security-"))
    store = Storage.sqlite(folder / "s.db")
    fleet = register_site(store, "sec")
    limiter = RateLimiter(1e9, 1e9, "device")

    started = time.perf_counter()
    for _ in range(requests):
        sender = authenticate_device(store.registry, fleet.gateway_token)
        limiter.check(f"{sender.site_id}/{sender.device_id}")
    per_request_us = (time.perf_counter() - started) / requests * 1e6

    rng = random.Random(3)
    maker = EventMaker(rng)
    vault = Vault(store.privacy, KeyRing(rng.randbytes(32), rng.randbytes(32), rng.randbytes(32)))
    gateway = Sender("sec", "gateway", DeviceKind.GATEWAY, "lobby")
    devices = {d.device_id: Sender("sec", d.device_id, d.kind, d.zone_id) for d in fleet.devices}
    limits = IntakeLimits(timedelta(seconds=300), timedelta(days=30), 32)
    ids = EventIdFactory()
    batches = []
    for _ in range(12):
        chosen = rng.choices(fleet.devices, maker.device_weights(fleet.devices), k=1000)
        batches.append([maker.posted(device, datetime.now(UTC)) for device in chosen])
    timings = []
    for index, batch in enumerate(batches):
        begun = time.perf_counter()
        checked = check_batch(
            batch, sender=gateway, ids=ids, limits=limits, find_device=devices.get
        )
        vault.seal_events(checked.accepted)
        store.batch.insert_events(checked.accepted, {})
        if index >= 2:  # the first batches meet every subject for the first time
            timings.append(time.perf_counter() - begun)
    store.close()
    per_batch_us = sum(timings) / len(timings) * 1e6
    share = per_request_us / per_batch_us * 100
    figures = [
        Figure("device authentication + rate limit, per request", per_request_us, "µs"),
        Figure("ingest work for a 1,000-event request", per_batch_us / 1000, "ms"),
        Figure("security layers' share of a request", share, "%", "< 10 %", share < 10),
    ]
    print_table("security layers on the ingest path", figures)
    return share < 10


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args(argv)
    return 0 if run(args.requests) else 1


if __name__ == "__main__":
    raise SystemExit(main())
