"""Each default rule fires on the right events and not on near-misses; windows count
exactly; bad rules are refused with the rule and field named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.rules import DEFAULT_RULES, Condition, Rule, parse_rule, rule_set
from sitewarden.errors import InvalidInput
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import KINDS
from sitewarden.events.model import Event

IDS = EventIdFactory()
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def event(
    kind: str, at: datetime = T0, device: str = "d1", zone: str = "z1", **attributes: Any
) -> Event:
    return Event(
        IDS.new(), "s", zone, device, kind, KINDS[kind].severity, at, at, attributes, None, None
    )


def verdicts(engine: AlertEngine, *events: Event) -> list[tuple[str, str]]:
    return [(s.rule_id, s.action) for s in engine.evaluate(events)]


def test_every_rule_kind_is_covered_by_the_defaults() -> None:
    ids = {rule.rule_id for rule in DEFAULT_RULES}
    assert {
        "smoke",
        "sprinkler",
        "equipment-fault",
        "device-offline",
        "camera-tamper",
        "door-forced",
        "door-held-open",
        "repeated-denials",
        "barred-person",
        "barred-vehicle",
        "unpaid-exit",
        "over-capacity",
        "lookup-burst",
    } == ids


@pytest.mark.parametrize(
    ("fires", "misses"),
    [
        (event("alarm.smoke"), event("alarm.smoke", state="test")),
        (event("alarm.smoke", state="alarm"), event("alarm.sprinkler", state="test")),
        (event("alarm.sprinkler"), event("alarm.sprinkler", state="test")),
        (event("equipment.fault", equipment="lift 2"), event("device.heartbeat")),
        (event("device.offline"), event("device.heartbeat")),
        (event("camera.tamper", cause="covered"), event("occupancy.count", count=1)),
        (event("door.forced"), event("access.granted", credential="badge")),
        (event("door.held_open", open_seconds=120), event("door.held_open", open_seconds=119.9)),
        (
            event("access.denied", credential="face", reason="barred"),
            event("access.denied", credential="face", reason="expired"),
        ),
        (event("parking.denied", reason="deny_list"), event("parking.denied", reason="full")),
        (event("parking.unpaid_exit", fee_minor=1200), event("parking.exit", fee_minor=0)),
    ],
)
def test_default_rule_fires_and_near_miss_does_not(fires: Event, misses: Event) -> None:
    engine = AlertEngine(DEFAULT_RULES)
    assert [action for _, action in verdicts(engine, fires)] == ["fire"]
    assert verdicts(engine, misses) == []


def test_smoke_clear_resolves() -> None:
    engine = AlertEngine(DEFAULT_RULES)
    assert verdicts(engine, event("alarm.smoke", state="clear")) == [("smoke", "clear")]


def test_over_capacity_uses_the_zone_capacity() -> None:
    engine = AlertEngine(DEFAULT_RULES, lambda site, zone: 10 if zone == "lobby" else None)
    assert verdicts(engine, event("occupancy.count", zone="lobby", count=11)) == [
        ("over-capacity", "fire")
    ]
    assert verdicts(engine, event("occupancy.count", zone="lobby", count=10)) == [
        ("over-capacity", "clear")
    ]
    assert verdicts(engine, event("occupancy.count", zone="hall", count=999)) == []


@given(st.lists(st.integers(min_value=0, max_value=600), min_size=1, max_size=40))
def test_repeated_denials_fire_exactly_when_three_fall_within_sixty_seconds(
    offsets: list[int],
) -> None:
    engine = AlertEngine(DEFAULT_RULES)
    times = sorted(offsets)
    for index, offset in enumerate(times):
        at = T0 + timedelta(seconds=offset)
        fired = verdicts(engine, event("access.denied", at=at, credential="badge"))
        recent = [t for t in times[: index + 1] if offset - 60 < t <= offset]
        assert (fired == [("repeated-denials", "fire")]) == (len(recent) >= 3)


@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=3))
def test_windows_are_kept_apart_per_door(per_door: int, other: int) -> None:
    engine = AlertEngine(DEFAULT_RULES)
    fired = []
    for index in range(per_door):
        fired += verdicts(
            engine,
            event("access.denied", at=T0 + timedelta(seconds=index), device="a", credential="pin"),
        )
    for index in range(other):
        fired += verdicts(
            engine,
            event("access.denied", at=T0 + timedelta(seconds=index), device="b", credential="pin"),
        )
    expected = max(per_door - 2, 0) + max(other - 2, 0)
    assert fired.count(("repeated-denials", "fire")) == expected


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ({"rule_id": "x", "title": "X", "severity": "loud", "kinds": ["alarm.smoke"]}, "severity"),
        ({"rule_id": "x", "title": "X", "severity": "major", "kinds": ["alarm.fire"]}, "kinds"),
        (
            {
                "rule_id": "x",
                "title": "X",
                "severity": "major",
                "kinds": ["alarm.smoke"],
                "window": {"count": 1, "seconds": 5},
            },
            "window.count",
        ),
        (
            {
                "rule_id": "x",
                "title": "X",
                "severity": "major",
                "kinds": ["alarm.smoke"],
                "conditions": [{"field": "level", "op": "approx", "value": 3}],
            },
            "conditions.0.op",
        ),
        (
            {
                "rule_id": "x",
                "title": "X",
                "severity": "major",
                "kinds": ["alarm.smoke"],
                "colour": "red",
            },
            "colour",
        ),
    ],
)
def test_bad_rules_name_the_rule_and_the_field(raw: dict[str, Any], names: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rule(raw)
    assert "rule 'x'" in caught.value.message and names in caught.value.message


RULE = {"rule_id": "x", "title": "X", "severity": "major", "kinds": ["door.forced"]}


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        ({"field": "reason", "op": "in", "value": "barred"}, "'in' needs a list of values"),
        ({"field": "reason", "op": "not_in", "value": 3}, "'not_in' needs a list of values"),
        ({"field": "reason", "op": "in", "value": [["nested"]]}, "'in' needs a list of texts"),
        ({"field": "count", "op": "gt", "value": "ten"}, "'gt' needs a number or '@capacity'"),
        ({"field": "count", "op": "lte", "value": True}, "'lte' needs a number"),
        ({"field": "reason", "op": "eq", "value": ["a", "b"]}, "use 'in' for a list"),
        ({"field": "reason", "op": "ne", "value": {"a": 1}}, "'ne' needs one text"),
    ],
)
def test_a_condition_value_that_does_not_fit_its_operator_is_refused(
    condition: dict[str, Any], words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rule({**RULE, "conditions": [condition]})
    assert "rule 'x'" in caught.value.message and "conditions.0" in caught.value.message
    assert words in caught.value.message


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "reason", "op": "in", "value": ["barred", 3, None]},
        {"field": "count", "op": "gte", "value": 2.5},
        {"field": "count", "op": "gt", "value": "@capacity"},
        {"field": "state", "op": "eq", "value": None},
    ],
)
def test_a_condition_value_that_fits_its_operator_is_kept(condition: dict[str, Any]) -> None:
    assert parse_rule({**RULE, "conditions": [condition]}).conditions[0].value == condition["value"]


def unchecked_rule(rule_id: str, condition: dict[str, Any]) -> Rule:
    """A rule as a database written by hand may hold it: never validated."""
    return Rule.model_construct(
        **{**RULE, "rule_id": rule_id}, conditions=[Condition.model_construct(**condition)]
    )


def test_a_rule_that_fails_raises_a_rule_error_and_every_other_rule_still_judges() -> None:
    bad = unchecked_rule("typo", {"field": "door", "op": "in", "value": "barred"})
    engine = AlertEngine([*DEFAULT_RULES, bad])
    first = engine.evaluate([event("door.forced"), event("door.forced", device="d2")])
    assert [(s.rule_id, s.action, s.dedupe_key) for s in first] == [
        ("door-forced", "fire", "device:d1"),
        ("rule.error", "fire", "rule:typo"),
        ("door-forced", "fire", "device:d2"),
    ]
    assert "'typo'" in first[1].title and "TypeError" in first[1].title
    # one alert per rule and site, not one per event
    assert verdicts(engine, event("door.forced")) == [("door-forced", "fire")]
    elsewhere = engine.evaluate([replace(event("door.forced"), site_id="t")])
    assert [(s.site_id, s.rule_id) for s in elsewhere] == [
        ("t", "door-forced"),
        ("t", "rule.error"),
    ]


def test_saved_rules_that_do_not_load_are_set_aside_and_reported() -> None:
    loaded = rule_set(
        [
            (
                "typo",
                orjson.dumps(
                    {
                        **RULE,
                        "rule_id": "typo",
                        "conditions": [{"field": "door", "op": "in", "value": "barred"}],
                    }
                ).decode(),
            ),
            ("garbled", "{not json"),
            ("fine", orjson.dumps({**RULE, "rule_id": "fine"}).decode()),
        ]
    )
    assert [b.rule_id for b in loaded.broken] == ["typo", "garbled"]
    assert "'in' needs a list" in loaded.broken[0].problem
    assert {r.rule_id for r in loaded.rules} == {r.rule_id for r in DEFAULT_RULES} | {"fine"}
    engine = AlertEngine(loaded.rules, broken=loaded.broken)
    signals = engine.evaluate([event("device.heartbeat")])
    assert [(s.rule_id, s.dedupe_key) for s in signals] == [
        ("rule.error", "rule:typo"),
        ("rule.error", "rule:garbled"),
    ]
    assert engine.evaluate([event("device.heartbeat")]) == []
