"""The maintenance loop: device health, escalation, occupancy intervals.

Device health: a device that has reported at least once and then stays silent past
``offline_after_intervals`` heartbeat intervals becomes offline: a ``device.offline``
event is stored (its time is the deadline, not the moment we noticed) and the
``device-offline`` rule opens an alert, in one transaction that re-checks the silence,
so a heartbeat that arrives meanwhile wins. The device's next message marks it online
and resolves the alert with a note.

Restarts: health is kept in the database. After downtime, the first check marks
offline every device whose deadline passed while sitewarden was down and that has not
spoken since; devices that spoke again after the restart before the first check are
simply online. Nothing is raised twice: at most one unresolved alert exists per device.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sitewarden.alerts.alarm_actions import AlarmActions
from sitewarden.alerts.batch_transaction import AlertingWriter
from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.health_tables import DeviceHealthTables
from sitewarden.alerts.model import AlertChange, OfflineTransition, SilentDevice
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event

log = logging.getLogger(__name__)


def offline_event(silent: SilentDevice, factor: float, ids: EventIdFactory, now: datetime) -> Event:
    return Event(
        id=ids.new(),
        site_id=silent.site_id,
        zone_id=silent.zone_id,
        device_id=silent.device_id,
        kind="device.offline",
        severity=Severity.MAJOR,
        occurred_at=silent.deadline,
        received_at=now,
        attributes={"last_seen": silent.last_seen_at.isoformat(), "missed_intervals": factor},
        personal=None,
        note=None,
    )


class Maintenance:
    """Every ``every_s``: devices silent too long go offline, critical alerts nobody
    acknowledged escalate (on one node of several), and this node's occupancy counts
    are flushed (``flush_counts``, handed in by the runtime)."""

    def __init__(
        self,
        alarms: AlarmActions,
        health: DeviceHealthTables,
        owns_job: Callable[[str], bool],
        writer: AlertingWriter,
        engine: AlertEngine,
        flush_counts: Callable[[datetime | None], object],
        announce: Callable[[Sequence[AlertChange]], None],
        *,
        offline_after_intervals: float,
        escalate_after: timedelta,
        every_s: float,
        ids: EventIdFactory,
    ) -> None:
        self._alarms = alarms
        self._health = health
        self._owns_job = owns_job
        self._writer = writer
        self._engine = engine
        self._flush_counts = flush_counts
        self._announce = announce
        self._factor = offline_after_intervals
        self._escalate_after = escalate_after
        self._every = every_s
        self._ids = ids
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="maintenance", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._flush_counts(None)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("maintenance pass failed; it runs again shortly")
            self._stop.wait(self._every)

    def run_once(self, now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        if self._owns_job("device-health"):  # one node of several does it
            self.check_devices(moment)
            changes = self._alarms.escalate(moment - self._escalate_after, moment)
            if changes:
                self._announce(changes)
        self._flush_counts(moment)  # this node's own counts, on every node

    def check_devices(self, now: datetime) -> None:
        transitions = []
        for silent in self._health.silent_devices(now, self._factor):
            event = offline_event(silent, self._factor, self._ids, now)
            signals = tuple(self._engine.evaluate([event]))
            transitions.append(
                OfflineTransition(silent.site_id, silent.device_id, silent.deadline, event, signals)
            )
        if transitions:
            self._writer.write_sync([], transitions)
