"""The ``sitewarden`` command line: each command group lives in its own module."""

from __future__ import annotations

import sys

from sitewarden.cli import (  # noqa: F401  (importing a module registers its commands)
    access_commands,
    account_commands,
    alert_commands,
    event_commands,
    mqtt,
    privacy_commands,
    registry_commands,
    setup,
)
from sitewarden.cli.base import app, err
from sitewarden.errors import ConfigError

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc.message}")
        sys.exit(1)
