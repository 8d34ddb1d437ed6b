"""Commands to devices: each gate and door decision, on the device's ``commands`` topic.

A barrier or door controller on MQTT subscribes to ``sitewarden/<site>/<device>/commands``
(its ACL lets it read nothing else) and acts on ``{"command": "open" | "deny", ...}``.
This also reaches a lane after the camera's own request has long been answered, e.g.
when an operator confirms a plate from the review queue. Commands carry no personal
fields: no plate, no name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sitewarden.intake.mqtt_topics import commands_topic

Publish = Callable[[str, dict[str, Any]], None]


class DeviceDecision(Protocol):
    """A decision a device acts on: a gate's or a door's (each says its own command)."""

    @property
    def site_id(self) -> str: ...
    @property
    def device_id(self) -> str: ...
    def as_command(self) -> dict[str, Any]: ...


class CommandPublisher:
    """Listens to the gates and the access desk; publishes each decision (QoS 1)."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish

    def decision(self, decision: DeviceDecision) -> None:
        self._publish(commands_topic(decision.site_id, decision.device_id), decision.as_command())
