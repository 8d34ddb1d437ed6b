"""The rule engine: events in, alert signals out. Pure and in memory.

Counting windows are kept in memory per rule and dedupe key; after a restart they
start empty (a burst that straddles a restart may need its full count again).

No rule can stop the intake: a rule that fails on an event, or a saved rule that does
not load, is logged and raised as a ``rule.error`` alert (one per rule and site), and
every other rule and the batch itself go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

from sitewarden.alerts.model import AlertSignal
from sitewarden.alerts.rules import BrokenRule, Rule
from sitewarden.errors import StoreError
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event

log = logging.getLogger(__name__)

RULE_ERROR = "rule.error"  # the rule id of the alerts about broken rules (no saved id has a dot)
RULE_ERROR_EVERY_S = 60.0  # a failing rule repeats its alert at most this often per site

CapacityLookup = Callable[[str, str | None], int | None]


def _no_capacity(site_id: str, zone_id: str | None) -> int | None:
    return None


class AlertEngine:
    def __init__(
        self,
        rules: Sequence[Rule],
        capacity_of: CapacityLookup = _no_capacity,
        broken: Sequence[BrokenRule] = (),
    ) -> None:
        self._capacity_of = capacity_of
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str, str], deque[float]] = {}
        self._by_kind: dict[str, list[Rule]] = {}
        self._for_kind: dict[str, list[Rule]] = {}  # an event kind's rules, exact and family.*
        self._broken: list[BrokenRule] = []
        self._reported: dict[tuple[str, str], float] = {}  # (site, rule) -> last rule.error
        self.set_rules(rules, broken)

    def set_rules(self, rules: Sequence[Rule], broken: Sequence[BrokenRule] = ()) -> None:
        by_kind: dict[str, list[Rule]] = defaultdict(list)
        for rule in rules:
            if rule.enabled:
                for kind in rule.kinds:
                    by_kind[kind].append(rule)
        for unloaded in broken:
            log.error("alert rule %r not loaded: %s", unloaded.rule_id, unloaded.problem)
        with self._lock:
            self._by_kind = dict(by_kind)
            self._for_kind = {}
            self._windows.clear()
            self._broken = list(broken)
            self._reported.clear()

    def evaluate(self, events: Sequence[Event]) -> list[AlertSignal]:
        signals: list[AlertSignal] = []
        with self._lock:
            for event in events:
                for broken in self._broken:
                    self._report(signals, broken.rule_id, broken.problem, event)
                rules = self._for_kind.get(event.kind)
                if rules is None:
                    rules = self._by_kind.get(event.kind, []) + self._by_kind.get(
                        f"{event.family}.*", []
                    )
                    self._for_kind[event.kind] = rules
                for rule in rules:
                    try:
                        signal = self._judge(rule, event)
                    except StoreError:
                        raise  # the database is away: the batch cannot be stored either
                    except Exception as exc:  # one rule's bug must not drop the batch
                        problem = f"{exc.__class__.__name__}: {exc}"
                        self._report(signals, rule.rule_id, problem, event)
                        continue
                    if signal is not None:
                        signals.append(signal)
        return signals

    def _report(self, signals: list[AlertSignal], rule_id: str, problem: str, event: Event) -> None:
        """A ``rule.error`` alert for ``rule_id`` on the event's site, at most once a
        minute per rule and site (a rule that fails on every event must not flood)."""
        now = time.monotonic()
        last = self._reported.get((event.site_id, rule_id))
        if last is not None and now - last < RULE_ERROR_EVERY_S:
            return
        if last is None:
            log.error("alert rule %r failed on %s: %s", rule_id, event.kind, problem)
        self._reported[(event.site_id, rule_id)] = now
        signals.append(
            AlertSignal(
                action="fire",
                rule_id=RULE_ERROR,
                title=f"Alert rule {rule_id!r} cannot run: {problem}"[:200],
                severity=Severity.MAJOR,
                site_id=event.site_id,
                dedupe_key=f"rule:{rule_id}",
                zone_id=None,
                device_id=None,
                event_id=event.id,
                at=event.occurred_at,
            )
        )

    def _judge(self, rule: Rule, event: Event) -> AlertSignal | None:
        if rule.sites is not None and event.site_id not in rule.sites:
            return None
        if rule.zones is not None and event.zone_id not in rule.zones:
            return None
        if rule.devices is not None and event.device_id not in rule.devices:
            return None
        capacity = None
        if any(c.value == "@capacity" for c in (*rule.conditions, *(rule.clear_when or ()))):
            capacity = self._capacity_of(event.site_id, event.zone_id)
        key = {
            "device": f"device:{event.device_id}",
            "zone": f"zone:{event.zone_id}",
            "site": "site",
        }[rule.dedupe_by]
        if rule.clear_when and all(c.holds(event.attributes, capacity) for c in rule.clear_when):
            return self._signal("clear", rule, event, key)
        if not all(c.holds(event.attributes, capacity) for c in rule.conditions):
            return None
        if rule.window is not None and not self._window_full(rule, event, key):
            return None
        return self._signal("fire", rule, event, key)

    def _window_full(self, rule: Rule, event: Event, key: str) -> bool:
        assert rule.window is not None
        times = self._windows.setdefault((rule.rule_id, event.site_id, key), deque())
        now = event.occurred_at.timestamp()
        times.append(now)
        while times and times[0] <= now - rule.window.seconds:
            times.popleft()
        while len(times) > rule.window.count:
            times.popleft()
        return len(times) >= rule.window.count

    @staticmethod
    def _signal(action: str, rule: Rule, event: Event, key: str) -> AlertSignal:
        return AlertSignal(
            action="fire" if action == "fire" else "clear",
            rule_id=rule.rule_id,
            title=rule.title,
            severity=rule.severity,
            site_id=event.site_id,
            dedupe_key=key,
            zone_id=event.zone_id,
            device_id=event.device_id,
            event_id=event.id,
            at=event.occurred_at,
        )
