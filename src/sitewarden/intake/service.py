"""The one way accepted events reach the database, whoever received them.

HTTP batches (``api/event_routes.py``), MQTT messages (``intake/mqtt_intake.py``), the
parking gates and the access readers all hand their validated events here:

1. **count**: occupancy takes Wi-Fi hashes out of events into memory and notes people
   counts (memory only, it cannot fail);
2. **seal**: the vault seals each event's personal part under its subject's data key
   (it may read and store keys);
3. **judge and write**: the event writer judges the alert rules over the batch as it
   is queued, then commits the events with their devices' last-seen times, the alert
   changes and the webhook outbox in one durable transaction;
4. **notify**: once committed, the writer hands the alert changes to the live hub,
   the webhook dispatcher and MQTT.

Counting and sealing are handed in by the runtime (occupancy and the vault), so that
intake depends on neither alerts nor occupancy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from sitewarden.events.model import Event
from sitewarden.intake.writer import EventWriter

Step = Callable[[list[Event]], None]


class Intake:
    """Counts, seals and writes accepted events (see the module's docstring)."""

    def __init__(self, writer: EventWriter[Any, Any], seal: Step, count: Step) -> None:
        self.writer = writer
        self.seal = seal
        self.count = count

    def prepare(self, events: list[Event]) -> None:
        """Count, then seal: what every batch goes through before it is queued."""
        self.count(events)
        self.seal(events)

    def take(self, events: list[Event]) -> list[Any]:
        """Prepare, write and wait for the commit; the alert changes it made."""
        self.prepare(events)
        return self.writer.write_sync(events)

    def submit(self, events: Sequence[Event]) -> Future[list[Any]]:
        """Queue events already prepared; the future completes once they are committed."""
        return self.writer.submit(events)

    async def write(self, events: Sequence[Event]) -> list[Any]:
        """Queue events already prepared and wait (without blocking the event loop)."""
        return await self.writer.write(events)
