"""Commands to devices: each gate and door decision, on the device's ``commands`` topic.

A barrier or door controller on MQTT subscribes to ``sitewarden/<site>/<device>/commands``
(its ACL lets it read nothing else) and acts on ``{"command": "open" | "deny", ...}``.
This also reaches a lane after the camera's own request has long been answered, e.g.
when an operator confirms a plate from the review queue. Commands carry no personal
fields: no plate, no name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sitewarden.access.decisions import Decision
from sitewarden.ingest.mqtt_topics import commands_topic
from sitewarden.parking.decisions import GateDecision

Publish = Callable[[str, dict[str, Any]], None]


def gate_command(decision: GateDecision) -> dict[str, Any]:
    return {
        "command": "open" if decision.open else "deny",
        "reason": decision.reason,
        "direction": decision.direction,
        "session_id": decision.session_id,
        "review_id": decision.review_id,
        "event_id": decision.event_id,
        "duplicate": decision.duplicate,
        "at": datetime.now(UTC).isoformat(),
    }


def door_command(decision: Decision) -> dict[str, Any]:
    return {
        "command": "open" if decision.granted else "deny",
        "reason": decision.reason,
        "direction": decision.direction,
        "credential": decision.credential,
        "event_id": decision.event_id,
        "at": datetime.now(UTC).isoformat(),
    }


class CommandPublisher:
    """Listens to the gates and the access desk; publishes each decision (QoS 1)."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish

    def gate(self, decision: GateDecision) -> None:
        self._publish(commands_topic(decision.site_id, decision.device_id), gate_command(decision))

    def door(self, decision: Decision) -> None:
        self._publish(commands_topic(decision.site_id, decision.device_id), door_command(decision))
