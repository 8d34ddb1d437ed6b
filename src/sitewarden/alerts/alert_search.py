"""Lists of alerts for the console and the API: filters, two orders, keyset cursors, and
how often each rule fires (so an operator sees a flooding rule at a glance)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sitewarden.alerts.lifecycle import UNACKNOWLEDGED, severities_from
from sitewarden.alerts.model import SEVERITY_RANK, Alert
from sitewarden.alerts.tables import ALERT_COLUMNS, alert_from_row
from sitewarden.db.database import Database
from sitewarden.events.model import to_micros

Order = Literal["recent", "priority"]
# The console's order (ISA-18.2): alarms still to acknowledge first, then by severity,
# then the most recent; "recent" is plain last activity.
_NEEDS_ACK = f"CASE WHEN state IN ({', '.join(repr(s) for s in UNACKNOWLEDGED)}) THEN 1 ELSE 0 END"
_SEVERITY = (
    "CASE severity "
    + " ".join(f"WHEN '{s.value}' THEN {rank}" for s, rank in SEVERITY_RANK.items())
    + " ELSE 0 END"
)
_SORT_KEYS: dict[Order, tuple[str, ...]] = {
    "recent": ("last_at", "alert_id"),
    "priority": (_NEEDS_ACK, _SEVERITY, "last_at", "alert_id"),
}


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """What a list shows; ``shelved`` True or False keeps only alerts shelved (or not)
    at ``now``; ``after`` is the sort key of the last alert of the previous page."""

    site_scope: tuple[str, ...] | None = None
    site_id: str | None = None
    states: Sequence[str] = ()
    min_severity: str | None = None
    rule_id: str | None = None
    device_id: str | None = None
    assigned_to: str | None = None
    shelved: bool | None = None
    now: datetime | None = None
    order: Order = "recent"
    after: tuple[Any, ...] | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class RuleRate:
    """A rule's recent load: alerts open now, opened since, and repeats folded into them."""

    rule_id: str
    open_now: int
    opened: int
    repeats: int


def sort_key(alert: Alert, order: Order) -> tuple[Any, ...]:
    """The values :class:`AlertFilter.after` takes to continue after ``alert``."""
    if order == "recent":
        return (to_micros(alert.last_at), alert.alert_id)
    needs_ack = 1 if alert.state in UNACKNOWLEDGED else 0
    return (needs_ack, SEVERITY_RANK[alert.severity], to_micros(alert.last_at), alert.alert_id)


class AlertSearch:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list_alerts(self, wanted: AlertFilter) -> list[Alert]:
        where, params = _where(wanted)
        keys = _SORT_KEYS[wanted.order]
        if wanted.after is not None:
            if len(wanted.after) != len(keys):
                raise ValueError("a cursor of another order")
            where.append(f"({', '.join(keys)}) < ({', '.join('?' * len(keys))})")
            params.extend(wanted.after)
        rows = self._db.read(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE {' AND '.join(where)} "
            f"ORDER BY {', '.join(key + ' DESC' for key in keys)} LIMIT ?",
            (*params, wanted.limit),
        )
        return [alert_from_row(row) for row in rows]

    def rule_rates(
        self, site_scope: tuple[str, ...] | None, site_id: str | None, since: datetime
    ) -> list[RuleRate]:
        """Per rule with any alert active now or since ``since``, busiest first."""
        where, params = _where(AlertFilter(site_scope=site_scope, site_id=site_id))
        moment = to_micros(since)
        rows = self._db.read(
            "SELECT rule_id, "
            "sum(CASE WHEN state != 'resolved' THEN 1 ELSE 0 END), "
            "sum(CASE WHEN first_at >= ? THEN 1 ELSE 0 END), "
            "sum(CASE WHEN last_at >= ? THEN count - 1 ELSE 0 END) "
            f"FROM alerts WHERE {' AND '.join(where)} AND (state != 'resolved' OR last_at >= ?) "
            "GROUP BY rule_id",
            (moment, moment, *params, moment),
        )
        rates = [RuleRate(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]
        return sorted(rates, key=lambda r: (-(r.opened + r.repeats), -r.open_now, r.rule_id))


def _where(wanted: AlertFilter) -> tuple[list[str], list[Any]]:
    where: list[str] = ["1 = 1"]
    params: list[Any] = []

    def among(column: str, values: Sequence[Any]) -> None:
        where.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)

    if wanted.site_scope is not None:
        among("site_id", wanted.site_scope)
    if wanted.site_id is not None:
        among("site_id", [wanted.site_id])
    if wanted.states:
        among("state", wanted.states)
    if wanted.min_severity is not None:
        among("severity", severities_from(wanted.min_severity))
    if wanted.rule_id is not None:
        among("rule_id", [wanted.rule_id])
    if wanted.device_id is not None:
        among("device_id", [wanted.device_id])
    if wanted.assigned_to is not None:
        among("assigned_to", [wanted.assigned_to])
    if wanted.shelved is not None:
        if wanted.now is None:
            raise ValueError("filtering by shelving needs now")
        shelved = "(shelved_until IS NOT NULL AND shelved_until > ?)"
        where.append(shelved if wanted.shelved else f"NOT {shelved}")
        params.append(to_micros(wanted.now))
    return where, params
