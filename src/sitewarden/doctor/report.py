"""Running every check for a deployment and showing the result."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sitewarden.app import PUBLIC_ROUTES, create_app
from sitewarden.config import Settings
from sitewarden.database_url import redact
from sitewarden.doctor.checks import (
    check_database_file,
    check_debug,
    check_keys,
    check_listening,
    check_retention,
    run_checks,
)
from sitewarden.doctor.findings import Finding, Level
from sitewarden.doctor.protections import check_key_folder, check_limits
from sitewarden.doctor.routes import check_routes
from sitewarden.errors import ConfigError, StoreError
from sitewarden.privacy.keyring import KeyRing
from sitewarden.runtime.storage import Storage, open_storage

STYLE = {
    Level.OK: "green",
    Level.INFO: "dim",
    Level.MINOR: "yellow",
    Level.MAJOR: "red",
    Level.CRITICAL: "bold red",
}


def examine(settings: Settings, store: Storage, keys: KeyRing | None = None) -> list[Finding]:
    """Configuration checks plus anonymous calls to every route of this build."""
    findings = run_checks(settings, store) + protection_findings(settings)
    if keys is not None:
        findings += check_routes(create_app(settings, store, keys), PUBLIC_ROUTES)
    return findings


def protection_findings(settings: Settings) -> list[Finding]:
    """Settings that switch a protection off (kept apart from run_checks' list)."""
    try:
        return check_limits(settings) + check_key_folder(settings)
    except OSError as exc:
        return [Finding("doctor", Level.MAJOR, f"a check could not run: {exc}")]


def examine_deployment(settings: Settings) -> list[Finding]:
    """Everything ``sitewarden doctor`` reports for a data folder. A database that cannot
    be opened or reached is itself a critical finding, beside every check that does not
    need it: an outage must not leave the doctor silent."""
    if not settings.uses_postgres and not settings.sqlite_path.exists():
        return check_database_file(settings)
    try:
        keys: KeyRing | None = KeyRing.load(settings.key_path)
    except ConfigError:
        keys = None  # the key check reports what is wrong
    try:
        store = open_storage(settings)
        try:
            return examine(settings, store, keys)
        finally:
            store.close()
    except (StoreError, ConfigError) as exc:  # opening says ConfigError for a refusal
        return _without_database(settings, exc)


def _without_database(settings: Settings, exc: StoreError | ConfigError) -> list[Finding]:
    where = redact(settings.database.postgres_url or str(settings.sqlite_path))
    findings = [
        Finding(
            "database",
            Level.CRITICAL,
            exc.message if where in exc.message else f"{exc.message} (database {where})",
            "start the database server (or fix database_url), then run the doctor again",
        ),
        Finding(
            "doctor",
            Level.INFO,
            "accounts, webhooks and routes were not checked: they need the database",
        ),
    ]
    for check in (check_listening, check_keys, check_retention, check_debug, check_database_file):
        try:
            findings += check(settings)
        except (OSError, ConfigError) as error:
            findings.append(Finding("doctor", Level.MAJOR, f"a check could not run: {error}"))
    return findings + protection_findings(settings)


def render(findings: list[Finding], console: Console) -> None:
    table = Table("level", "check", "finding", "fix")
    for finding in sorted(findings, key=lambda f: -f.level):
        style = STYLE[finding.level]
        table.add_row(
            f"[{style}]{finding.level.name.lower()}[/]", finding.check, finding.message, finding.fix
        )
    console.print(table)
