"""What every command shares: the app, consoles, the data-folder option, error handling."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

from sitewarden.config import Settings, load_settings
from sitewarden.errors import SitewardenError
from sitewarden.runtime.storage import Storage, open_storage

if TYPE_CHECKING:
    from sitewarden.privacy.audit import AuditLog
    from sitewarden.privacy.vault import Vault

app = typer.Typer(
    help="sitewarden: security and operations for smart sites, private by design.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

# soft_wrap: tokens and passwords must stay on one line to be copied.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        "-d",
        envvar="SITEWARDEN_DATA_DIR",
        help="data folder (database, keys, settings); default ./sitewarden-data",
    ),
]


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=1)


def guarded(action: Callable[[], T]) -> T:
    """Run ``action``; a sitewarden error becomes a one-line message and exit code 1."""
    try:
        return action()
    except SitewardenError as exc:
        raise fail(exc.message) from None


def settings_for(data_dir: Path | None, **overrides: Any) -> Settings:
    return guarded(lambda: load_settings(data_dir, **overrides))


@contextmanager
def opened_store(settings: Settings) -> Iterator[Storage]:
    if not settings.uses_postgres and not settings.sqlite_path.exists():
        raise fail(f"no database at {settings.sqlite_path}; run 'sitewarden init' first")
    store = guarded(lambda: open_storage(settings))
    try:
        yield store
    except SitewardenError as exc:
        raise fail(exc.message) from None
    finally:
        store.close()


def vault_and_audit(settings: Settings, store: Storage) -> tuple[Vault, AuditLog]:
    """The vault (sealing, lookups) and the audit log, on the local key folder."""
    from sitewarden.privacy.keyring import KeyRing
    from sitewarden.runtime.system import build_audit, build_vault

    keys = guarded(lambda: KeyRing.load(settings.key_path))
    return build_vault(store, keys), build_audit(settings, store, keys)


def cli_actor() -> str:
    """Who the audit log names for a command run on this machine."""
    return f"cli:{getpass.getuser()}"


def record_cli_audit(
    audit: AuditLog, action: str, site: str | None, targets: list[str], purpose: str | None
) -> None:
    """One audit entry for a command run on this machine: by ``cli_actor()``, as admin."""
    audit.record(
        actor=cli_actor(),
        role="admin",
        action=action,
        targets=targets,
        site_id=site,
        purpose=purpose,
    )


def audit_cli_change(
    settings: Settings,
    store: Storage,
    action: str,
    site: str | None,
    targets: list[str],
    purpose: str | None = None,
) -> None:
    """Audit a change a command made (by ``cli_actor()``), as the API audits its own."""
    _, audit = vault_and_audit(settings, store)
    record_cli_audit(audit, action, site, targets, purpose)


SEVERITY_STYLE = {"critical": "bold red", "major": "red", "minor": "yellow", "info": "dim"}
