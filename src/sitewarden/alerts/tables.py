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

from sitewarden.alerts.model import Alert, AlertChange, AlertSignal, HistoryEntry, SilentDevice
from sitewarden.db.database import (
    Connection,
    Database,
    _dt,
    _must_dt,
    chunked,
    value_rows,
)
from sitewarden.events.kinds import Severity
from sitewarden.events.model import to_micros

ALERT_COLUMNS = (
    "site_id, alert_id, rule_id, dedupe_key, severity, state, title, zone_id, device_id, "
    "count, first_at, last_at, last_event_id, escalated_at, acknowledged_at, acknowledged_by, "
    "resolved_at, resolved_by"
)
SYSTEM_ACTOR = "sitewarden"
# Changes worth a webhook; repeats only update the dashboard.
NOTIFIED_CHANGES = frozenset({"opened", "acknowledged", "resolved", "escalated"})
SEVERITY_ORDER = ["info", "minor", "major", "critical"]
# Told to other nodes (PostgreSQL) when an administrator changes the alert rules.
RULES_CHANGED: dict[str, Any] = {"rules": "changed"}
BACK_ONLINE_CHUNK = 400
# Alert conditions per statement when a batch's rule verdicts land (12 values each).
FIRE_CHUNK = 200


def _condition(signal: AlertSignal) -> tuple[str, str, str]:
    """What an open alert is unique by: one per site, rule and dedupe key."""
    return (signal.site_id, signal.rule_id, signal.dedupe_key)


