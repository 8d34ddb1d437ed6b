"""Turn one posted JSON object into a validated :class:`Event`, or say why not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from sitewarden.events.device_kinds import DeviceKind, may_emit
from sitewarden.events.kinds import KINDS, RAISED_BY_SITEWARDEN
from sitewarden.events.model import Event
from sitewarden.events.refused import find_refused_field, refusal_message
from sitewarden.privacy.free_text import find_in_fields, find_in_text
from sitewarden.privacy.free_text import refusal as free_text_refusal
from sitewarden.registry.records import Sender

# Attributes whose schema admits no free text: salted hashes are hex by pattern, and one
# might hold a run of digits that passes a check by chance.
_STRUCTURED_ATTRIBUTES = frozenset({"hashed_ids"})


class EventRejected(Exception):
    """One event was not accepted; ``reason`` says why in a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    max_clock_skew: timedelta
    max_event_age: timedelta
    max_json_depth: int


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """One line naming each failing field, for people reading an ingest answer."""
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field for this kind"
        parts.append(f"{where}: {message}" if where else message)
    more = len(exc.errors()) - 3
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def json_depth(value: Any, limit: int) -> int:
    """Depth of nested objects/arrays in ``value``, counting stops once past ``limit``."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend(
                (child, depth + 1) for child in item.values() if isinstance(child, dict | list)
            )
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


def validate_event(
    raw: Any,
    *,
    event_id: UUID,
    sender: Sender,
    received_at: datetime,
    limits: IntakeLimits,
    find_device: Callable[[str], Sender | None],
) -> Event:
    """Validate one event posted by ``sender``; raise :class:`EventRejected` if it is bad.

    ``find_device`` resolves another device of the sender's site, for gateways.
    """
    if not isinstance(raw, dict):
        raise EventRejected(f"an event must be a JSON object, not {type(raw).__name__}")
    kind = raw.get("kind")
    spec = KINDS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise EventRejected(_unknown_kind_message(kind))
    raw.setdefault("attributes", {})
    try:
        valid = spec.adapter.validator.validate_python(raw)  # skips the wrapper's checks
    except ValidationError as exc:
        # Refused fields and deep nesting fail the strict schema too; name them plainly.
        if json_depth(raw, limits.max_json_depth) > limits.max_json_depth:
            raise EventRejected(f"nested deeper than {limits.max_json_depth} levels") from exc
        refused = find_refused_field(raw)
        if refused is not None:
            raise EventRejected(refusal_message(*refused)) from exc
        raise EventRejected(describe_validation_error(exc)) from exc

    _check_free_text(valid)
    site = valid.get("site")
    if site is not None and site != sender.site_id:
        raise EventRejected(
            f"device '{sender.device_id}' belongs to site '{sender.site_id}' "
            f"and may not post events for site '{site}'"
        )
    source = sender
    device = valid.get("device")
    if device is not None and device != sender.device_id:
        if sender.kind is not DeviceKind.GATEWAY:
            raise EventRejected(
                f"device '{sender.device_id}' may post only its own events, not "
                f"'{device}' (only gateways relay for other devices)"
            )
        relayed = find_device(device)
        if relayed is None:
            raise EventRejected(f"device '{device}' is not registered in site '{sender.site_id}'")
        source = relayed
    if spec.name in RAISED_BY_SITEWARDEN:
        raise EventRejected(f"'{spec.name}' events are raised by sitewarden itself, not devices")
    if not may_emit(source.kind, spec.name):
        raise EventRejected(
            f"device '{source.device_id}' is a {source.kind.value}, "
            f"which does not send '{spec.name}' events"
        )

    occurred_at: datetime = valid.get("time") or received_at
    if occurred_at - received_at > limits.max_clock_skew:
        ahead = int((occurred_at - received_at).total_seconds())
        raise EventRejected(
            f"time {occurred_at.isoformat()} is {ahead} s ahead of the server clock "
            f"(limit {int(limits.max_clock_skew.total_seconds())} s); fix the device clock"
        )
    if received_at - occurred_at > limits.max_event_age:
        raise EventRejected(
            f"time {occurred_at.isoformat()} is older than the "
            f"{limits.max_event_age.days}-day limit for late events"
        )
    return Event(
        id=event_id,
        site_id=source.site_id,
        zone_id=source.zone_id,
        device_id=source.device_id,
        kind=spec.name,
        severity=valid.get("severity") or spec.severity,
        occurred_at=occurred_at,
        received_at=received_at,
        attributes=valid["attributes"],
        personal=valid.get("personal") or None,
        note=valid.get("note"),
    )


def _check_free_text(valid: dict[str, Any]) -> None:
    """Notes and attributes are stored in the clear: refuse identifiers and refused
    categories hidden in them (``privacy.free_text``), naming the field, not the value."""
    note = valid.get("note")
    if note:
        finding = find_in_text(note)
        if finding is not None:
            raise EventRejected(free_text_refusal("note", finding))
    found = find_in_fields(valid["attributes"], "attributes", _STRUCTURED_ATTRIBUTES)
    if found is not None:
        raise EventRejected(free_text_refusal(*found))


def _unknown_kind_message(kind: Any) -> str:
    known = ", ".join(sorted(KINDS))
    if kind is None:
        return f"missing field 'kind'; known kinds: {known}"
    return f"unknown kind {kind!r}; known kinds: {known}"
