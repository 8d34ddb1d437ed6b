"""The alert machinery of one process: rules, engine, notifiers, maintenance (put
together by the runtime, ``runtime/system.py``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.health import Maintenance
from sitewarden.alerts.model import AlertChange
from sitewarden.alerts.notify import LiveHub, Notifier, WebhookDispatcher
from sitewarden.alerts.rule_tables import RuleTables
from sitewarden.alerts.rules import Rule, RuleSet, rule_set
from sitewarden.errors import StoreError
from sitewarden.registry.tables import RegistryTables

# Passes other nodes' broadcasts to a callback; returns what stops listening.
ListenToOtherNodes = Callable[[Callable[[list[dict[str, Any]]], None]], Callable[[], None]]


def load_rules(rules: RuleTables) -> list[Rule]:
    """The defaults with the administrators' saved rules applied."""
    return load_rule_set(rules).rules


def load_rule_set(rules: RuleTables) -> RuleSet:
    """The rules in force and the saved ones that do not load (left out, reported)."""
    return rule_set(rules.stored_rules())


class CapacityCache:
    """Zone capacities for the over-capacity rule, refreshed every 30 s."""

    def __init__(self, registry: RegistryTables, ttl_s: float = 30.0) -> None:
        self._registry = registry
        self._ttl = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, int | None]] = {}

    def __call__(self, site_id: str, zone_id: str | None) -> int | None:
        if zone_id is None:
            return None
        cached = self._cache.get((site_id, zone_id))
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            zone = self._registry.get_zone(site_id, zone_id)
        except StoreError:
            if cached is None:
                raise
            return cached[1]  # the database is away: the capacity known lately stands
        capacity = None if zone is None else zone.capacity
        self._cache[(site_id, zone_id)] = (time.monotonic(), capacity)
        return capacity


@dataclass
class AlertSystem:
    rules: RuleTables
    listen_to_other_nodes: ListenToOtherNodes
    engine: AlertEngine
    hub: LiveHub
    webhooks: WebhookDispatcher
    maintenance: Maintenance
    notifiers: list[Notifier] = field(default_factory=list)
    stop_listening: Callable[[], None] | None = None

    def announce(self, changes: Sequence[AlertChange]) -> None:
        """Hand changes made outside the writer (acknowledge, resolve) to every notifier."""
        for notifier in self.notifiers:
            notifier.notify(changes)

    def engine_rules(self) -> list[Rule]:
        return load_rules(self.rules)

    def reload_rules(self) -> list[Rule]:
        loaded = load_rule_set(self.rules)
        self.engine.set_rules(loaded.rules, loaded.broken)
        return loaded.rules

    def start(self) -> None:
        self.webhooks.start()
        self.maintenance.start()
        # Several nodes on PostgreSQL: their alert changes reach this node's live
        # dashboard, and rules an administrator changed on one reload on every node.
        self.stop_listening = self.listen_to_other_nodes(self.from_other_nodes)

    def from_other_nodes(self, messages: list[dict[str, Any]]) -> None:
        self.hub.notify_payloads([m["change"] for m in messages if "change" in m])
        if any("rules" in m for m in messages):
            self.reload_rules()

    def stop(self) -> None:
        if self.stop_listening is not None:
            self.stop_listening()
        self.maintenance.stop()
        self.webhooks.stop()
