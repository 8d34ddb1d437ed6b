"""Declarative alert rules and the shipped default set.

A rule matches events by kind (or family, ``alarm.*``), optionally by site, zone or
device, and by conditions on attributes; with a ``window`` it fires only when
``count`` matching events fall within ``seconds`` for the same dedupe key. A matching
event for a rule with ``clear_when`` resolves the rule's open alert instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sitewarden.errors import InvalidInput
from sitewarden.events.kinds import KINDS, Severity

CAPACITY = "@capacity"  # a condition value: the zone's configured capacity

Operator = Literal["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in"]
MAX_LIST_VALUES = 1000


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    names = {str: "a text", bool: "true/false", int: "a number", float: "a number"}
    names |= {list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1, max_length=64, description="an attribute of the event")
    op: Operator
    value: Any = Field(description=f"a value, a list for in/not_in, or {CAPACITY!r}")

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        """A value the operator can use: a mistyped rule is refused when it is saved, not
        found out by the intake of every event it matches."""
        value, op = self.value, self.op
        if op in ("in", "not_in"):
            if not isinstance(value, list):
                raise ValueError(f"{op!r} needs a list of values, got {_type_name(value)}")
            if len(value) > MAX_LIST_VALUES:
                raise ValueError(f"{op!r} takes at most {MAX_LIST_VALUES} values")
            if not all(_is_scalar(item) for item in value):
                raise ValueError(f"{op!r} needs a list of texts, numbers, true/false or null")
        elif op in ("gt", "gte", "lt", "lte"):
            if not (_is_number(value) or value == CAPACITY):
                raise ValueError(f"{op!r} needs a number or {CAPACITY!r}, got {_type_name(value)}")
        elif not _is_scalar(value):
            raise ValueError(
                f"{op!r} needs one text, number, true/false or null, got {_type_name(value)}"
                + ("; use 'in' for a list" if isinstance(value, list) else "")
            )
        return self

    def holds(self, attributes: dict[str, Any], capacity: int | None) -> bool:
        actual: Any = attributes.get(self.field)
        expected: Any = capacity if self.value == CAPACITY else self.value
        if self.op == "in":
            return actual in expected
        if self.op == "not_in":
            return actual not in expected
        if self.op == "eq":
            return bool(actual == expected)
        if self.op == "ne":
            return bool(actual != expected)
        if actual is None or expected is None:
            return False
        comparisons = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        try:
            return bool(comparisons[self.op](actual, expected))
        except TypeError:
            return False


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    count: int = Field(ge=2, le=10_000)
    seconds: int = Field(ge=1, le=86_400)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    kinds: list[str] = Field(min_length=1, description="kinds, or families as 'alarm.*'")
    sites: list[str] | None = None
    zones: list[str] | None = None
    devices: list[str] | None = None
    conditions: list[Condition] = Field(default_factory=list)
    window: Window | None = None
    dedupe_by: Literal["device", "zone", "site"] = "device"
    clear_when: list[Condition] | None = Field(
        default=None, description="a matching event with these conditions resolves the alert"
    )
    enabled: bool = True

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: list[str]) -> list[str]:
        families = {kind.split(".")[0] for kind in KINDS}
        for kind in kinds:
            if kind.endswith(".*"):
                if kind[:-2] not in families:
                    raise ValueError(f"unknown kind family {kind!r}")
            elif kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}")
        return kinds

    def covers_kind(self, kind: str) -> bool:
        return kind in self.kinds or f"{kind.split('.')[0]}.*" in self.kinds


def parse_rule(raw: Any, *, name: str | None = None) -> Rule:
    """A validated rule; InvalidInput names the rule and each failing field."""
    label = name or (raw.get("rule_id") if isinstance(raw, dict) else None) or "(unnamed)"
    try:
        return Rule.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'rule'}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        raise InvalidInput(f"rule {label!r} is invalid: {problems}") from exc


def _rule(**fields: Any) -> Rule:
    return Rule.model_validate(fields)


DEFAULT_RULES: tuple[Rule, ...] = (
    _rule(
        rule_id="smoke",
        title="Smoke alarm",
        severity="critical",
        kinds=["alarm.smoke"],
        conditions=[{"field": "state", "op": "not_in", "value": ["clear", "test"]}],
        clear_when=[{"field": "state", "op": "eq", "value": "clear"}],
    ),
    _rule(
        rule_id="sprinkler",
        title="Sprinkler flowing",
        severity="critical",
        kinds=["alarm.sprinkler"],
        conditions=[{"field": "state", "op": "not_in", "value": ["clear", "test"]}],
        clear_when=[{"field": "state", "op": "eq", "value": "clear"}],
    ),
    _rule(
        rule_id="equipment-fault",
        title="Equipment fault",
        severity="major",
        kinds=["equipment.fault"],
    ),
    _rule(
        rule_id="device-offline", title="Device offline", severity="major", kinds=["device.offline"]
    ),
    _rule(
        rule_id="camera-tamper",
        title="Camera tampered with",
        severity="major",
        kinds=["camera.tamper"],
    ),
    _rule(rule_id="door-forced", title="Door forced open", severity="major", kinds=["door.forced"]),
    _rule(
        rule_id="door-held-open",
        title="Door held open over 2 minutes",
        severity="minor",
        kinds=["door.held_open"],
        conditions=[{"field": "open_seconds", "op": "gte", "value": 120}],
    ),
    _rule(
        rule_id="repeated-denials",
        title="Repeated access denials at a door",
        severity="major",
        kinds=["access.denied"],
        window={"count": 3, "seconds": 60},
    ),
    _rule(
        rule_id="barred-person",
        title="Barred person at a reader",
        severity="critical",
        kinds=["access.denied"],
        conditions=[{"field": "reason", "op": "eq", "value": "barred"}],
    ),
    _rule(
        rule_id="barred-vehicle",
        title="Barred vehicle at a gate",
        severity="critical",
        kinds=["parking.denied"],
        conditions=[{"field": "reason", "op": "in", "value": ["deny_list", "barred"]}],
    ),
    _rule(
        rule_id="unpaid-exit",
        title="Vehicle leaving unpaid",
        severity="major",
        kinds=["parking.unpaid_exit"],
    ),
    _rule(
        rule_id="over-capacity",
        title="Zone over capacity",
        severity="major",
        kinds=["occupancy.count"],
        dedupe_by="zone",
        conditions=[{"field": "count", "op": "gt", "value": CAPACITY}],
        clear_when=[{"field": "count", "op": "lte", "value": CAPACITY}],
    ),
    _rule(
        rule_id="lookup-burst",
        title="Burst of plate or ID lookups",
        severity="major",
        kinds=["security.lookup_burst"],
        dedupe_by="site",
    ),
)


@dataclass(frozen=True, slots=True)
class BrokenRule:
    """A saved rule that does not validate (saved before a check existed, or written to
    the database by hand): it is left out and reported, never run."""

    rule_id: str
    problem: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: list[Rule]
    broken: list[BrokenRule]


def rule_set(stored: Iterable[tuple[str, str]]) -> RuleSet:
    """The rules in force from (rule id, JSON definition) pairs saved by administrators:
    one broken definition is set aside, never a reason to stop loading the others."""
    good: list[Rule] = []
    broken: list[BrokenRule] = []
    for rule_id, definition in stored:
        try:
            good.append(parse_rule(orjson.loads(definition), name=rule_id))
        except orjson.JSONDecodeError as exc:
            broken.append(BrokenRule(rule_id, f"rule {rule_id!r} is not valid JSON: {exc}"))
        except InvalidInput as exc:
            broken.append(BrokenRule(rule_id, exc.message))
    return RuleSet(effective_rules(good), broken)


def effective_rules(stored: list[Rule]) -> list[Rule]:
    """Defaults, with stored rules replacing defaults of the same id or adding to them."""
    by_id = {rule.rule_id: rule for rule in DEFAULT_RULES}
    by_id.update({rule.rule_id: rule for rule in stored})
    return list(by_id.values())
