"""What happens to an alert, as plain policy: how its state moves (ISA-18.2), which
changes are told to webhooks, who is told at which severity, and how a batch's rule
verdicts are ordered.

``alerts/tables.py`` applies this inside the events transaction; nothing here touches
the database, so the policy can be read (and tested) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sitewarden.alerts.model import SEVERITY_RANK, AlertChange, AlertSignal, AlertState

SYSTEM_ACTOR = "sitewarden"
# Changes worth a webhook; repeats, notes, shelving and assignment only update the console.
NOTIFIED_CHANGES = frozenset({"opened", "acknowledged", "returned", "resolved", "escalated"})

# How each action moves an alert (ISA-18.2 / IEC 62682): state before -> state after.
# An alarm that returns to normal before anyone acknowledged it stays in front of the
# operator ("returned") until a person acknowledges it; a new fire makes it active again.
TRANSITIONS: dict[str, dict[AlertState, AlertState]] = {
    "fire": {"returned": "open"},  # open and acknowledged alerts only count the repeat
    "clear": {"open": "returned", "acknowledged": "resolved"},
    "acknowledge": {"open": "acknowledged", "returned": "resolved"},
    "resolve": {"open": "resolved", "acknowledged": "resolved", "returned": "resolved"},
}
# Alarms a person still has to acknowledge.
UNACKNOWLEDGED: tuple[AlertState, ...] = ("open", "returned")
# How long an operator may shelve an alarm, in minutes (a shift at most).
SHELVE_LIMIT_MINUTES = 12 * 60


def next_state(action: str, state: AlertState) -> AlertState | None:
    """The state ``action`` moves an alert in ``state`` to; None: the action does not
    apply (an acknowledged alarm cannot be acknowledged again)."""
    return TRANSITIONS[action].get(state)


def state_case(action: str) -> tuple[str, list[str]]:
    """SQL for ``action``'s transitions: a ``CASE state ... END`` giving the new state, and
    the states it applies to, as bind parameters in order (the CASE's, then the IN list's).
    The SQL is generated from :data:`TRANSITIONS`, so the policy is written once."""
    moves = TRANSITIONS[action]
    case = "CASE state " + " ".join("WHEN ? THEN ?" for _ in moves) + " END"
    return case, [part for move in moves.items() for part in move]


def change_kind_of(action: str, after: AlertState) -> str:
    """What a notifier is told when ``action`` left an alert in state ``after``."""
    if action == "fire":
        return "repeated"
    return {"acknowledged": "acknowledged", "returned": "returned"}.get(after, "resolved")


# Severities from least to most severe, by the one ranking (alerts/model.py).
SEVERITY_ORDER = [s.value for s in sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__)]


class WebhookTarget(NamedTuple):
    """An enabled webhook as the outbox sees it."""

    webhook_id: str
    site_id: str | None  # None: told of every site
    min_severity: str


def is_notified(change: AlertChange) -> bool:
    """Whether a change is worth a webhook (repeats only update the dashboard)."""
    return change.kind in NOTIFIED_CHANGES


def severities_from(min_severity: str) -> list[str]:
    """The severities at or above ``min_severity``."""
    return SEVERITY_ORDER[SEVERITY_ORDER.index(min_severity) :]


def webhooks_told_of(change: AlertChange, hooks: Sequence[WebhookTarget]) -> list[str]:
    """The webhooks that hear of ``change``: of its site (or every site), at or above
    their minimum severity."""
    rank = SEVERITY_ORDER.index(change.alert.severity.value)
    return [
        hook.webhook_id
        for hook in hooks
        if (hook.site_id is None or hook.site_id == change.alert.site_id)
        and rank >= SEVERITY_ORDER.index(hook.min_severity)
    ]


def condition_of(signal: AlertSignal) -> tuple[str, str, str]:
    """What an open alert is unique by: one per site, rule and dedupe key."""
    return (signal.site_id, signal.rule_id, signal.dedupe_key)


def signal_rounds(signals: Sequence[AlertSignal]) -> list[list[list[AlertSignal]]]:
    """``signals`` as rounds of steps, each step one condition's run of consecutive fires
    or a single clear. Round n holds every condition's n-th step, so applying the rounds
    in order keeps each condition's own order; conditions are independent of each other."""
    steps: dict[tuple[str, str, str], list[list[AlertSignal]]] = {}
    for signal in signals:
        mine = steps.setdefault(condition_of(signal), [])
        if signal.action == "fire" and mine and mine[-1][-1].action == "fire":
            mine[-1].append(signal)
        else:
            mine.append([signal])
    depth = max((len(mine) for mine in steps.values()), default=0)
    return [[mine[n] for mine in steps.values() if n < len(mine)] for n in range(depth)]
