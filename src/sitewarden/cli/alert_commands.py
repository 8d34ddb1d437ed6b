"""Alerts and alert rules."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.table import Table

from sitewarden.alerts.alert_search import AlertFilter
from sitewarden.cli.base import (
    SEVERITY_STYLE,
    DataDir,
    app,
    audit_cli_change,
    cli_actor,
    fail,
    opened_store,
    out,
    settings_for,
)
from sitewarden.errors import SitewardenError

# --- alerts ---------------------------------------------------------------------------
alerts_app = typer.Typer(help="Alerts and alert rules.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")

_STATE_STYLE = {
    "open": "bold red",
    "acknowledged": "yellow",
    "returned": "bold magenta",
    "resolved": "green",
}


def _alert_line(alert: Any, change: str = "") -> str:
    style = SEVERITY_STYLE.get(alert.severity.value, "")
    where = "/".join(x for x in (alert.site_id, alert.zone_id, alert.device_id) if x)
    state = _STATE_STYLE.get(alert.state, "")
    prefix = f"{change:12} " if change else ""
    return (
        f"{alert.last_at:%Y-%m-%d %H:%M:%S} {prefix}[{style}]{alert.severity.value:8}[/] "
        f"[{state}]{alert.state:12}[/] {alert.title} ({where}) x{alert.count} "
        f"[dim]{alert.alert_id}[/]"
    )


@alerts_app.command("list")
def alerts_list(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    state: Annotated[
        list[str] | None, typer.Option(help="open, acknowledged, returned, resolved")
    ] = None,
    limit: Annotated[int, typer.Option(help="how many")] = 50,
    data_dir: DataDir = None,
) -> None:
    """List alerts, those to acknowledge first, then by severity and time (default: not
    yet resolved; "returned" ones cleared by themselves but nobody acknowledged them)."""
    states = state or ["open", "returned", "acknowledged"]
    with opened_store(settings_for(data_dir)) as store:
        found = store.alert_search.list_alerts(
            AlertFilter(site_id=site, states=states, order="priority", limit=limit)
        )
    for alert in found:
        out.print(_alert_line(alert), highlight=False)
    if not found and state:
        out.print(f"no {' or '.join(states)} alerts")
    elif not found:
        out.print("no open or acknowledged alerts, and none returned to normal unacknowledged")


def _change_alert(alert_id: str, action: str, note: str | None, data_dir: Path | None) -> None:
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        alert = store.alerts.find_alert(alert_id)
        if alert is None:
            raise fail(f"alert {alert_id!r} not found")
        change = store.alarms.change_state(
            alert.site_id, alert_id, action, cli_actor(), note, datetime.now(UTC)
        )
        if change is not None:
            audit_cli_change(settings, store, f"alert.{action}", alert.site_id, [alert_id])
    if change is None:
        raise fail(f"alert {alert_id} is {alert.state}; it cannot be {action}d now")
    out.print(_alert_line(change.alert, change.kind), highlight=False)


@alerts_app.command("ack")
def alerts_ack(
    alert_id: str,
    note: Annotated[str | None, typer.Option(help="what you did")] = None,
    data_dir: DataDir = None,
) -> None:
    """Acknowledge an alert (one that returned to normal is resolved by it)."""
    _change_alert(alert_id, "acknowledge", note, data_dir)


@alerts_app.command("resolve")
def alerts_resolve(
    alert_id: str,
    note: Annotated[str | None, typer.Option(help="how it ended")] = None,
    data_dir: DataDir = None,
) -> None:
    """Resolve an alert."""
    _change_alert(alert_id, "resolve", note, data_dir)


@alerts_app.command("tail")
def alerts_tail(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Watch alerts live: each opening, repeat, acknowledgement and resolution (Ctrl-C)."""
    seen: dict[str, tuple[str, int]] = {}
    with opened_store(settings_for(data_dir)) as store:
        try:
            while True:
                found = store.alert_search.list_alerts(AlertFilter(site_id=site, limit=200))
                for alert in reversed(found):
                    previous = seen.get(alert.alert_id)
                    now = (alert.state, alert.count)
                    if previous != now:
                        change = (
                            "opened"
                            if previous is None
                            else (alert.state if previous[0] != alert.state else "repeated")
                        )
                        if previous is not None or alert.state != "resolved":
                            out.print(_alert_line(alert, change), highlight=False)
                        seen[alert.alert_id] = now
                time.sleep(interval)
        except KeyboardInterrupt:
            return


@alerts_app.command("rules")
def alerts_rules(data_dir: DataDir = None) -> None:
    """List the rules in force (shipped defaults and saved ones)."""
    from sitewarden.alerts.service import load_rules

    with opened_store(settings_for(data_dir)) as store:
        rules = load_rules(store.rules)
    table = Table("rule", "severity", "kinds", "conditions", "window", "enabled")
    for rule in rules:
        conditions = ", ".join(f"{c.field} {c.op} {c.value}" for c in rule.conditions) or "-"
        window = f"{rule.window.count} in {rule.window.seconds}s" if rule.window else "-"
        table.add_row(
            rule.rule_id,
            rule.severity.value,
            ", ".join(rule.kinds),
            conditions,
            window,
            "yes" if rule.enabled else "no",
        )
    out.print(table)


@alerts_app.command("validate")
def alerts_validate(
    path: Annotated[Path, typer.Argument(help="JSON file: a rule or a list")],
) -> None:
    """Check rule definitions without saving them; name every bad rule and field."""
    from sitewarden.alerts.rules import parse_rule

    try:
        raw = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise fail(f"{path}: {exc}") from None
    rules = raw if isinstance(raw, list) else [raw]
    for index, item in enumerate(rules):
        named = isinstance(item, dict) and item.get("rule_id")
        try:
            rule = parse_rule(item, name=None if named else f"#{index}")
        except SitewardenError as exc:
            raise fail(exc.message) from None
        out.print(f"[green]ok[/] {rule.rule_id}: {rule.title}")
