"""Wiring of the alert machinery for one process: rules, engine, notifiers, maintenance."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sitewarden.alerts.batch_transaction import AlertingWriter
from sitewarden.alerts.engine import AlertEngine
from sitewarden.alerts.health import Maintenance
from sitewarden.alerts.model import AlertChange
from sitewarden.alerts.notify import LiveHub, Notifier, WebhookDispatcher
from sitewarden.alerts.rules import Rule, RuleSet, rule_set
from sitewarden.alerts.webhook_targets import parse_networks
from sitewarden.config import Settings
from sitewarden.errors import StoreError
from sitewarden.events.ids import EventIdFactory
from sitewarden.occupancy.aggregator import OccupancyAggregator
from sitewarden.store import Storage


def load_rules(store: Storage) -> list[Rule]:
    """The defaults with the administrators' saved rules applied."""
    return load_rule_set(store).rules


def load_rule_set(store: Storage) -> RuleSet:
    """The rules in force and the saved ones that do not load (left out, reported)."""
    return rule_set(store.rules.stored_rules())


class CapacityCache:
    """Zone capacities for the over-capacity rule, refreshed every 30 s."""

    def __init__(self, store: Storage, ttl_s: float = 30.0) -> None:
        self._store = store
        self._ttl = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, int | None]] = {}

    def __call__(self, site_id: str, zone_id: str | None) -> int | None:
        if zone_id is None:
            return None
        cached = self._cache.get((site_id, zone_id))
        if cached is not None and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            zone = self._store.registry.get_zone(site_id, zone_id)
        except StoreError:
            if cached is None:
                raise
            return cached[1]  # the database is away: the capacity known lately stands
        capacity = None if zone is None else zone.capacity
        self._cache[(site_id, zone_id)] = (time.monotonic(), capacity)
        return capacity


@dataclass
class AlertSystem:
    store: Storage
    engine: AlertEngine
    hub: LiveHub
    webhooks: WebhookDispatcher
    occupancy: OccupancyAggregator
    maintenance: Maintenance
    notifiers: list[Notifier] = field(default_factory=list)
    stop_listening: Callable[[], None] | None = None

    def announce(self, changes: Sequence[AlertChange]) -> None:
        """Hand changes made outside the writer (acknowledge, resolve) to every notifier."""
        for notifier in self.notifiers:
            notifier.notify(changes)

    def engine_rules(self) -> list[Rule]:
        return load_rules(self.store)

    def reload_rules(self) -> list[Rule]:
        loaded = load_rule_set(self.store)
        self.engine.set_rules(loaded.rules, loaded.broken)
        return loaded.rules

    def start(self) -> None:
        self.webhooks.start()
        self.maintenance.start()
        # Several nodes on PostgreSQL: their alert changes reach this node's live
        # dashboard, and rules an administrator changed on one reload on every node.
        self.stop_listening = self.store.db.listen_to_other_nodes(self.from_other_nodes)

    def from_other_nodes(self, messages: list[dict[str, Any]]) -> None:
        self.hub.notify_payloads([m["change"] for m in messages if "change" in m])
        if any("rules" in m for m in messages):
            self.reload_rules()

    def stop(self) -> None:
        if self.stop_listening is not None:
            self.stop_listening()
        self.maintenance.stop()
        self.webhooks.stop()


def build_alert_system(
    settings: Settings, store: Storage, writer: AlertingWriter, ids: EventIdFactory
) -> AlertSystem:
    loaded = load_rule_set(store)
    engine = AlertEngine(loaded.rules, CapacityCache(store), loaded.broken)
    hub = LiveHub()
    webhooks = WebhookDispatcher(
        store.webhooks,
        max_attempts=settings.webhook_max_attempts,
        allowed_networks=parse_networks(settings.webhook_allowed_networks),
    )
    occupancy = OccupancyAggregator(store.occupancy)
    notifiers: list[Notifier] = [hub, webhooks]

    def announce(changes: Sequence[AlertChange]) -> None:
        for notifier in notifiers:
            notifier.notify(changes)

    maintenance = Maintenance(
        store,
        writer,
        engine,
        occupancy,
        announce,
        offline_after_intervals=settings.offline_after_intervals,
        escalate_after=timedelta(minutes=settings.escalate_after_minutes),
        every_s=settings.health_check_interval_s,
        ids=ids,
    )
    writer.attach_judge(engine)
    writer.add_listener(announce)
    return AlertSystem(store, engine, hub, webhooks, occupancy, maintenance, notifiers)
