"""A remote unlock: an operator opens a door from the console, with a reason.

It is a decision like a reader's: an ``access.granted`` event with ``credential:
'remote'`` (no person), and the access desk's listeners are told, so where sitewarden
has a broker link the door's controller gets ``{"command": "open"}`` on its
``commands`` topic, as it does for a reader's own decision. Without a broker there is
no channel to a reader outside its own request: the unlock is then only the event and
the audit entry (docs/console.md says so). The operator's name and reason go to the
audit log, not into the event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sitewarden.access.decisions import AccessDesk, Decision, Reader
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event


def door_reader(desk: AccessDesk, site_id: str, device_id: str) -> Reader:
    """The access reader ``device_id`` of ``site_id`` (404 if none, 422 if not a reader)."""
    device = desk.data.registry.get_device(site_id, device_id)
    site = desk.data.registry.get_site(site_id)
    if device is None or site is None:
        raise NotFound(f"reader {device_id!r} not found in site {site_id!r}")
    if device.kind is not DeviceKind.ACCESS_READER:
        raise InvalidInput(f"device {device_id!r} is a {device.kind.value}, not a door's reader")
    return Reader(site.site_id, device_id, device.zone_id, device.name, site.timezone)


def remote_unlock(desk: AccessDesk, reader: Reader, direction: str = "in") -> Decision:
    """Store the unlock as an event and tell the desk's listeners (the door's command)."""
    now = datetime.now(UTC)
    event = Event(
        id=desk.ids.new(),
        site_id=reader.site_id,
        zone_id=reader.zone_id,
        device_id=reader.device_id,
        kind="access.granted",
        severity=KINDS["access.granted"].severity,
        occurred_at=now,
        received_at=now,
        attributes={
            "credential": "remote",
            "direction": direction,
            "door": reader.door[:200] or reader.device_id,
        },
        personal=None,
        note=None,
    )
    desk.intake.take([event])
    decision = Decision(
        granted=True,
        reason="remote_unlock",
        credential="remote",
        direction=direction,
        site_id=reader.site_id,
        device_id=reader.device_id,
        zone_id=reader.zone_id,
        event_id=str(event.id),
    )
    for listener in desk.listeners:
        listener(decision)
    return decision
