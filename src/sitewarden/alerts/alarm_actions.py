"""What operators do to an alarm: acknowledge, resolve, note, shelve, assign; and the
escalation of critical alarms nobody acknowledged. Each action is one transaction that
changes the alert, writes its history entry (who, what, when) and queues the webhooks
the change is worth (alerts/lifecycle.py says which)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sitewarden.alerts.lifecycle import SYSTEM_ACTOR
from sitewarden.alerts.model import AlertChange, ChangeKind
from sitewarden.alerts.tables import ALERT_COLUMNS, AlertTables, alert_from_row
from sitewarden.db.database import Connection, Database
from sitewarden.events.model import to_micros

_ONE = "site_id = ? AND alert_id = ?"


class AlarmActions:
    def __init__(self, db: Database, alerts: AlertTables) -> None:
        self._db = db
        self._alerts = alerts

    def change_state(
        self,
        site_id: str,
        alert_id: str,
        action: str,
        actor: str,
        note: str | None,
        now: datetime,
    ) -> AlertChange | None:
        """``acknowledge`` or ``resolve``, as TRANSITIONS allows from the alert's state;
        None if it does not apply (already acknowledged, already resolved)."""

        def move(conn: Connection) -> AlertChange | None:
            change = self._alerts.transition(conn, action, _ONE, [site_id, alert_id], actor, now)
            if change is None:
                return None
            history = [("acknowledged" if action == "acknowledge" else "resolved", note)]
            if action == "acknowledge" and change.kind == "resolved":
                history.append(("resolved", "had returned to normal before acknowledgement"))
            for done, text in history:
                self._alerts.add_history(conn, site_id, alert_id, now, actor, done, text)
            return change

        return self._in_transaction(move, now)

    def add_note(
        self, site_id: str, alert_id: str, actor: str, note: str, now: datetime
    ) -> AlertChange | None:
        """A note in the alert's history, whatever its state."""
        return self._update(
            site_id, alert_id, "count = count", [], "noted", actor, note, now, unresolved=False
        )

    def shelve(
        self, site_id: str, alert_id: str, actor: str, until: datetime, reason: str, now: datetime
    ) -> AlertChange | None:
        """Out of the sound and the banner until ``until``, with the reason; not resolved."""
        sets = "shelved_until = ?, shelved_by = ?, shelve_reason = ?"
        note = f"until {until.isoformat(timespec='minutes')}: {reason}"
        values = [to_micros(until), actor, reason]
        return self._update(site_id, alert_id, sets, values, "shelved", actor, note, now)

    def unshelve(
        self, site_id: str, alert_id: str, actor: str, now: datetime
    ) -> AlertChange | None:
        sets = "shelved_until = NULL, shelved_by = NULL, shelve_reason = NULL"
        return self._update(
            site_id, alert_id, sets, [], "unshelved", actor, None, now,
            extra="AND shelved_until IS NOT NULL",
        )  # fmt: skip

    def assign(
        self, site_id: str, alert_id: str, actor: str, assignee: str | None, now: datetime
    ) -> AlertChange | None:
        """To ``assignee`` (an operator who may handle it), or to nobody."""
        note = f"to {assignee}" if assignee else "to nobody"
        return self._update(
            site_id, alert_id, "assigned_to = ?", [assignee], "assigned", actor, note, now
        )

    def escalate(self, older_than: datetime, now: datetime) -> list[AlertChange]:
        """Critical alerts still open (unacknowledged) since before ``older_than``."""

        def escalate(conn: Connection) -> list[AlertChange]:
            rows = conn.execute(
                "UPDATE alerts SET escalated_at = ? WHERE state = 'open' AND severity = "
                "'critical' AND escalated_at IS NULL AND first_at < ? "
                f"RETURNING {ALERT_COLUMNS}",
                (to_micros(now), to_micros(older_than)),
            ).fetchall()
            changes = [AlertChange("escalated", alert_from_row(row)) for row in rows]
            for change in changes:
                alert = change.alert
                self._alerts.add_history(
                    conn, alert.site_id, alert.alert_id, now, SYSTEM_ACTOR, "escalated",
                    "critical and unacknowledged",
                )  # fmt: skip
            self._alerts.queue_deliveries(conn, changes, now)
            return changes

        with self._db.transaction() as conn:
            return escalate(conn)

    def _update(
        self,
        site_id: str,
        alert_id: str,
        sets: str,
        values: list[Any],
        kind: ChangeKind,
        actor: str,
        note: str | None,
        now: datetime,
        *,
        unresolved: bool = True,
        extra: str = "",
    ) -> AlertChange | None:
        """Set columns of one alert (unresolved ones only, unless told) with a history
        entry; None if no such alert qualifies."""
        condition = f"{_ONE} {extra}" + (" AND state != 'resolved'" if unresolved else "")

        def update(conn: Connection) -> AlertChange | None:
            row = conn.execute(
                f"UPDATE alerts SET {sets} WHERE {condition} RETURNING {ALERT_COLUMNS}",
                [*values, site_id, alert_id],
            ).fetchone()
            if row is None:
                return None
            self._alerts.add_history(conn, site_id, alert_id, now, actor, kind, note)
            return AlertChange(kind, alert_from_row(row))

        return self._in_transaction(update, now)

    def _in_transaction(
        self, work: Callable[[Connection], AlertChange | None], now: datetime
    ) -> AlertChange | None:
        with self._db.transaction() as conn:
            change = work(conn)
            if change is not None:
                self._alerts.queue_deliveries(conn, [change], now)
            return change
