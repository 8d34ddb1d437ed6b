"""What an MQTT message holds: its events, attributed to a device, before validation.

A message on a device's own events topic holds one event or a JSON array of them, in
the format of ``POST /api/v1/events``; the device is the one the topic names (the
broker's ACL lets a device publish only under its own topic). A handler turns a
message into ``Item``s and the problems of the parts it refused (the events topic has
one handler here, Frigate another in ``frigate.py``); each item is then validated like
an HTTP event, except that over MQTT it must carry its ``time`` and its id is derived
from the event itself (``mqtt_ids.py``). This is the format alone, apart from the
intake thread (``mqtt_intake.py``) that batches, writes and acknowledges the events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from sitewarden.events.model import Event
from sitewarden.intake.mqtt_ids import deterministic_event_id, event_digest
from sitewarden.intake.mqtt_topics import device_of_events_topic, errors_topic
from sitewarden.intake.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.registry.records import Sender

MAX_EVENTS_PER_MESSAGE = 1000
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


def parse_device_message(
    topic: str, payload: bytes, find_device: Callable[[str, str], Sender | None]
) -> Parsed:
    """A device's own events topic: one event or an array of them."""
    where = device_of_events_topic(topic)
    if where is None:
        return Parsed(problems=[f"topic {topic!r} is not sitewarden/<site>/<device>/events"])
    reply = errors_topic(*where)
    sender = find_device(*where)
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


def validate_item(
    item: Item,
    now: datetime,
    limits: IntakeLimits,
    find_device: Callable[[str, str], Sender | None],
) -> Event:
    """The event of ``item``, validated, with the id its content gives it; raises
    EventRejected."""
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
        limits=limits,
        find_device=lambda device_id: find_device(item.sender.site_id, device_id),
    )
    event.id = deterministic_event_id(event.occurred_at, digest)
    return event
