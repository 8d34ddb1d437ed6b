"""The doctor's checks for the console (``web/health.py``): what ``sitewarden doctor``
reports about configuration, keys, accounts and protections, without the route check
(it builds a second app) and without probing other services (slow where they are down)."""

from __future__ import annotations

from sitewarden.config import Settings
from sitewarden.doctor.checks import run_checks
from sitewarden.doctor.report import protection_findings
from sitewarden.runtime.storage import Storage
from sitewarden.web.health import FindingsCache, HealthFinding


def console_findings(settings: Settings, store: Storage) -> list[HealthFinding]:
    return [
        HealthFinding(f.check, f.level.name.lower(), f.message, f.fix)
        for f in run_checks(settings, store) + protection_findings(settings)
    ]


def findings_cache(settings: Settings, store: Storage) -> FindingsCache:
    return FindingsCache(lambda: console_findings(settings, store))
