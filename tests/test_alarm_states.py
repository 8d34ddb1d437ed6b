"""Alarm states as ISA-18.2 / IEC 62682 has them, on both backends: a clear resolves an
acknowledged alarm but leaves an unacknowledged one "returned" until a person acknowledges
it; operators note, shelve (with a reason, for a time), assign; the console's order puts
alarms to acknowledge first, then by severity; each rule's load is counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.alerts.alert_search import AlertFilter, sort_key
from sitewarden.alerts.lifecycle import TRANSITIONS, next_state
from sitewarden.alerts.model import Alert, AlertSignal
from sitewarden.events.kinds import Severity
from sitewarden.runtime.storage import Storage
from tests.test_store import make_event

pytestmark = pytest.mark.both_backends

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _fire(store: Storage, key: str, minute: int, action: str = "fire", **kw: object) -> list[str]:
    event = make_event("a", "d1", "door.forced", T0 + timedelta(minutes=minute))
    signal = AlertSignal(
        action,  # type: ignore[arg-type]
        str(kw.get("rule", "door-forced")),
        "Door forced",
        kw.get("severity", Severity.MAJOR),  # type: ignore[arg-type]
        "a",
        key,
        "z",
        "d1",
        event.id,
        event.occurred_at,
    )
    return [change.kind for change in store.batch.insert_events([event], {}, [signal])]


def _one(store: Storage, key: str) -> Alert:
    found = store.alert_search.list_alerts(AlertFilter(site_id="a", limit=100))
    return next(alert for alert in found if alert.dedupe_key == key)


def test_the_policy_is_isa_18_2() -> None:
    assert next_state("clear", "open") == "returned"
    assert next_state("clear", "acknowledged") == "resolved"
    assert next_state("acknowledge", "returned") == "resolved"
    assert next_state("acknowledge", "acknowledged") is None
    assert next_state("fire", "returned") == "open"
    assert all("resolved" not in moves for moves in TRANSITIONS.values())  # final


def test_an_acknowledged_alarm_that_clears_is_resolved_and_the_next_fire_opens_a_new_one(
    store: Storage,
) -> None:
    assert _fire(store, "door:1", 1) == ["opened"]
    first = _one(store, "door:1")
    acked = store.alarms.change_state("a", first.alert_id, "acknowledge", "guard", "seen", T0)
    assert acked is not None and acked.kind == "acknowledged"
    assert _fire(store, "door:1", 2, "clear") == ["resolved"]
    resolved = store.alerts.get_alert("a", first.alert_id)
    assert resolved is not None and resolved.resolved_by == "sitewarden"
    assert _fire(store, "door:1", 3) == ["opened"]
    assert _one(store, "door:1").alert_id != first.alert_id


def test_a_returned_alarm_waits_for_a_person_and_acknowledging_resolves_it(
    store: Storage,
) -> None:
    _fire(store, "smoke:1", 1, severity=Severity.CRITICAL)
    assert _fire(store, "smoke:1", 2, "clear") == ["returned"]
    alert = _one(store, "smoke:1")
    now = T0 + timedelta(minutes=3)
    assert alert.state == "returned" and alert.alarm_state(now) == "returned_unacknowledged"
    assert alert.resolved_at is None
    assert _fire(store, "smoke:1", 4, "clear") == []  # already returned
    change = store.alarms.change_state("a", alert.alert_id, "acknowledge", "guard", None, now)
    assert change is not None and change.kind == "resolved"
    assert (change.alert.acknowledged_by, change.alert.resolved_by) == ("guard", "guard")
    history = store.alerts.alert_history("a", alert.alert_id)
    assert [(h.actor, h.action) for h in history] == [
        ("sitewarden", "opened"),
        ("sitewarden", "returned"),
        ("guard", "acknowledged"),
        ("guard", "resolved"),
    ]
    again = store.alarms.change_state("a", alert.alert_id, "acknowledge", "guard", None, now)
    assert again is None


def test_shelving_notes_and_assignment_are_recorded_and_shelving_ends_by_itself(
    store: Storage,
) -> None:
    _fire(store, "door:2", 1)
    alert_id = _one(store, "door:2").alert_id
    now = T0 + timedelta(minutes=2)
    until = now + timedelta(minutes=30)
    shelved = store.alarms.shelve("a", alert_id, "guard", until, "sensor being replaced", now)
    assert shelved is not None and shelved.alert.alarm_state(now) == "shelved"
    assert shelved.alert.shelve_reason == "sensor being replaced"
    assert shelved.alert.alarm_state(until) == "unacknowledged"  # the time is up
    on_shelf = AlertFilter(site_id="a", shelved=True, now=now)
    assert [a.alert_id for a in store.alert_search.list_alerts(on_shelf)] == [alert_id]
    later = AlertFilter(site_id="a", shelved=True, now=until)
    assert store.alert_search.list_alerts(later) == []
    assert store.alarms.unshelve("a", alert_id, "lead", now) is not None
    assert store.alarms.unshelve("a", alert_id, "lead", now) is None  # not shelved now
    assigned = store.alarms.assign("a", alert_id, "lead", "guard", now)
    assert assigned is not None and assigned.alert.assigned_to == "guard"
    mine = AlertFilter(site_id="a", assigned_to="guard")
    assert [a.alert_id for a in store.alert_search.list_alerts(mine)] == [alert_id]
    assert store.alarms.add_note("a", alert_id, "guard", "battery flat", now) is not None
    store.alarms.change_state("a", alert_id, "resolve", "guard", "fixed", now)
    assert store.alarms.shelve("a", alert_id, "guard", until, "late", now) is None
    assert store.alarms.add_note("a", alert_id, "lead", "checked next day", now) is not None
    history = store.alerts.alert_history("a", alert_id)
    assert [(h.action, h.note) for h in history[1:]] == [
        ("shelved", f"until {until.isoformat(timespec='minutes')}: sensor being replaced"),
        ("unshelved", None),
        ("assigned", "to guard"),
        ("noted", "battery flat"),
        ("resolved", "fixed"),
        ("noted", "checked next day"),
    ]


def test_priority_order_puts_alarms_to_acknowledge_first_then_severity_and_pages(
    store: Storage,
) -> None:
    _fire(store, "minor-new", 10, severity=Severity.MINOR)
    _fire(store, "critical-old", 1, severity=Severity.CRITICAL)
    _fire(store, "major-acked", 20, severity=Severity.MAJOR)
    _fire(store, "major-returned", 5, severity=Severity.MAJOR)
    _fire(store, "major-returned", 6, "clear", severity=Severity.MAJOR)
    acked = _one(store, "major-acked")
    store.alarms.change_state("a", acked.alert_id, "acknowledge", "guard", None, T0)
    by_priority = AlertFilter(site_id="a", order="priority", limit=100)
    order = [a.dedupe_key for a in store.alert_search.list_alerts(by_priority)]
    assert order == ["critical-old", "major-returned", "minor-new", "major-acked"]
    recent = AlertFilter(site_id="a", order="recent", limit=100)
    assert store.alert_search.list_alerts(recent)[0].dedupe_key == "major-acked"

    pages: list[str] = []
    after = None
    while True:
        page = store.alert_search.list_alerts(
            AlertFilter(site_id="a", order="priority", limit=3, after=after)
        )
        pages += [a.dedupe_key for a in page]
        if len(page) < 3:
            break
        after = sort_key(page[-1], "priority")
    assert pages == order


def test_rule_rates_count_open_opened_and_folded_repeats(store: Storage) -> None:
    for minute in range(5):
        _fire(store, "door:9", minute)  # one alarm, four repeats folded into it
    _fire(store, "smoke:9", 1, rule="smoke", severity=Severity.CRITICAL)
    _fire(store, "smoke:9", 2, "clear", rule="smoke", severity=Severity.CRITICAL)
    rates = store.alert_search.rule_rates(None, "a", T0 - timedelta(hours=1))
    assert [(r.rule_id, r.open_now, r.opened, r.repeats) for r in rates] == [
        ("door-forced", 1, 1, 4),
        ("smoke", 1, 1, 0),  # returned is not resolved: still open for the operator
    ]
    assert store.alert_search.rule_rates(None, "a", T0 + timedelta(hours=1))[0].opened == 0
