"""Alert lifecycle policy (alerts/lifecycle.py) read on its own, without a database:
who is told of which change, and in which order a batch's verdicts are applied."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sitewarden.alerts.lifecycle import (
    WebhookTarget,
    is_notified,
    severities_from,
    signal_rounds,
    webhooks_told_of,
)
from sitewarden.alerts.model import Alert, AlertChange, AlertSignal
from sitewarden.events.kinds import Severity

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def alert(site_id: str, severity: Severity) -> Alert:
    return Alert(
        site_id=site_id,
        alert_id="a1",
        rule_id="smoke",
        dedupe_key="zone:lobby",
        severity=severity,
        state="open",
        title="Smoke",
        zone_id="lobby",
        device_id="smoke-1",
        count=1,
        first_at=NOW,
        last_at=NOW,
        last_event_id=None,
        escalated_at=None,
        acknowledged_at=None,
        acknowledged_by=None,
        resolved_at=None,
        resolved_by=None,
    )


def signal(action: str, key: str) -> AlertSignal:
    return AlertSignal(
        action,  # type: ignore[arg-type]
        "smoke",
        "Smoke",
        Severity.CRITICAL,
        "hq",
        key,
        None,
        None,
        uuid.uuid4(),
        NOW,
    )


def test_repeats_update_the_dashboard_but_are_not_told_to_webhooks() -> None:
    major = alert("hq", Severity.MAJOR)
    assert is_notified(AlertChange("opened", major))
    assert is_notified(AlertChange("escalated", major))
    assert not is_notified(AlertChange("repeated", major))


def test_a_webhook_hears_of_its_own_site_or_every_site_at_or_above_its_severity() -> None:
    hooks = [
        WebhookTarget("all-major", None, "major"),
        WebhookTarget("hq-minor", "hq", "minor"),
        WebhookTarget("other-site", "branch", "info"),
        WebhookTarget("critical-only", None, "critical"),
    ]
    told = webhooks_told_of(AlertChange("opened", alert("hq", Severity.MAJOR)), hooks)
    assert told == ["all-major", "hq-minor"]


def test_severities_from_a_minimum_include_it_and_everything_above() -> None:
    assert severities_from("major") == ["major", "critical"]
    assert severities_from("info") == ["info", "minor", "major", "critical"]


def test_consecutive_fires_of_one_condition_are_one_run_and_a_clear_starts_a_new_round() -> None:
    fire_a1, fire_a2, clear_a, fire_a3 = (
        signal("fire", "a"),
        signal("fire", "a"),
        signal("clear", "a"),
        signal("fire", "a"),
    )
    fire_b = signal("fire", "b")
    rounds = signal_rounds([fire_a1, fire_b, fire_a2, clear_a, fire_a3])
    assert rounds == [[[fire_a1, fire_a2], [fire_b]], [[clear_a]], [[fire_a3]]]
