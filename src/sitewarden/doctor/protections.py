"""Settings that switch a protection off, or loosen it so far that it no longer protects:
rate limits, sign-in delays, session lifetime, request size and nesting limits, and the
key folder's mode. Each finding names the setting and a value to put back."""

from __future__ import annotations

import stat
from dataclasses import dataclass

from sitewarden.config import Settings
from sitewarden.doctor.findings import Finding, Level

CHECK = "protections"


@dataclass(frozen=True, slots=True)
class Ceiling:
    """A setting above which the protection it is part of no longer holds."""

    name: str
    most: float
    what: str


# Ten to a few hundred times the defaults: room for a big site, not for an open door.
CEILINGS: tuple[Ceiling, ...] = (
    Ceiling("rate_limit_device_per_s", 10_000, "requests a second from one device"),
    Ceiling("rate_limit_user_per_s", 1_000, "requests a second from one user"),
    Ceiling("rate_limit_login_per_min", 600, "sign-in attempts a minute from one address"),
    Ceiling("login_max_failures", 20, "failed sign-ins before delays begin"),
    Ceiling("session_hours", 7 * 24, "hours a sign-in session lasts"),
    Ceiling("max_api_body_bytes", 16 * 1024 * 1024, "bytes in one API request body"),
    Ceiling("max_ingest_body_bytes", 256 * 1024 * 1024, "bytes in one batch of events"),
    Ceiling("max_batch_events", 100_000, "events in one batch"),
    Ceiling("max_json_depth", 128, "levels of nesting in a JSON body"),
    Ceiling("frame_pixels_per_s", 100_000_000, "gate-frame pixels a second from one camera"),
    Ceiling("snapshot_pixels_per_s", 100_000_000, "snapshot pixels a second from one camera"),
    Ceiling("lookup_quota_per_hour", 6_000, "plate or ID lookups an hour by one operator"),
)
SWITCHED_OFF_BY_ZERO = (
    "rate_limit_device_per_s",
    "rate_limit_user_per_s",
    "rate_limit_login_per_min",
    "frame_pixels_per_s",
    "snapshot_pixels_per_s",
    "lookup_quota_per_hour",
)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def check_limits(settings: Settings) -> list[Finding]:
    """A rate limit set to 0 (off), or any limit set beyond its ceiling."""
    defaults = Settings.model_fields
    findings = []
    for name in SWITCHED_OFF_BY_ZERO:
        if getattr(settings, name) == 0:
            findings.append(
                Finding(
                    CHECK,
                    Level.MAJOR,
                    f"{name} = 0 switches this limit off",
                    f"remove {name} from the settings (default {_number(defaults[name].default)})",
                )
            )
    for ceiling in CEILINGS:
        value = getattr(settings, ceiling.name)
        if value > ceiling.most:
            findings.append(
                Finding(
                    CHECK,
                    Level.MAJOR,
                    f"{ceiling.name} = {_number(value)} allows more than {_number(ceiling.most)} "
                    f"{ceiling.what}: the limit no longer protects",
                    f"remove {ceiling.name} from the settings "
                    f"(default {_number(defaults[ceiling.name].default)})",
                )
            )
    return findings or [Finding(CHECK, Level.OK, "rate, sign-in, session and size limits on")]


def check_key_folder(settings: Settings) -> list[Finding]:
    """The key folder must be the service account's alone: others may not list it, and
    nobody else may write in it (that would let them swap a key)."""
    folder = settings.key_path
    if not folder.is_dir():
        return []  # the key check reports missing key files
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o022:
        return [
            Finding(
                "keys",
                Level.CRITICAL,
                f"key folder {folder} is writable by others (mode {mode:o}): a key can be swapped",
                f"chmod 700 {folder}",
            )
        ]
    if mode & 0o077:
        return [
            Finding(
                "keys",
                Level.MAJOR,
                f"key folder {folder} is open to others (mode {mode:o})",
                f"chmod 700 {folder}",
            )
        ]
    return [Finding("keys", Level.OK, f"key folder {folder} is private (mode {mode:o})")]
