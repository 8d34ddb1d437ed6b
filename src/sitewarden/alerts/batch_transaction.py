"""The one transaction that lands a batch of events with everything it changes.

Events are appended, their devices' last-seen times move on, devices heard from again
come back online (their offline alert resolved), the rules' verdicts open, repeat or
clear alerts, devices found silent go offline (with their event and alert), and every
notable change queues its webhooks: all committed together, so an acknowledged event
never loses its alert and a crash never half-applies one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

from sitewarden.alerts.health_tables import DeviceHealthTables
from sitewarden.alerts.model import AlertChange, AlertSignal, OfflineTransition
from sitewarden.alerts.tables import AlertTables
from sitewarden.db.database import Database, EventRow, event_rows
from sitewarden.events.model import Event
from sitewarden.intake.event_tables import DeviceKey, EventTables
from sitewarden.intake.writer import EventWriter

# What a batch's transaction applies besides its events: the rules' verdicts, and the
# devices the health check found silent.
BatchSignal = AlertSignal | OfflineTransition
# The event writer as this process runs it: alert verdicts in, alert changes out.
AlertingWriter = EventWriter[BatchSignal, AlertChange]


class BatchTransaction:
    """Commits batches of events with their alert signals and device health."""

    def __init__(
        self, db: Database, events: EventTables, alerts: AlertTables, health: DeviceHealthTables
    ) -> None:
        self._db = db
        self._events = events
        self._alerts = alerts
        self._health = health

    def insert_events(
        self,
        events: Sequence[Event],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal] = (),
        offline: Sequence[OfflineTransition] = (),
    ) -> list[AlertChange]:
        """Store ``events``, mark devices seen, apply alert signals and offline
        transitions, all in one durable transaction; return the alert changes."""
        return self.insert_event_rows(event_rows(events), last_seen, signals, offline)

    def insert_event_rows(
        self,
        rows: Sequence[EventRow],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[AlertSignal] = (),
        offline: Sequence[OfflineTransition] = (),
    ) -> list[AlertChange]:
        """:meth:`insert_events` for events already turned into rows by :func:`event_rows`
        (what a writer in another process receives)."""
        now = datetime.now(UTC)
        with self._db.transaction() as conn:
            self._events.append(conn, rows)
            self._events.mark_seen(conn, last_seen)
            changes = self._health.back_online(conn, list(last_seen), now)
            changes += self._alerts.apply_signals(conn, signals, now)
            for transition in offline:
                if self._health.mark_offline(
                    conn, transition.site_id, transition.device_id, transition.deadline, now
                ):
                    self._events.append(conn, event_rows([transition.event]))
                    changes += self._alerts.apply_signals(conn, transition.signals, now)
        return changes


def split_signals(
    signals: Sequence[BatchSignal],
) -> tuple[list[AlertSignal], list[OfflineTransition]]:
    """The rules' verdicts and the offline transitions, each in its own order."""
    offline = [s for s in signals if isinstance(s, OfflineTransition)]
    return [s for s in signals if not isinstance(s, OfflineTransition)], offline


class BatchSink:
    """Commit in this process; rows are made as batches are submitted, so the writer's
    transaction (a COPY on PostgreSQL) does not wait for them."""

    def __init__(self, batches: BatchTransaction) -> None:
        self._batches = batches

    def prepare(self, events: Sequence[Event]) -> object:
        return event_rows(events)

    def insert_prepared(
        self,
        batches: Sequence[object],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[BatchSignal],
    ) -> list[AlertChange]:
        rows = [row for batch in batches for row in cast(Sequence[EventRow], batch)]
        verdicts, offline = split_signals(signals)
        return self._batches.insert_event_rows(rows, last_seen, verdicts, offline)
