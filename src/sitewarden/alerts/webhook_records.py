"""Records of webhooks and their deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Webhook:
    webhook_id: str
    site_id: str | None  # None: every site
    url: str
    secret: str
    min_severity: str
    enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    delivery_id: str
    webhook_id: str
    site_id: str
    alert_id: str
    payload: str
    state: str  # pending, delivered, dead
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
