"""What every request handler needs, built once per app: the node's runtime, and what
only the HTTP edge keeps (rate limiters, sign-in delays, the lookup quota)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from sitewarden.alerts.batch_transaction import AlertingWriter
from sitewarden.alerts.service import AlertSystem
from sitewarden.api.ratelimit import LookupQuota, RateLimiter
from sitewarden.api.signin_delays import SignInDelays
from sitewarden.config import Settings
from sitewarden.events.ids import EventIdFactory
from sitewarden.intake.relayed_devices import RelayedDevices
from sitewarden.intake.service import Intake
from sitewarden.intake.validation import IntakeLimits
from sitewarden.occupancy.aggregator import OccupancyAggregator
from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.subject_requests import SubjectRequests
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage
from sitewarden.runtime.system import Runtime


@dataclass
class AppContext:
    runtime: Runtime
    totp_key: bytes
    device_limiter: RateLimiter
    user_limiter: RateLimiter
    login_limiter: RateLimiter
    signin_delays: SignInDelays
    lookups: LookupQuota = field(init=False)

    def __post_init__(self) -> None:
        self.lookups = LookupQuota(
            self.settings.lookup_quota_per_hour,
            self.settings.lookup_burst_count,
            self.settings.lookup_burst_window_s,
        )

    # The runtime's parts, by the names the handlers use.
    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def store(self) -> Storage:
        return self.runtime.store

    @property
    def vault(self) -> Vault:
        return self.runtime.vault

    @property
    def audit(self) -> AuditLog:
        return self.runtime.audit

    @property
    def alerts(self) -> AlertSystem:
        return self.runtime.alerts

    @property
    def writer(self) -> AlertingWriter:
        return self.runtime.writer

    @property
    def intake(self) -> Intake:
        return self.runtime.intake

    @property
    def occupancy(self) -> OccupancyAggregator:
        return self.runtime.occupancy

    @property
    def ids(self) -> EventIdFactory:
        return self.runtime.ids

    @property
    def relayed(self) -> RelayedDevices:
        return self.runtime.relayed

    @property
    def subject_requests(self) -> SubjectRequests:
        return self.runtime.subject_requests

    @property
    def intake_limits(self) -> IntakeLimits:
        return self.runtime.intake_limits


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


# A route's ``context: Context``: the app's context, as a dependency.
Context = Annotated[AppContext, Depends(get_context)]
