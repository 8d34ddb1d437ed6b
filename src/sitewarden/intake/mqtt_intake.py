"""The MQTT intake thread: messages in, events written, acknowledged after commit.

Durability lives here. A QoS 1 message is acknowledged to the broker only after the
event writer has committed its events; a node killed before that gets the message
again when it comes back. Event ids are derived from the event itself (``mqtt_ids.py``),
so a message that was committed but not yet acknowledged is not stored twice. While
the database is away, messages stay unacknowledged and are tried again after a growing
pause (deferred, never slept on, so the intake thread keeps settling the rest).

Rejected events are answered on ``sitewarden/<site>/<device>/errors`` (QoS 0) and
counted; a message that cannot be read at all is acknowledged and dropped, so one bad
message never blocks the others. This is apart from the broker connection
(``mqtt_link.py``): the link only hands messages in and sends what this asks it to.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import paho.mqtt.client as mqtt

from sitewarden.errors import DatabaseUnavailable, StoreError
from sitewarden.events.model import Event
from sitewarden.intake.mqtt_messages import Handler, Parsed, parse_device_message, validate_item
from sitewarden.intake.mqtt_topics import EVENTS_FILTER
from sitewarden.intake.service import Intake
from sitewarden.intake.validation import EventRejected, IntakeLimits
from sitewarden.registry.records import Sender

log = logging.getLogger(__name__)

MAX_MESSAGES_PER_BATCH = 5000
DATABASE_PAUSE_S = 1.0  # before messages that could not be taken are taken again


@dataclass(eq=False)
class _Message:
    mid: int
    qos: int
    waiting: int = 0  # batches this message's events wait for


@dataclass(eq=False)
class _Batch:
    events: list[Event]
    messages: list[_Message]
    attempts: int = 0
    sealed: bool = False


@dataclass(frozen=True)
class _Resubmit:
    batch: _Batch  # written again after a pause


@dataclass(frozen=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    dup: bool


@dataclass(frozen=True)
class _Committed:
    batch: _Batch
    error: BaseException | None


@dataclass(frozen=True)
class IntakeDeps:
    """What MQTT intake needs from the node (passed in, so this module has no FastAPI)."""

    intake: Intake
    event_exists: Callable[[UUID], bool]
    find_device: Callable[[str, str], Sender | None]
    limits: IntakeLimits


class MqttIntake:
    """Takes the link's messages on its own thread: validates, writes, acknowledges."""

    def __init__(
        self,
        deps: IntakeDeps,
        acknowledge: Callable[[Iterable[int]], None],
        publish: Callable[[str, dict[str, Any], int], None],
    ) -> None:
        self._deps = deps
        self._acknowledge = acknowledge  # PUBACKs these packet ids
        self._publish = publish
        self._parse_device_message: Handler = functools.partial(
            parse_device_message, find_device=deps.find_device
        )
        self._handlers: dict[str, Handler] = {EVENTS_FILTER: self._parse_device_message}
        self._inbox: queue.SimpleQueue[_Received | _Committed | None] = queue.SimpleQueue()
        self._pending: dict[UUID, _Batch] = {}
        # Items handed back to the intake thread later: (due, order, item), a heap.
        self._deferred: list[tuple[float, int, _Received | _Resubmit]] = []
        self._deferred_order = itertools.count()
        self.counters: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._run, name="mqtt-intake", daemon=True)

    # --- life cycle -----------------------------------------------------------------
    def add_handler(self, topic_filter: str, handler: Handler) -> None:
        """Take messages of ``topic_filter`` too."""
        self._handlers[topic_filter] = handler

    @property
    def topic_filters(self) -> list[str]:
        """The filters handled, in the order they were added (the link subscribes them)."""
        return list(self._handlers)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._inbox.put(None)
        self._thread.join(timeout=30)

    def receive(self, topic: str, payload: bytes, mid: int, qos: int, dup: bool) -> None:
        """Hand a message in (called on the network thread)."""
        self._inbox.put(_Received(topic, payload, mid, qos, dup))

    # --- the intake thread -----------------------------------------------------------
    def _run(self) -> None:
        """Take everything waiting (up to a batch), settle commits, write the messages."""
        while True:
            item = self._next_item()
            received: list[_Received] = []
            stopping = False
            while True:
                if item is None:
                    stopping = True
                    break
                if isinstance(item, _Received):
                    received.append(item)
                    if len(received) >= MAX_MESSAGES_PER_BATCH:
                        break
                else:
                    self._follow_up(item)
                try:
                    item = self._next_item(block=False)
                except queue.Empty:
                    break
            try:
                self._take(received)
            except Exception:  # never let one bad batch stop the intake
                log.exception(
                    "MQTT batch of %d messages not taken; not acknowledged", len(received)
                )
            if stopping:
                return

    def _follow_up(self, item: _Committed | _Resubmit) -> None:
        """Settle a batch's commit, or write a batch again after its pause."""
        try:
            if isinstance(item, _Committed):
                self._settle(item)
            else:
                self._submit(item.batch)
        except Exception:  # a bug here must not end the intake either
            log.exception("MQTT batch of %d events not settled", len(item.batch.events))

    def _take(self, received: list[_Received]) -> None:
        """Validate, drop copies of events already stored or in flight, submit the rest.

        What asks the database (a device not seen lately, whether a redelivered event is
        stored) comes first, message by message: a message it cannot answer for while it
        is away (StoreError) is taken again later, untouched and unacknowledged."""
        if not received:
            return
        now = datetime.now(UTC)
        parsed: list[tuple[_Received, list[Event]]] = []
        stored: set[UUID] = set()
        later: list[_Received] = []
        for incoming in received:
            try:
                events = self._events_of(incoming, now)
                stored |= self._stored_copies(incoming, events)
            except StoreError:
                later.append(incoming)
            else:
                parsed.append((incoming, events))
        if later:
            log.warning("MQTT: %d messages wait for the database", len(later))
            for incoming in later:
                self._defer(DATABASE_PAUSE_S, incoming)
        batch = _Batch([], [])
        taken: set[UUID] = set()
        settled: list[_Message] = []  # nothing of theirs left to write
        for incoming, events in parsed:
            message = _Message(incoming.mid, incoming.qos)
            self.counters["messages"] += 1
            for event in events:
                pending = self._pending.get(event.id)
                if pending is None and event.id in taken:
                    pending = batch
                if pending is not None:
                    self.counters["duplicates"] += 1
                    if message not in pending.messages:
                        self._wait(message, pending)
                elif event.id in stored:
                    self.counters["duplicates"] += 1
                else:
                    taken.add(event.id)
                    batch.events.append(event)
                    if message not in batch.messages[-1:]:
                        self._wait(message, batch)
            if message.waiting == 0:
                settled.append(message)
        self._ack(settled)
        if batch.events:
            self._submit(batch)

    def _stored_copies(self, incoming: _Received, events: list[Event]) -> set[UUID]:
        """Ids of a redelivered message's events that are stored already (committed by a
        node that died before its acknowledgement reached the broker)."""
        if not incoming.dup:
            return set()
        return {
            event.id
            for event in events
            if event.id not in self._pending and self._deps.event_exists(event.id)
        }

    def _defer(self, delay_s: float, item: _Received | _Resubmit) -> None:
        """Hand ``item`` to the intake thread again in ``delay_s`` (never sleeping in it:
        other batches settle meanwhile)."""
        due = time.monotonic() + delay_s
        heapq.heappush(self._deferred, (due, next(self._deferred_order), item))

    def _next_item(self, *, block: bool = True) -> _Received | _Committed | _Resubmit | None:
        """The next item of the inbox, or a deferred one once it is due; without
        ``block``, queue.Empty when neither is there now (so that a round takes every
        deferred message that is due, not one at a time)."""
        while True:
            wait = None
            if self._deferred:
                wait = self._deferred[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(self._deferred)[2]
            if not block:
                return self._inbox.get_nowait()
            try:
                return self._inbox.get(timeout=wait)
            except queue.Empty:
                continue

    def _events_of(self, incoming: _Received, now: datetime) -> list[Event]:
        handler = self._handler_for(incoming.topic)
        parsed = handler(incoming.topic, incoming.payload) if handler else Parsed()
        problems = list(parsed.problems)
        events: list[Event] = []
        for index, item in enumerate(parsed.items):
            try:
                events.append(validate_item(item, now, self._deps.limits, self._deps.find_device))
            except EventRejected as exc:
                problems.append(f"event {index}: {exc.reason}")
        if problems:
            self.counters["rejected"] += len(problems)
            log.info("MQTT %s: %d refused: %s", incoming.topic, len(problems), problems[0])
            if parsed.reply_to is not None:
                self._publish(parsed.reply_to, {"topic": incoming.topic, "rejected": problems}, 0)
        self.counters["events"] += len(events)
        return events

    def _handler_for(self, topic: str) -> Handler | None:
        if topic.endswith("/events") and topic.startswith("sitewarden/"):
            return self._parse_device_message  # the common case, without matching filters
        for topic_filter, handler in self._handlers.items():
            if mqtt.topic_matches_sub(topic_filter, topic):
                return handler
        return None

    # --- commit and acknowledgement ---------------------------------------------------
    def _wait(self, message: _Message, batch: _Batch) -> None:
        message.waiting += 1
        batch.messages.append(message)

    def _submit(self, batch: _Batch) -> None:
        batch.attempts += 1
        if batch.attempts == 1:
            for event in batch.events:
                self._pending[event.id] = batch
            self._deps.intake.count(batch.events)  # in memory: once, and it cannot fail
        try:
            if not batch.sealed:
                self._deps.intake.seal(batch.events)  # may read and store keys
                batch.sealed = True
            future = self._deps.intake.submit(batch.events)  # rules may read zones' capacity
        except StoreError as exc:  # the database is away: retried as a failed write is
            self._inbox.put(_Committed(batch, exc))
            return
        future.add_done_callback(lambda done: self._inbox.put(_Committed(batch, _error(done))))

    def _settle(self, committed: _Committed) -> None:
        batch = committed.batch
        if committed.error is not None:
            # A copy of an event may have been committed meanwhile (a redelivery whose
            # first delivery was still in flight): drop those and write the rest again.
            kept = (
                batch.events  # it is away: asking which are stored would only wait again
                if isinstance(committed.error, DatabaseUnavailable)
                else self._not_stored(batch.events)
            )
            log.warning(
                "MQTT batch of %d events not stored (%s); writing %d again",
                len(batch.events),
                committed.error,
                len(kept),
            )
            kept_ids = {event.id for event in kept}
            for event in batch.events:
                if event.id not in kept_ids:
                    self._pending.pop(event.id, None)
            if kept:
                batch.events = kept
                if batch.attempts > 1:
                    self._defer(min(2 ** (batch.attempts - 2), 30), _Resubmit(batch))
                else:
                    self._submit(batch)
                return
        for event in batch.events:
            self._pending.pop(event.id, None)
        for message in batch.messages:
            message.waiting -= 1
        self._ack([message for message in batch.messages if message.waiting == 0])

    def _not_stored(self, events: list[Event]) -> list[Event]:
        """The events not in the database; all of them while it cannot be asked (one
        that is there fails the next write, which asks again)."""
        try:
            return [event for event in events if not self._deps.event_exists(event.id)]
        except StoreError:
            return events

    def _ack(self, messages: list[_Message]) -> None:
        # Subscriptions are QoS 1, so the broker never hands the node a QoS 2 message.
        self._acknowledge(message.mid for message in messages if message.qos == 1)


def _error(done: Future[list[Any]]) -> BaseException | None:
    return done.exception()
