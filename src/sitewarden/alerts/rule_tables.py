"""The alert rules administrators saved (the shipped defaults live in code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sitewarden.db.database import Database
from sitewarden.events.model import to_micros

# Told to other nodes (PostgreSQL) when an administrator changes the alert rules.
RULES_CHANGED: dict[str, Any] = {"rules": "changed"}


class RuleTables:
    """Saved alert rules; a change is told to the other nodes (PostgreSQL)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- rules --------------------------------------------------------------------------
    def stored_rules(self) -> list[tuple[str, str]]:
        """(rule id, JSON definition) of the rules administrators saved."""
        return [(r[0], r[1]) for r in self._db.read("SELECT rule_id, definition FROM alert_rules")]

    def save_rule(self, rule_id: str, definition: str, actor: str, now: datetime) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO alert_rules VALUES (?, ?, ?, ?) ON CONFLICT (rule_id) DO UPDATE "
                "SET definition = excluded.definition, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (rule_id, definition, to_micros(now), actor),
            )
            self._db.broadcast(conn, [RULES_CHANGED])

    def delete_rule(self, rule_id: str) -> int:
        with self._db.transaction() as conn:
            deleted = conn.execute("DELETE FROM alert_rules WHERE rule_id = ?", (rule_id,))
            self._db.broadcast(conn, [RULES_CHANGED])
            return int(deleted.rowcount)
