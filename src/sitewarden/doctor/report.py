"""Running every check for a deployment and showing the result."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sitewarden.api.app import PUBLIC_ROUTES, create_app
from sitewarden.config import Settings
from sitewarden.doctor.checks import run_checks
from sitewarden.doctor.findings import Finding, Level
from sitewarden.doctor.routes import check_routes
from sitewarden.privacy.keyring import KeyRing
from sitewarden.store.base import Store

STYLE = {
    Level.OK: "green",
    Level.INFO: "dim",
    Level.MINOR: "yellow",
    Level.MAJOR: "red",
    Level.CRITICAL: "bold red",
}


def examine(settings: Settings, store: Store, keys: KeyRing | None = None) -> list[Finding]:
    """Configuration checks plus anonymous calls to every route of this build."""
    findings = run_checks(settings, store)
    if keys is not None:
        findings += check_routes(create_app(settings, store, keys), PUBLIC_ROUTES)
    return findings


def render(findings: list[Finding], console: Console) -> None:
    table = Table("level", "check", "finding", "fix")
    for finding in sorted(findings, key=lambda f: -f.level):
        style = STYLE[finding.level]
        table.add_row(
            f"[{style}]{finding.level.name.lower()}[/]", finding.check, finding.message, finding.fix
        )
    console.print(table)
