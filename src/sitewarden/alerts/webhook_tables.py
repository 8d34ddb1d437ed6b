"""Tables of webhooks and their delivery outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sitewarden.alerts.webhook_records import Webhook, WebhookDelivery
from sitewarden.db.database import Database, _dt, _must_dt, _t
from sitewarden.events.model import to_micros

# How long a claimed webhook delivery is left to its node before others may retry it.
DELIVERY_LEASE = timedelta(minutes=5)


def _delivery(r: Any) -> WebhookDelivery:
    return WebhookDelivery(
        delivery_id=r[0],
        webhook_id=r[1],
        site_id=r[2],
        alert_id=r[3],
        payload=r[4],
        state=r[5],
        attempts=r[6],
        next_attempt_at=_must_dt(r[7]),
        last_error=r[8],
        created_at=_must_dt(r[9]),
        delivered_at=_dt(r[10]),
    )


class WebhookTables:
    """Webhooks and the deliveries queued for them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- webhooks ---------------------------------------------------------------------
    def add_webhook(self, hook: Webhook) -> None:
        self._db.write(
            "INSERT INTO webhooks VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                hook.webhook_id,
                hook.site_id,
                hook.url,
                hook.secret,
                hook.min_severity,
                int(hook.enabled),
                _t(hook.created_at),
            ),
        )

    def list_webhooks(self) -> list[Webhook]:
        rows = self._db.read("SELECT * FROM webhooks ORDER BY created_at")
        return [Webhook(r[0], r[1], r[2], r[3], r[4], bool(r[5]), _must_dt(r[6])) for r in rows]

    def get_webhook(self, webhook_id: str) -> Webhook | None:
        r = self._db.read_one("SELECT * FROM webhooks WHERE webhook_id = ?", (webhook_id,))
        return (
            None if r is None else Webhook(r[0], r[1], r[2], r[3], r[4], bool(r[5]), _must_dt(r[6]))
        )

    def delete_webhook(self, webhook_id: str) -> None:
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?", (webhook_id,))
            conn.execute("DELETE FROM webhooks WHERE webhook_id = ?", (webhook_id,))

    def due_deliveries(self, now: datetime, limit: int) -> list[WebhookDelivery]:
        """Claim up to ``limit`` due deliveries for the caller.

        Claiming moves their next attempt a lease ahead in the same statement, so another
        node's dispatcher (several nodes share one PostgreSQL) skips them while this one
        sends; ``record_delivery`` then sets the real outcome. If the claiming node dies,
        the lease runs out and any node tries again (at least once, never twice at once).
        """
        with self._db.transaction() as conn:
            rows = conn.execute(
                "UPDATE webhook_deliveries SET next_attempt_at = ? WHERE delivery_id IN "
                "(SELECT delivery_id FROM webhook_deliveries WHERE state = 'pending' AND "
                "next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?) RETURNING *",
                (to_micros(now + DELIVERY_LEASE), to_micros(now), limit),
            ).fetchall()
        return sorted((_delivery(r) for r in rows), key=lambda d: (d.created_at, d.delivery_id))

    def deliveries(
        self, state: str, limit: int = 100, webhook_ids: Sequence[str] | None = None
    ) -> list[WebhookDelivery]:
        """The newest deliveries in ``state``; only those of ``webhook_ids`` when given, so a
        caller who may see some webhooks gets its own newest, not everyone's newest."""
        if webhook_ids is None:
            rows = self._db.read(
                "SELECT * FROM webhook_deliveries WHERE state = ? ORDER BY created_at DESC LIMIT ?",
                (state, limit),
            )
        elif not webhook_ids:
            return []
        else:
            marks = ", ".join("?" for _ in webhook_ids)
            rows = self._db.read(
                f"SELECT * FROM webhook_deliveries WHERE state = ? AND webhook_id IN ({marks}) "
                "ORDER BY created_at DESC LIMIT ?",
                (state, *webhook_ids, limit),
            )
        return [_delivery(r) for r in rows]

    def record_delivery(
        self,
        delivery_id: str,
        *,
        delivered: bool,
        error: str | None,
        next_attempt: datetime,
        dead: bool,
        now: datetime,
    ) -> None:
        state = "delivered" if delivered else ("dead" if dead else "pending")
        self._db.write(
            "UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, "
            "next_attempt_at = ?, last_error = ?, delivered_at = ? WHERE delivery_id = ?",
            (state, to_micros(next_attempt), error, _t(now) if delivered else None, delivery_id),
        )
