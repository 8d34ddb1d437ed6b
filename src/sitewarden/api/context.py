"""What every request handler needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import Request

from sitewarden.alerts.service import AlertSystem
from sitewarden.api.ratelimit import LookupQuota, RateLimiter
from sitewarden.api.signin_delays import SignInDelays
from sitewarden.config import Settings
from sitewarden.events.ids import EventIdFactory
from sitewarden.ingest.relay import RelayedDevices
from sitewarden.ingest.validation import IntakeLimits
from sitewarden.ingest.writer import EventWriter
from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage


@dataclass
class AppContext:
    settings: Settings
    store: Storage
    writer: EventWriter[Any, Any]
    vault: Vault
    audit: AuditLog
    alerts: AlertSystem
    totp_key: bytes
    device_limiter: RateLimiter
    user_limiter: RateLimiter
    login_limiter: RateLimiter
    signin_delays: SignInDelays
    ids: EventIdFactory = field(default_factory=EventIdFactory)
    relayed: RelayedDevices = field(init=False)
    lookups: LookupQuota = field(init=False)

    def __post_init__(self) -> None:
        self.relayed = RelayedDevices(self.store.registry)
        self.lookups = LookupQuota(
            self.settings.lookup_quota_per_hour,
            self.settings.lookup_burst_count,
            self.settings.lookup_burst_window_s,
        )

    @property
    def intake_limits(self) -> IntakeLimits:
        return IntakeLimits(
            max_clock_skew=timedelta(seconds=self.settings.max_clock_skew_s),
            max_event_age=timedelta(days=self.settings.max_event_age_days),
            max_json_depth=self.settings.max_json_depth,
        )


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
