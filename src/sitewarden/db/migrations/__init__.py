"""Versioned schema migrations, kept in one place for both backends.

``sqlite/NNNN_name.sql`` and ``postgres/NNNN_name.sql`` carry the same versions
(a test checks that the two lists match): a change to the schema is one new
version with its SQL for each dialect, applied in order by each backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

Dialect = Literal["sqlite", "postgres"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """Every ``NNNN_name.sql`` file of the dialect's folder, by version."""
    found = []
    for entry in resources.files(__package__).joinpath(dialect).iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    found.sort(key=lambda migration: migration.version)
    return found


def split_sql(script: str) -> list[str]:
    """Statements of a migration file; its SQL keeps ``--`` and ``;`` out of string literals."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
