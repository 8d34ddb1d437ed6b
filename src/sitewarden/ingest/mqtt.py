"""MQTT intake inside ``sitewarden serve``: a shared subscription, acknowledged after commit.

Every node subscribes to ``$share/sitewarden/sitewarden/+/+/events`` (MQTT 5 shared
subscription), so the broker splits the device traffic between the nodes. The
device is the one the topic names: the broker's ACL lets a device publish only under
its own topic. A message holds one event or a JSON array of them, in the format of
``POST /api/v1/events``; over MQTT each event must carry its ``time``.

Durability: the client uses a persistent session (clean start off, a long session
expiry, a client id that stays the same across restarts) and manual acknowledgement.
A QoS 1 message is acknowledged to the broker only after the event writer has
committed its events; a node killed before that gets the message again when it comes
back. Event ids are derived from the event itself (``mqtt_ids.py``), so a message
that was committed but not yet acknowledged is not stored twice. While the database
is away, messages stay unacknowledged and are tried again after a growing pause
(deferred, never slept on, so the intake thread keeps settling the rest).

Rejected events are answered on ``sitewarden/<site>/<device>/errors`` (QoS 0) and
counted; a message that cannot be read at all is acknowledged and dropped, so one bad
message never blocks the others.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from sitewarden.alerts.model import AlertChange
from sitewarden.config import LOOPBACK_HOSTS, Settings
from sitewarden.errors import ConfigError, DatabaseUnavailable, StoreError
from sitewarden.events.model import Event
from sitewarden.ingest.mqtt_client import BulkClient
from sitewarden.ingest.mqtt_ids import deterministic_event_id, event_digest
from sitewarden.ingest.mqtt_topics import (
    EVENTS_FILTER,
    alerts_topic,
    device_of_events_topic,
    errors_topic,
    shared,
)
from sitewarden.ingest.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.ingest.writer import EventWriter
from sitewarden.registry.records import Sender

log = logging.getLogger(__name__)

MAX_EVENTS_PER_MESSAGE = 1000
MAX_MESSAGES_PER_BATCH = 5000
RECEIVE_MAXIMUM = 20_000  # QoS 1 messages the broker may have in flight to this node
DATABASE_PAUSE_S = 1.0  # before messages that could not be taken are taken again
_PLACEHOLDER_ID = UUID(int=0)


@dataclass(frozen=True)
class Item:
    """One event of a message, attributed to a device, before validation."""

    sender: Sender
    raw: Any


@dataclass
class Parsed:
    """What a handler made of one message."""

    items: list[Item] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why parts were refused
    reply_to: str | None = None  # where to answer the problems


# A handler turns (topic, payload) into items; the events topic has one, Frigate another.
Handler = Callable[[str, bytes], Parsed]


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
    """What the intake needs from the app (passed in, so this module has no FastAPI)."""

    writer: EventWriter[Any, Any]
    seal: Callable[[list[Event]], None]
    take_occupancy: Callable[[list[Event]], None]
    event_exists: Callable[[UUID], bool]
    find_device: Callable[[str, str], Sender | None]
    limits: IntakeLimits


def broker_address(url: str) -> tuple[str, int, bool]:
    """``(host, port, tls)`` of ``mqtt://host:port`` or ``mqtts://host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"mqtt_url {url!r} should read mqtt://host:port or mqtts://host:port")
    if parts.username or parts.password:
        raise ConfigError(
            "mqtt_url must not carry credentials; the nodes' password is read from the keys "
            "folder (written by 'sitewarden mqtt config')"
        )
    tls = parts.scheme == "mqtts"
    if not tls and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"refusing mqtt://{parts.hostname}: the nodes' broker password and every event "
            "would cross the network in clear. Use mqtts:// (a TLS listener, see "
            "'sitewarden mqtt config --tls-cert'), or a broker on this machine"
        )
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


def default_node_id(settings: Settings) -> str:
    return settings.mqtt_node_id or f"sitewarden-{socket.gethostname()}-{settings.port}"[:64]


