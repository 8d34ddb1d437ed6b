"""Operator accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from sitewarden.accounts import accounts
from sitewarden.accounts.roles import Role
from sitewarden.cli.base import DataDir, app, audit_cli_change, opened_store, out, settings_for

users_app = typer.Typer(help="Operator accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")


# --- users -----------------------------------------------------------------------
@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="admin, operator, auditor or viewer")] = Role.OPERATOR,
    sites: Annotated[
        str | None, typer.Option(help="comma-separated site ids this user may see; default all")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Create an operator account; its generated password is shown once."""
    scope = tuple(s.strip() for s in sites.split(",") if s.strip()) if sites else None
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        user, password = accounts.create_user(
            store.accounts, store.registry, username, role, site_scope=scope
        )
        audit_cli_change(settings, store, "user.create", None, [user.user_id])
    out.print(f"Created [bold]{user.username}[/] ({user.role})")
    out.print(f"  password  [bold]{password}[/]  (shown once; they must change it)")


@users_app.command("list")
def users_list(data_dir: DataDir = None) -> None:
    """List operator accounts."""
    with opened_store(settings_for(data_dir)) as store:
        users = store.accounts.list_users()
    table = Table("username", "role", "sites", "state", "last sign-in")
    for user in users:
        table.add_row(
            user.username,
            user.role,
            ", ".join(user.site_scope) if user.site_scope is not None else "all",
            "disabled" if user.disabled else "active",
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
        )
    out.print(table)


@users_app.command("disable")
def users_disable(username: str, data_dir: DataDir = None) -> None:
    """Disable an account and end its sessions."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        user = accounts.require_user(store.accounts, username)
        accounts.set_disabled(store.accounts, user, True)
        audit_cli_change(settings, store, "user.disable", None, [user.user_id])
    out.print(f"Disabled {username}")


@users_app.command("enable")
def users_enable(username: str, data_dir: DataDir = None) -> None:
    """Enable a disabled account."""
    settings = settings_for(data_dir)
    with opened_store(settings) as store:
        user = accounts.require_user(store.accounts, username)
        accounts.set_disabled(store.accounts, user, False)
        audit_cli_change(settings, store, "user.enable", None, [user.user_id])
    out.print(f"Enabled {username}")
