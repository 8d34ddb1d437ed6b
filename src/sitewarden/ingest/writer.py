"""Group commit: one thread writes every waiting batch in a single durable transaction.

Requests hand their validated events to :meth:`EventWriter.write` and wait; the
writer thread takes everything queued, commits it in one transaction (one fsync),
then wakes the waiters. An event is acknowledged only after its commit returned.
If a combined commit fails, each request's batch is retried alone so that one bad
batch cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from sitewarden.events.model import Event
from sitewarden.store.base import DeviceKey, Store

log = logging.getLogger(__name__)


@dataclass
class _Job:
    events: Sequence[Event]
    last_seen: dict[DeviceKey, datetime]
    done: Future[None]


def last_seen_of(events: Sequence[Event]) -> dict[DeviceKey, datetime]:
    """Newest received time per device in ``events``."""
    seen: dict[DeviceKey, datetime] = {}
    for event in events:
        key = (event.site_id, event.device_id)
        previous = seen.get(key)
        if previous is None or event.received_at > previous:
            seen[key] = event.received_at
    return seen


class EventWriter:
    """Owns the write path for events. Start once, stop at shutdown."""

    def __init__(self, store: Store, max_group_events: int = 50_000) -> None:
        self._store = store
        self._max_group = max_group_events
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._thread.start()
            self._started = True

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._started = False

    def submit(self, events: Sequence[Event]) -> Future[None]:
        """Queue ``events``; the future completes once they are committed."""
        if not self._started:
            raise RuntimeError("event writer is not running")
        job = _Job(events, last_seen_of(events), Future())
        self._queue.put(job)
        return job.done

    async def write(self, events: Sequence[Event]) -> None:
        await asyncio.wrap_future(self.submit(events))

    def write_sync(self, events: Sequence[Event]) -> None:
        self.submit(events).result()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            count = len(first.events)
            stopping = False
            while count < self._max_group:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                group.append(job)
                count += len(job.events)
            self._commit(group)
            if stopping:
                return

    def _commit(self, group: list[_Job]) -> None:
        if len(group) > 1:
            events = [event for job in group for event in job.events]
            last_seen: dict[DeviceKey, datetime] = {}
            for job in group:
                for key, at in job.last_seen.items():
                    if key not in last_seen or at > last_seen[key]:
                        last_seen[key] = at
            try:
                self._store.insert_events(events, last_seen)
            except Exception:
                log.warning("group commit of %d batches failed; retrying each", len(group))
            else:
                for job in group:
                    job.done.set_result(None)
                return
        for job in group:
            try:
                self._store.insert_events(job.events, job.last_seen)
            except Exception as exc:
                log.exception("batch of %d events not stored", len(job.events))
                job.done.set_exception(exc)
            else:
                job.done.set_result(None)