class MqttLink:
    """The node's one broker connection: subscribes, takes messages in, publishes out."""

    def __init__(self, settings: Settings, password: str, deps: IntakeDeps) -> None:
        assert settings.mqtt_url is not None
        self._host, self._port, tls = broker_address(settings.mqtt_url)
        self._deps = deps
        self._session_expiry = settings.mqtt_session_expiry_s
        self._handlers: dict[str, Handler] = {EVENTS_FILTER: self.parse_device_message}
        self._inbox: queue.SimpleQueue[_Received | _Committed | None] = queue.SimpleQueue()
        self._pending: dict[UUID, _Batch] = {}
        # Items handed back to the intake thread later: (due, order, item), a heap.
        self._deferred: list[tuple[float, int, _Received | _Resubmit]] = []
        self._deferred_order = itertools.count()
        self.counters: Counter[str] = Counter()
        self._client = BulkClient(
            CallbackAPIVersion.VERSION2,
            client_id=default_node_id(settings),
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self._client.username_pw_set(settings.mqtt_username, password)
        if tls:
            self._client.tls_set()
        self._client.reconnect_delay_set(1, 30)
        self._client.on_connect = self._on_connect
        self._client.deliver = self._received
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._thread = threading.Thread(target=self._run, name="mqtt-intake", daemon=True)

    # --- life cycle -----------------------------------------------------------------
    def add_handler(self, topic_filter: str, handler: Handler) -> None:
        """Take messages of ``topic_filter`` (subscribed as a shared subscription) too."""
        self._handlers[topic_filter] = handler

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self._session_expiry
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._thread.start()
        self._client.connect_async(
            self._host, self._port, keepalive=30, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._inbox.put(None)
        self._thread.join(timeout=30)

    def publish(self, topic: str, payload: dict[str, Any], qos: int = 1) -> None:
        """Queue a message; paho sends it (and resends it after a reconnect)."""
        self._client.publish(topic, orjson.dumps(payload), qos=qos)

    # --- paho callbacks (network thread) ----------------------------------------------
    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s:%s refused the node: %s", self._host, self._port, reason)
            return
        log.info("MQTT connected to %s:%s (session present: %s)", self._host, self._port, flags)
        client.subscribe([(shared(topic), 1) for topic in self._handlers])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        for topic, reason in zip(self._handlers, reasons, strict=False):
            if reason.is_failure:
                log.error("MQTT broker refused the subscription to %s: %s", shared(topic), reason)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.value != 0:
            log.warning("MQTT disconnected (%s); reconnecting", reason)

    def _received(self, topic: str, payload: bytes, mid: int, qos: int, dup: bool) -> None:
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
                events.append(self._validate(item, now))
            except EventRejected as exc:
                problems.append(f"event {index}: {exc.reason}")
        if problems:
            self.counters["rejected"] += len(problems)
            log.info("MQTT %s: %d refused: %s", incoming.topic, len(problems), problems[0])
            if parsed.reply_to is not None:
                self.publish(parsed.reply_to, {"topic": incoming.topic, "rejected": problems}, 0)
        self.counters["events"] += len(events)
        return events

    def _handler_for(self, topic: str) -> Handler | None:
        if topic.endswith("/events") and topic.startswith("sitewarden/"):
            return self.parse_device_message  # the common case, without matching filters
        for topic_filter, handler in self._handlers.items():
            if mqtt.topic_matches_sub(topic_filter, topic):
                return handler
        return None

    def _validate(self, item: Item, now: datetime) -> Event:
        raw = item.raw
        if isinstance(raw, dict) and raw.get("time") is None:
            raise EventRejected(
                "events sent over MQTT need a 'time': a broker may hold a message while "
                "nodes restart, so the arrival time does not say when it happened"
            )
        digest = event_digest(item.sender.site_id, item.sender.device_id, raw)
        event = validate_event(
            raw,
            event_id=_PLACEHOLDER_ID,  # replaced below, once the event's time is known
            sender=item.sender,
            received_at=now,
            limits=self._deps.limits,
            find_device=lambda device_id: self._deps.find_device(item.sender.site_id, device_id),
        )
        event.id = deterministic_event_id(event.occurred_at, digest)
        return event

    def parse_device_message(self, topic: str, payload: bytes) -> Parsed:
        """A device's own events topic: one event or an array of them."""
        where = device_of_events_topic(topic)
        if where is None:
            return Parsed(problems=[f"topic {topic!r} is not sitewarden/<site>/<device>/events"])
        reply = errors_topic(*where)
        sender = self._deps.find_device(*where)
        if sender is None:
            return Parsed(problems=[f"device {where[1]!r} is not registered in {where[0]!r}"])
        try:
            body = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            return Parsed(problems=[f"payload is not valid JSON: {exc}"], reply_to=reply)
        raws = body if isinstance(body, list) else [body]
        if len(raws) > MAX_EVENTS_PER_MESSAGE:
            return Parsed(
                problems=[f"{len(raws)} events in one message; at most {MAX_EVENTS_PER_MESSAGE}"],
                reply_to=reply,
            )
        return Parsed(items=[Item(sender, raw) for raw in raws], reply_to=reply)

    # --- commit and acknowledgement ---------------------------------------------------
    def _wait(self, message: _Message, batch: _Batch) -> None:
        message.waiting += 1
        batch.messages.append(message)

    def _submit(self, batch: _Batch) -> None:
        batch.attempts += 1
        if batch.attempts == 1:
            for event in batch.events:
                self._pending[event.id] = batch
            self._deps.take_occupancy(batch.events)  # in memory: once, and it cannot fail
        try:
            if not batch.sealed:
                self._deps.seal(batch.events)  # may read and store keys
                batch.sealed = True
            future = self._deps.writer.submit(batch.events)  # rules may read zones' capacity
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
        self._client.ack_many(message.mid for message in messages if message.qos == 1)

    # --- notifiers -----------------------------------------------------------------
    def notify(self, changes: Sequence[AlertChange]) -> None:
        """Publish each alert change to ``sitewarden/<site>/alerts`` (QoS 1)."""
        for change in changes:
            self.publish(alerts_topic(change.alert.site_id), change.as_payload())


def _error(done: Future[list[AlertChange]]) -> BaseException | None:
    return done.exception()
