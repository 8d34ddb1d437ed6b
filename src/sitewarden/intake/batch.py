"""Parse a posted batch (JSON array or NDJSON) and validate each event in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from sitewarden.errors import InvalidInput, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.model import Event
from sitewarden.intake.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.registry.records import Sender

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})
JSON_TYPES = frozenset({"application/json"})


@dataclass(frozen=True)
class Rejection:
    index: int
    reason: str


@dataclass
class CheckedBatch:
    accepted: list[Event] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


def split_batch(body: bytes, content_type: str, max_events: int) -> list[Any]:
    """The batch's items; an NDJSON line that is not JSON becomes a marker, judged later."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in NDJSON_TYPES:
        lines = [line for line in body.split(b"\n") if line.strip()]
        _check_count(len(lines), max_events)
        return [_parse_line(line) for line in lines]
    if media_type in JSON_TYPES:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedRequest(f"body is not valid JSON: {exc}") from exc
        items = parsed if isinstance(parsed, list) else [parsed]
        _check_count(len(items), max_events)
        return items
    raise UnsupportedMediaType(
        f"content type {media_type or '(none)'!r} not accepted; send application/json "
        "(an array of events) or application/x-ndjson (one event a line)"
    )


def _check_count(count: int, max_events: int) -> None:
    if count == 0:
        raise InvalidInput("the batch holds no events")
    if count > max_events:
        raise PayloadTooLarge(
            f"batch of {count} events is over the limit of {max_events}; split it"
        )


def _parse_line(line: bytes) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return _InvalidLine(str(exc))


@dataclass(frozen=True)
class _InvalidLine:
    error: str


def check_batch(
    items: list[Any],
    *,
    sender: Sender,
    ids: EventIdFactory,
    limits: IntakeLimits,
    find_device: Callable[[str], Sender | None],
    received_at: datetime | None = None,
) -> CheckedBatch:
    """Validate every item; good ones get ids, bad ones a reason. Nothing is stored here."""
    now = received_at or datetime.now(UTC)
    event_ids = ids.new_batch(len(items))
    result = CheckedBatch()
    for index, (item, event_id) in enumerate(zip(items, event_ids, strict=True)):
        if isinstance(item, _InvalidLine):
            result.rejected.append(Rejection(index, f"not valid JSON: {item.error}"))
            continue
        try:
            result.accepted.append(
                validate_event(
                    item,
                    event_id=event_id,
                    sender=sender,
                    received_at=now,
                    limits=limits,
                    find_device=find_device,
                )
            )
        except EventRejected as exc:
            result.rejected.append(Rejection(index, exc.reason))
    return result
