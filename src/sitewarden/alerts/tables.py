"""Tables of alerts and their history.

Alert signals are applied inside the same transaction as the events that caused them,
so an acknowledged event never loses its alert, and a crash never duplicates one (at
most one unresolved alert per rule and dedupe key, enforced by a unique index).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from sitewarden.alerts.lifecycle import (
    SYSTEM_ACTOR,
    TRANSITIONS,
    WebhookTarget,
    change_kind_of,
    condition_of,
    is_notified,
    signal_rounds,
    state_case,
    webhooks_told_of,
)
from sitewarden.alerts.model import Alert, AlertChange, AlertSignal, HistoryEntry
from sitewarden.db.database import Connection, Database, _dt, _must_dt, chunked, value_rows
from sitewarden.events.kinds import Severity
from sitewarden.events.model import to_micros

ALERT_COLUMNS = (
    "site_id, alert_id, rule_id, dedupe_key, severity, state, title, zone_id, device_id, "
    "count, first_at, last_at, last_event_id, escalated_at, acknowledged_at, acknowledged_by, "
    "resolved_at, resolved_by, returned_at, shelved_until, shelved_by, shelve_reason, "
    "assigned_to"
)
# Alert conditions per statement when a batch's rule verdicts land (12 values each).
FIRE_CHUNK = 200


def alert_from_row(row: Any) -> Alert:
    return Alert(
        site_id=row[0],
        alert_id=row[1],
        rule_id=row[2],
        dedupe_key=row[3],
        severity=Severity(row[4]),
        state=row[5],
        title=row[6],
        zone_id=row[7],
        device_id=row[8],
        count=row[9],
        first_at=_must_dt(row[10]),
        last_at=_must_dt(row[11]),
        last_event_id=None if row[12] is None else UUID(bytes=row[12]),
        escalated_at=_dt(row[13]),
        acknowledged_at=_dt(row[14]),
        acknowledged_by=row[15],
        resolved_at=_dt(row[16]),
        resolved_by=row[17],
        returned_at=_dt(row[18]),
        shelved_until=_dt(row[19]),
        shelved_by=row[20],
        shelve_reason=row[21],
        assigned_to=row[22],
    )


class AlertTables:
    """Alerts: opened, repeated, cleared by signals; read and changed by operators."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- applied inside the events transaction ---------------------------------------
    def apply_signals(
        self, conn: Connection, signals: Sequence[AlertSignal], now: datetime
    ) -> list[AlertChange]:
        """Apply rule verdicts in order per condition. A condition's consecutive fires are
        one run: one "opened" or "repeated" change carrying the run's count. All runs of a
        round land in two statements, not two per signal (round trips on PostgreSQL)."""
        changes: list[AlertChange] = []
        for steps in signal_rounds(signals):
            fires = [step for step in steps if step[0].action == "fire"]
            changes += self._fire_runs(conn, fires, now)
            for step in steps:
                if step[0].action == "clear":
                    note = f"cleared by event {step[0].event_id}"
                    change = self.clear(conn, step[0], now, note)
                    if change is not None:
                        changes.append(change)
        self.queue_deliveries(conn, changes, now)
        return changes

    def _fire_runs(
        self, conn: Connection, runs: Sequence[Sequence[AlertSignal]], now: datetime
    ) -> list[AlertChange]:
        """Repeat each run's open alert, or open one (with its first history entry); at
        most one run per condition."""
        changes: list[AlertChange] = []
        repeated: set[tuple[str, str, str]] = set()
        case, reactivating = state_case("fire")
        reactivated = f"coalesce({case}, state)"
        for chunk in chunked(runs, FIRE_CHUNK):
            rows = conn.execute(
                "UPDATE alerts SET count = count + fired.column4, "
                "last_at = CASE WHEN last_at > fired.column5 THEN last_at ELSE fired.column5 END, "
                f"last_event_id = fired.column6, state = {reactivated}, returned_at = NULL "
                f"FROM (VALUES {value_rows(6, len(chunk))}) "
                "AS fired WHERE site_id = fired.column1 AND rule_id = fired.column2 "
                f"AND dedupe_key = fired.column3 AND state != 'resolved' RETURNING {ALERT_COLUMNS}",
                [
                    *reactivating,
                    *(
                        part
                        for run in chunk
                        for part in (
                            run[0].site_id,
                            run[0].rule_id,
                            run[0].dedupe_key,
                            len(run),
                            max(to_micros(signal.at) for signal in run),
                            run[-1].event_id.bytes,
                        )
                    ),
                ],
            ).fetchall()
            for row in rows:
                alert = alert_from_row(row)
                repeated.add((alert.site_id, alert.rule_id, alert.dedupe_key))
                changes.append(AlertChange("repeated", alert))
        opening = [run for run in runs if condition_of(run[0]) not in repeated]
        for chunk in chunked(opening, FIRE_CHUNK):
            rows = conn.execute(
                f"INSERT INTO alerts ({ALERT_COLUMNS}) VALUES "
                + ", ".join(
                    ["(?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?" + ", NULL" * 10 + ")"]
                    * len(chunk)
                )
                + f" RETURNING {ALERT_COLUMNS}",
                [
                    part
                    for run in chunk
                    for part in (
                        run[0].site_id,
                        uuid.uuid4().hex,
                        run[0].rule_id,
                        run[0].dedupe_key,
                        run[0].severity.value,
                        run[0].title,
                        run[0].zone_id,
                        run[0].device_id,
                        len(run),
                        to_micros(run[0].at),
                        max(to_micros(signal.at) for signal in run),
                        run[-1].event_id.bytes,
                    )
                ],
            ).fetchall()
            opened = [alert_from_row(row) for row in rows]
            changes += [AlertChange("opened", alert) for alert in opened]
            opener = {condition_of(run[0]): run[0].event_id for run in chunk}
            conn.execute(
                f"INSERT INTO alert_history VALUES {value_rows(7, len(opened))}",
                [
                    part
                    for alert in opened
                    for part in (
                        alert.site_id,
                        alert.alert_id,
                        1,  # a new alert's first entry
                        to_micros(now),
                        SYSTEM_ACTOR,
                        "opened",
                        f"by event {opener[(alert.site_id, alert.rule_id, alert.dedupe_key)]}",
                    )
                ],
            )
        return changes

    def clear(
        self, conn: Connection, signal: AlertSignal, now: datetime, note: str
    ) -> AlertChange | None:
        """The condition returned to normal: an acknowledged alert is resolved, an
        unacknowledged one waits for a person as "returned" (alerts/lifecycle.py)."""
        where = "site_id = ? AND rule_id = ? AND dedupe_key = ?"
        change = self.transition(
            conn, "clear", where, [signal.site_id, signal.rule_id, signal.dedupe_key],
            SYSTEM_ACTOR, now,
        )  # fmt: skip
        if change is not None:
            action = change.kind
            self.add_history(
                conn, change.site_id, change.alert.alert_id, now, SYSTEM_ACTOR, action, note
            )
        return change

    def transition(
        self,
        conn: Connection,
        action: str,
        where: str,
        params: Sequence[Any],
        actor: str,
        now: datetime,
    ) -> AlertChange | None:
        """Move the alert ``where`` selects by ``action``'s transitions (one statement,
        generated from the policy), stamping who and when for the state it lands in."""
        case, case_params = state_case(action)
        moment = to_micros(now)
        sets = [f"state = {case}"]
        values: list[Any] = [*case_params]
        for column, landed, value in (
            ("returned_at", "returned", moment),
            ("resolved_at", "resolved", moment),
            ("resolved_by", "resolved", actor),
        ):
            sets.append(f"{column} = CASE WHEN {case} = ? THEN ? ELSE {column} END")
            values += [*case_params, landed, value]
        if action == "acknowledge":  # a person saw it, whatever state it lands in
            sets.append("acknowledged_at = ?, acknowledged_by = ?")
            values += [moment, actor]
        before = list(TRANSITIONS[action])
        row = conn.execute(
            f"UPDATE alerts SET {', '.join(sets)} WHERE {where} "
            f"AND state IN ({', '.join('?' * len(before))}) RETURNING {ALERT_COLUMNS}",
            [*values, *params, *before],
        ).fetchone()
        if row is None:
            return None
        alert = alert_from_row(row)
        return AlertChange(change_kind_of(action, alert.state), alert)  # type: ignore[arg-type]

    def add_history(
        self,
        conn: Connection,
        site_id: str,
        alert_id: str,
        at: datetime,
        actor: str,
        action: str,
        note: str | None,
    ) -> None:
        conn.execute(
            "INSERT INTO alert_history SELECT ?, ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ? "
            "FROM alert_history WHERE site_id = ? AND alert_id = ?",
            (site_id, alert_id, to_micros(at), actor, action, note, site_id, alert_id),
        )

    def queue_deliveries(
        self, conn: Connection, changes: Sequence[AlertChange], now: datetime
    ) -> None:
        if changes and self._db.broadcasts:
            self._db.broadcast(conn, [{"change": change.as_payload()} for change in changes])
        notable = [c for c in changes if is_notified(c)]
        if not notable:
            return
        hooks = [
            WebhookTarget(*row)
            for row in conn.execute(
                "SELECT webhook_id, site_id, min_severity FROM webhooks WHERE enabled = 1"
            ).fetchall()
        ]
        rows = []
        for change in notable:
            for webhook_id in webhooks_told_of(change, hooks):
                rows.append(
                    (
                        uuid.uuid4().hex,
                        webhook_id,
                        change.alert.site_id,
                        change.alert.alert_id,
                        orjson.dumps(change.as_payload()).decode(),
                        "pending",
                        0,
                        to_micros(now),
                        None,
                        to_micros(now),
                        None,
                    )
                )
        conn.executemany(
            "INSERT INTO webhook_deliveries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )

    # --- reads (lists: alerts/alert_search.py; operator actions: alerts/alarm_actions.py)
    def get_alert(self, site_id: str, alert_id: str) -> Alert | None:
        row = self._db.read_one(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE site_id = ? AND alert_id = ?",
            (site_id, alert_id),
        )
        return None if row is None else alert_from_row(row)

    def find_alert(self, alert_id: str) -> Alert | None:
        row = self._db.read_one(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE alert_id = ?", (alert_id,)
        )
        return None if row is None else alert_from_row(row)

    def alert_history(self, site_id: str, alert_id: str) -> list[HistoryEntry]:
        rows = self._db.read(
            "SELECT seq, at, actor, action, note FROM alert_history WHERE site_id = ? AND "
            "alert_id = ? ORDER BY seq",
            (site_id, alert_id),
        )
        return [HistoryEntry(r[0], _must_dt(r[1]), r[2], r[3], r[4]) for r in rows]
