"""Group commit: one thread writes every waiting batch in a single durable transaction.

Requests hand their validated events to :meth:`EventWriter.write` and wait; each
batch's alert signals are judged as it is queued (in the submitting thread, in queue
order, so the writer's transaction does not wait for the rules); the writer thread
takes everything queued, commits the events, the devices' last-seen times and the
resulting alert changes in one transaction (one fsync), then wakes the waiters and
hands the changes to the notifiers. An event is acknowledged only after its commit
returned, and its alert is committed with it. If a combined commit fails, each
request's batch is retried alone so that one bad batch cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, cast

from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.model import AlertChange, AlertSignal, OfflineTransition
from sitewarden.db.database import EventRow, event_rows
from sitewarden.errors import DatabaseUnavailable
from sitewarden.events.model import Event
from sitewarden.ingest.event_tables import DeviceKey
from sitewarden.store import Storage

log = logging.getLogger(__name__)

ChangeListener = Callable[[list[AlertChange]], None]


class EventSink(Protocol):
    """Where batches are committed: the store (:class:`StoreSink`), or its writer in
    another process (:class:`sitewarden.store.writer_process.WriterProcess`).

    ``prepare`` runs in the thread that submits a batch, so that whatever a batch needs
    before its transaction is done while the writer commits the batches before it."""

    def prepare(self, events: Sequence[Event]) -> object: ...

    def insert_prepared(
        self,
        batches: Sequence[object],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal],
        offline: Sequence[OfflineTransition],
    ) -> list[AlertChange]:
        """Commit prepared batches, last-seen times, alert signals and offline
        transitions in one durable transaction; the alert changes."""
        ...


class StoreSink:
    """Commit into the store in this process; rows are made as batches are submitted,
    so the writer's transaction (a COPY on PostgreSQL) does not wait for them."""

    def __init__(self, store: Storage) -> None:
        self._store = store

    def prepare(self, events: Sequence[Event]) -> object:
        return event_rows(events)

    def insert_prepared(
        self,
        batches: Sequence[object],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal],
        offline: Sequence[OfflineTransition],
    ) -> list[AlertChange]:
        rows = [row for batch in batches for row in cast(Sequence[EventRow], batch)]
        return self._store.events.insert_event_rows(rows, last_seen, signals, offline)


@dataclass
class _Job:
    events: Sequence[Event]
    prepared: object
    last_seen: dict[DeviceKey, datetime]
    done: Future[list[AlertChange]]
    offline: Sequence[OfflineTransition] = ()
    signals: list[AlertSignal] | None = None
    extra: list[AlertChange] = field(default_factory=list)


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

    def __init__(
        self,
        sink: EventSink,
        engine: AlertEngine | None = None,
        max_group_events: int = 50_000,
    ) -> None:
        self._sink = sink
        self._engine = engine
        self._max_group = max_group_events
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._started = False
        self._listeners: list[ChangeListener] = []
        self._submitting = threading.Lock()  # rules judge batches in the order they queue

    def attach_engine(self, engine: AlertEngine) -> None:
        """Judge alert rules over every batch queued from now on; the signals commit in
        the batch's transaction."""
        self._engine = engine

    def add_listener(self, listener: ChangeListener) -> None:
        """Called on the writer thread with each commit's alert changes."""
        self._listeners.append(listener)

    def start(self) -> None:
        if not self._started:
            self._thread.start()
            self._started = True

    def stop(self) -> None:
        if self._started:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._started = False

    def submit(
        self, events: Sequence[Event], offline: Sequence[OfflineTransition] = ()
    ) -> Future[list[AlertChange]]:
        """Queue ``events``; the future completes once they are committed."""
        if not self._started:
            raise RuntimeError("event writer is not running")
        job = _Job(events, self._sink.prepare(events), last_seen_of(events), Future(), offline)
        with self._submitting:
            self._signals(job)
            self._queue.put(job)
        return job.done

    async def write(self, events: Sequence[Event]) -> list[AlertChange]:
        return await asyncio.wrap_future(self.submit(events))

    def write_sync(
        self, events: Sequence[Event], offline: Sequence[OfflineTransition] = ()
    ) -> list[AlertChange]:
        return self.submit(events, offline).result()

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
            try:
                self._commit(group)
            except Exception as exc:  # a bug must not end the writer: the callers hear it
                log.exception("group of %d batches not committed", len(group))
                for job in group:
                    if not job.done.done():
                        job.done.set_exception(exc)
            if stopping:
                return

    def _signals(self, job: _Job) -> list[AlertSignal]:
        if job.signals is None:
            job.signals = self._engine.evaluate(job.events) if self._engine else []
        return job.signals

    def _commit(self, group: list[_Job]) -> None:
        if len(group) > 1:
            last_seen: dict[DeviceKey, datetime] = {}
            for job in group:
                for key, at in job.last_seen.items():
                    if key not in last_seen or at > last_seen[key]:
                        last_seen[key] = at
            signals = [signal for job in group for signal in self._signals(job)]
            offline = [transition for job in group for transition in job.offline]
            try:
                prepared = [job.prepared for job in group]
                changes = self._sink.insert_prepared(prepared, last_seen, signals, offline)
            except DatabaseUnavailable as exc:
                self._fail_unavailable(group, exc)
                return
            except Exception:
                log.warning("group commit of %d batches failed; retrying each", len(group))
            else:
                for job in group:
                    job.done.set_result(changes)
                self._announce(changes)
                return
        for index, job in enumerate(group):
            try:
                changes = self._sink.insert_prepared(
                    [job.prepared], job.last_seen, self._signals(job), job.offline
                )
            except DatabaseUnavailable as exc:
                self._fail_unavailable(group[index:], exc)
                return
            except Exception as exc:
                log.exception("batch of %d events not stored", len(job.events))
                job.done.set_exception(exc)
            else:
                job.done.set_result(changes)
                self._announce(changes)

    @staticmethod
    def _fail_unavailable(jobs: list[_Job], exc: DatabaseUnavailable) -> None:
        """Fail every job at once: trying each on a database that is away would hold the
        callers one connection wait per batch."""
        log.warning("%d batches of events not stored: %s", len(jobs), exc.message)
        for job in jobs:
            job.done.set_exception(exc)

    def _announce(self, changes: list[AlertChange]) -> None:
        if not changes:
            return
        for listener in self._listeners:
            try:
                listener(changes)
            except Exception:
                log.exception("alert listener failed")
