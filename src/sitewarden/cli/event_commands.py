"""Watching events."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from sitewarden.cli.base import SEVERITY_STYLE, DataDir, app, fail, opened_store, out, settings_for
from sitewarden.events.kinds import KINDS
from sitewarden.events.query import EventQuery

events_app = typer.Typer(help="Events.", no_args_is_help=True)
app.add_typer(events_app, name="events")


# --- events ----------------------------------------------------------------------
@events_app.command("tail")
def events_tail(
    site: Annotated[str | None, typer.Option(help="only this site")] = None,
    kind: Annotated[str | None, typer.Option(help="a kind or a family such as 'alarm'")] = None,
    lines: Annotated[int, typer.Option("-n", help="events to show first")] = 20,
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", "-f", help="keep watching")
    ] = True,
    interval: Annotated[float, typer.Option(help="seconds between polls")] = 1.0,
    data_dir: DataDir = None,
) -> None:
    """Show the newest events, then follow new ones (Ctrl-C to stop)."""
    exact, family = (kind, None) if kind and "." in kind else (None, kind)
    if exact is not None and exact not in KINDS:
        raise fail(f"unknown kind {exact!r}")
    with opened_store(settings_for(data_dir)) as store:
        page = store.events.query_events(
            EventQuery(site_id=site, kind=exact, family=family, limit=max(lines, 1))
        )
        shown = {event.id for event in page.events}
        for event in reversed(page.events):
            _print_event(event)
        if not follow:
            return
        since = datetime.now(UTC) - timedelta(minutes=5)
        try:
            while True:
                time.sleep(interval)
                page = store.events.query_events(
                    EventQuery(site_id=site, kind=exact, family=family, since=since, limit=500)
                )
                for event in reversed(page.events):
                    if event.id not in shown:
                        shown.add(event.id)
                        _print_event(event)
        except KeyboardInterrupt:
            return


def _print_event(event: Any) -> None:
    style = SEVERITY_STYLE.get(event.severity.value, "")
    attributes = " ".join(f"{key}={value}" for key, value in event.attributes.items())
    sealed = " [personal: sealed]" if event.sealed_personal else ""
    out.print(
        f"{event.occurred_at:%Y-%m-%d %H:%M:%S} [{style}]{event.severity.value:8}[/] "
        f"{event.kind:18} {event.site_id}/{event.zone_id or '-'}/{event.device_id} "
        f"{attributes}{sealed}",
        highlight=False,
    )
