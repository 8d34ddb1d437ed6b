"""Group commit: one thread writes every waiting batch in a single durable transaction.

Requests hand their validated events to :meth:`EventWriter.write` and wait; each
batch's alert signals are judged as it is queued (by the judge the runtime attaches:
the alert engine) (in the submitting thread, in queue
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
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sitewarden.errors import DatabaseUnavailable
from sitewarden.events.model import Event
from sitewarden.intake.event_tables import DeviceKey

log = logging.getLogger(__name__)

# The writer carries two things it does not look into: what a batch's transaction
# applies besides the events (the rules' verdicts, device-health transitions), and what
# the transaction changed (alert changes), handed to the listeners.
Signal = TypeVar("Signal")
Change = TypeVar("Change")
Signal_co = TypeVar("Signal_co", covariant=True)
Signal_contra = TypeVar("Signal_contra", contravariant=True)


class Judge(Protocol[Signal_co]):
    """Judges a batch as it is queued (the alert engine)."""

    def evaluate(self, events: Sequence[Event]) -> Sequence[Signal_co]: ...


class EventSink(Protocol[Signal_contra, Change]):
    """Where batches are committed: in this process (``alerts/batch_transaction.py``),
    or by the writer in another process (``runtime/writer_process.py``).

    ``prepare`` runs in the thread that submits a batch, so that whatever a batch needs
    before its transaction is done while the writer commits the batches before it."""

    def prepare(self, events: Sequence[Event]) -> object: ...

    def insert_prepared(
        self,
        batches: Sequence[object],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[Signal_contra],
    ) -> list[Change]:
        """Commit prepared batches, last-seen times and signals in one durable
        transaction; what it changed."""
        ...


@dataclass
class _Job(Generic[Signal, Change]):
    events: Sequence[Event]
    prepared: object
    last_seen: dict[DeviceKey, datetime]
    done: Future[list[Change]]
    given: Sequence[Signal] = ()  # signals the submitter brings (offline transitions)
    signals: list[Signal] | None = None


def last_seen_of(events: Sequence[Event]) -> dict[DeviceKey, datetime]:
    """Newest received time per device in ``events``."""
    seen: dict[DeviceKey, datetime] = {}
    for event in events:
        key = (event.site_id, event.device_id)
        previous = seen.get(key)
        if previous is None or event.received_at > previous:
            seen[key] = event.received_at
    return seen


class EventWriter(Generic[Signal, Change]):
    """Owns the write path for events. Start once, stop at shutdown."""

    def __init__(
        self,
        sink: EventSink[Signal, Change],
        judge: Judge[Signal] | None = None,
        max_group_events: int = 50_000,
    ) -> None:
        self._sink = sink
        self._judge = judge
        self._max_group = max_group_events
        self._queue: queue.SimpleQueue[_Job[Signal, Change] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="event-writer", daemon=True)
        self._started = False
        self._listeners: list[Callable[[list[Change]], None]] = []
        self._submitting = threading.Lock()  # rules judge batches in the order they queue

    def attach_judge(self, judge: Judge[Signal]) -> None:
        """Judge every batch queued from now on; the signals commit in the batch's
        transaction."""
        self._judge = judge

    def add_listener(self, listener: Callable[[list[Change]], None]) -> None:
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

    def submit(self, events: Sequence[Event], given: Sequence[Signal] = ()) -> Future[list[Change]]:
        """Queue ``events`` (and signals the caller brings); the future completes once
        they are committed."""
        if not self._started:
            raise RuntimeError("event writer is not running")
        job: _Job[Signal, Change] = _Job(
            events, self._sink.prepare(events), last_seen_of(events), Future(), given
        )
        with self._submitting:
            self._signals(job)
            self._queue.put(job)
        return job.done

    async def write(self, events: Sequence[Event]) -> list[Change]:
        return await asyncio.wrap_future(self.submit(events))

    def write_sync(self, events: Sequence[Event], given: Sequence[Signal] = ()) -> list[Change]:
        return self.submit(events, given).result()

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

    def _signals(self, job: _Job[Signal, Change]) -> list[Signal]:
        """The judge's signals for the job (judged once), then those it was given."""
        if job.signals is None:
            judged = self._judge.evaluate(job.events) if self._judge else []
            job.signals = [*judged, *job.given]
        return job.signals

    def _commit(self, group: list[_Job[Signal, Change]]) -> None:
        if len(group) > 1:
            last_seen: dict[DeviceKey, datetime] = {}
            for job in group:
                for key, at in job.last_seen.items():
                    if key not in last_seen or at > last_seen[key]:
                        last_seen[key] = at
            signals = [signal for job in group for signal in self._signals(job)]
            try:
                prepared = [job.prepared for job in group]
                changes = self._sink.insert_prepared(prepared, last_seen, signals)
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
                    [job.prepared], job.last_seen, self._signals(job)
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

    def _fail_unavailable(self, jobs: list[_Job[Signal, Change]], exc: DatabaseUnavailable) -> None:
        """Fail every job at once: trying each on a database that is away would hold the
        callers one connection wait per batch."""
        log.warning("%d batches of events not stored: %s", len(jobs), exc.message)
        for job in jobs:
            job.done.set_exception(exc)

    def _announce(self, changes: list[Change]) -> None:
        if not changes:
            return
        for listener in self._listeners:
            try:
                listener(changes)
            except Exception:
                log.exception("alert listener failed")