def _rounds(signals: Sequence[AlertSignal]) -> list[list[list[AlertSignal]]]:
    """``signals`` as rounds of steps, each step one condition's run of consecutive fires
    or a single clear. Round n holds every condition's n-th step, so applying the rounds
    in order keeps each condition's own order; conditions are independent of each other."""
    steps: dict[tuple[str, str, str], list[list[AlertSignal]]] = {}
    for signal in signals:
        mine = steps.setdefault(_condition(signal), [])
        if signal.action == "fire" and mine and mine[-1][-1].action == "fire":
            mine[-1].append(signal)
        else:
            mine.append([signal])
    depth = max((len(mine) for mine in steps.values()), default=0)
    return [[mine[n] for mine in steps.values() if n < len(mine)] for n in range(depth)]


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
        for steps in _rounds(signals):
            fires = [step for step in steps if step[0].action == "fire"]
            changes += self._fire_runs(conn, fires, now)
            for step in steps:
                if step[0].action == "clear":
                    note = f"cleared by event {step[0].event_id}"
                    change = self._clear(conn, step[0], now, note)
                    if change is not None:
                        changes.append(change)
        self._queue_deliveries(conn, changes, now)
        return changes

    def _fire_runs(
        self, conn: Connection, runs: Sequence[Sequence[AlertSignal]], now: datetime
    ) -> list[AlertChange]:
        """Repeat each run's open alert, or open one (with its first history entry); at
        most one run per condition."""
        changes: list[AlertChange] = []
        repeated: set[tuple[str, str, str]] = set()
        for chunk in chunked(runs, FIRE_CHUNK):
            rows = conn.execute(
                "UPDATE alerts SET count = count + fired.column4, "
                "last_at = CASE WHEN last_at > fired.column5 THEN last_at ELSE fired.column5 END, "
                f"last_event_id = fired.column6 FROM (VALUES {value_rows(6, len(chunk))}) "
                "AS fired WHERE site_id = fired.column1 AND rule_id = fired.column2 "
                f"AND dedupe_key = fired.column3 AND state != 'resolved' RETURNING {ALERT_COLUMNS}",
                [
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
                ],
            ).fetchall()
            for row in rows:
                alert = alert_from_row(row)
                repeated.add((alert.site_id, alert.rule_id, alert.dedupe_key))
                changes.append(AlertChange("repeated", alert))
        opening = [run for run in runs if _condition(run[0]) not in repeated]
        for chunk in chunked(opening, FIRE_CHUNK):
            rows = conn.execute(
                f"INSERT INTO alerts ({ALERT_COLUMNS}) VALUES "
                + ", ".join(
                    ["(?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL)"]
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
            opener = {_condition(run[0]): run[0].event_id for run in chunk}
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

    def _clear(
        self, conn: Connection, signal: AlertSignal, now: datetime, note: str
    ) -> AlertChange | None:
        row = conn.execute(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ? "
            "WHERE site_id = ? AND rule_id = ? AND dedupe_key = ? AND state != 'resolved' "
            f"RETURNING {ALERT_COLUMNS}",
            (to_micros(now), SYSTEM_ACTOR, signal.site_id, signal.rule_id, signal.dedupe_key),
        ).fetchone()
        if row is None:
            return None
        alert = alert_from_row(row)
        self._history(conn, alert.site_id, alert.alert_id, now, SYSTEM_ACTOR, "resolved", note)
        return AlertChange("resolved", alert)

    def _history(
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

    def _queue_deliveries(
        self, conn: Connection, changes: Sequence[AlertChange], now: datetime
    ) -> None:
        if changes and self._db.broadcasts:
            self._db.broadcast(conn, [{"change": change.as_payload()} for change in changes])
        notable = [c for c in changes if c.kind in NOTIFIED_CHANGES]
        if not notable:
            return
        hooks = conn.execute(
            "SELECT webhook_id, site_id, min_severity FROM webhooks WHERE enabled = 1"
        ).fetchall()
        rows = []
        for change in notable:
            rank = SEVERITY_ORDER.index(change.alert.severity.value)
            for webhook_id, site_id, min_severity in hooks:
                if site_id is not None and site_id != change.alert.site_id:
                    continue
                if rank < SEVERITY_ORDER.index(min_severity):
                    continue
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

    def back_online(
        self, conn: Connection, keys: Sequence[tuple[str, str]], now: datetime
    ) -> list[AlertChange]:
        """Devices heard from again: mark online; resolve their offline alert."""
        changes: list[AlertChange] = []
        returned: set[tuple[str, str]] = set()
        # One statement per chunk, not per device: on PostgreSQL each is a round trip.
        for chunk in chunked(keys, BACK_ONLINE_CHUNK):
            rows = conn.execute(
                "UPDATE devices SET health = 'online', health_changed_at = ? "
                "WHERE health != 'online' AND (site_id, device_id) IN "
                f"(VALUES {value_rows(2, len(chunk))}) RETURNING site_id, device_id",
                (to_micros(now), *(part for key in chunk for part in key)),
            ).fetchall()
            returned.update((row[0], row[1]) for row in rows)
        for site_id, device_id in keys:
            if (site_id, device_id) not in returned:
                continue
            signal = AlertSignal(
                "clear",
                "device-offline",
                "",
                Severity.MAJOR,
                site_id,
                f"device:{device_id}",
                None,
                device_id,
                uuid.UUID(int=0),
                now,
            )
            change = self._clear(conn, signal, now, "device back online")
            if change is not None:
                changes.append(change)
        self._queue_deliveries(conn, changes, now)
        return changes

    def mark_offline(
        self,
        conn: Connection,
        site_id: str,
        device_id: str,
        deadline: datetime,
        now: datetime,
    ) -> bool:
        """Offline only if still silent since before ``deadline`` (a heartbeat may have won)."""
        row = conn.execute(
            "UPDATE devices SET health = 'offline', health_changed_at = ? "
            "WHERE site_id = ? AND device_id = ? AND health != 'offline' "
            "AND coalesce(last_seen_at, created_at) < ? RETURNING 1",
            (to_micros(now), site_id, device_id, to_micros(deadline)),
        ).fetchone()
        return row is not None

    # --- reads and operator actions ---------------------------------------------------
    def silent_devices(self, now: datetime, factor: float) -> list[SilentDevice]:
        """Devices heard from once, silent past their deadline, not yet marked offline."""
        rows = self._db.read(
            "SELECT site_id, device_id, zone_id, last_seen_at, last_seen_at + "
            "CAST(heartbeat_s * ? * 1000000 AS BIGINT) AS deadline FROM devices "
            "WHERE health != 'offline' AND last_seen_at IS NOT NULL AND "
            "last_seen_at + CAST(heartbeat_s * ? * 1000000 AS BIGINT) < ?",
            (factor, factor, to_micros(now)),
        )
        return [
            SilentDevice(row[0], row[1], row[2], _must_dt(row[3]), _must_dt(row[4])) for row in rows
        ]

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

    def list_alerts(
        self,
        *,
        site_scope: tuple[str, ...] | None,
        site_id: str | None,
        states: Sequence[str],
        min_severity: str | None,
        rule_id: str | None,
        before: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Alert]:
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if site_scope is not None:
            where.append(f"site_id IN ({', '.join('?' * len(site_scope))})")
            params.extend(site_scope)
        if site_id is not None:
            where.append("site_id = ?")
            params.append(site_id)
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        if min_severity is not None:
            allowed = SEVERITY_ORDER[SEVERITY_ORDER.index(min_severity) :]
            where.append(f"severity IN ({', '.join('?' * len(allowed))})")
            params.extend(allowed)
        if rule_id is not None:
            where.append("rule_id = ?")
            params.append(rule_id)
        if before is not None:
            where.append("(last_at, alert_id) < (?, ?)")
            params.extend((to_micros(before[0]), before[1]))
        rows = self._db.read(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {' AND '.join(where)} "
            "ORDER BY last_at DESC, alert_id DESC LIMIT ?",
            (*params, limit),
        )
        return [alert_from_row(row) for row in rows]

    def alert_history(self, site_id: str, alert_id: str) -> list[HistoryEntry]:
        rows = self._db.read(
            "SELECT seq, at, actor, action, note FROM alert_history WHERE site_id = ? AND "
            "alert_id = ? ORDER BY seq",
            (site_id, alert_id),
        )
        return [HistoryEntry(r[0], _must_dt(r[1]), r[2], r[3], r[4]) for r in rows]

    def change_alert_state(
        self,
        site_id: str,
        alert_id: str,
        action: str,
        actor: str,
        note: str | None,
        now: datetime,
    ) -> AlertChange | None:
        """``acknowledge`` (from open) or ``resolve`` (from open or acknowledged)."""
        if action == "acknowledge":
            sql = (
                "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, "
                "acknowledged_by = ? WHERE site_id = ? AND alert_id = ? AND state = 'open' "
            )
            kind = "acknowledged"
        else:
            sql = (
                "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolved_by = ? "
                "WHERE site_id = ? AND alert_id = ? AND state != 'resolved' "
            )
            kind = "resolved"
        with self._db.transaction() as conn:
            row = conn.execute(
                sql + f"RETURNING {ALERT_COLUMNS}", (to_micros(now), actor, site_id, alert_id)
            ).fetchone()
            if row is None:
                return None
            change = AlertChange(kind, alert_from_row(row))  # type: ignore[arg-type]
            self._history(conn, site_id, alert_id, now, actor, kind, note)
            self._queue_deliveries(conn, [change], now)
            return change

    def escalate_alerts(self, older_than: datetime, now: datetime) -> list[AlertChange]:
        """Critical alerts still open (unacknowledged) since before ``older_than``."""
        with self._db.transaction() as conn:
            rows = conn.execute(
                "UPDATE alerts SET escalated_at = ? WHERE state = 'open' AND severity = "
                "'critical' AND escalated_at IS NULL AND first_at < ? "
                f"RETURNING {ALERT_COLUMNS}",
                (to_micros(now), to_micros(older_than)),
            ).fetchall()
            changes = [AlertChange("escalated", alert_from_row(row)) for row in rows]
            for change in changes:
                self._history(
                    conn,
                    change.alert.site_id,
                    change.alert.alert_id,
                    now,
                    SYSTEM_ACTOR,
                    "escalated",
                    "critical and unacknowledged",
                )
            self._queue_deliveries(conn, changes, now)
            return changes

    # --- rules --------------------------------------------------------------------------
    def stored_rules(self) -> list[tuple[str, str]]:
        """(rule id, JSON definition) of the rules administrators saved."""
        return [(r[0], r[1]) for r in self._db.read("SELECT rule_id, definition FROM alert_rules")]

    def save_rule(self, rule_id: str, definition: str, actor: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO alert_rules VALUES (?, ?, ?, ?) ON CONFLICT (rule_id) DO UPDATE "
                "SET definition = excluded.definition, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (rule_id, definition, to_micros(now), actor),
            )
            self._db.broadcast(conn, [RULES_CHANGED])

    def delete_rule(self, rule_id: str) -> int:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM alert_rules WHERE rule_id = ?", (rule_id,))
            self._db.broadcast(conn, [RULES_CHANGED])
            return int(deleted.rowcount)
