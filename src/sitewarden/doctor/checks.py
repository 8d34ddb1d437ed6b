"""The deployment checks: each looks at one thing and says what is wrong and the fix."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from sitewarden.accounts.roles import Role
from sitewarden.config import Settings
from sitewarden.database_url import redact
from sitewarden.doctor.findings import Finding, Level
from sitewarden.errors import ConfigError
from sitewarden.privacy.keyfiles import KEY_NAMES, key_file
from sitewarden.privacy.keyring import KEY_ENVIRONMENT
from sitewarden.runtime.storage import Storage
from sitewarden.web.vendor import NODE_MODULES, missing_vendor_files

MFA_ROLES = frozenset({Role.ADMIN.value, Role.PRIVACY_OFFICER.value})


def check_listening(settings: Settings) -> list[Finding]:
    if settings.tls_enabled:
        problems = [p for p in (settings.tls_cert, settings.tls_key) if p and not p.is_file()]
        if problems:
            return [
                Finding(
                    "listening",
                    Level.CRITICAL,
                    f"TLS file {problems[0]} is missing",
                    "point tls_cert/tls_key at existing PEM files",
                )
            ]
        if settings.tls_key and stat.S_IMODE(settings.tls_key.stat().st_mode) & 0o077:
            return [
                Finding(
                    "listening",
                    Level.MAJOR,
                    f"TLS key {settings.tls_key} is readable by others",
                    f"chmod 600 {settings.tls_key}",
                )
            ]
        return [Finding("listening", Level.OK, f"{settings.host}:{settings.port} with TLS")]
    if settings.binds_loopback_only:
        return [Finding("listening", Level.OK, f"{settings.host}:{settings.port}, loopback only")]
    return [
        Finding(
            "listening",
            Level.CRITICAL,
            f"configured to listen on {settings.host} without TLS",
            'set tls_cert and tls_key, or host = "127.0.0.1" behind a TLS proxy',
        )
    ]


def check_accounts(store: Storage, require_second_factor: bool) -> list[Finding]:
    findings = []
    for user in store.accounts.list_users():
        if user.disabled or user.role not in MFA_ROLES:
            continue
        if user.must_change_password:
            findings.append(
                Finding(
                    "accounts",
                    Level.MAJOR,
                    f"{user.role} '{user.username}' still has its initial password",
                    "sign in and change it (POST /api/v1/me/password)",
                )
            )
        if not user.totp_enabled:
            level = Level.MAJOR
            findings.append(
                Finding(
                    "accounts",
                    level,
                    f"{user.role} '{user.username}' has no second factor",
                    "enrol TOTP: POST /api/v1/me/totp, then confirm a code",
                )
            )
    if not require_second_factor:
        findings.append(
            Finding(
                "accounts",
                Level.CRITICAL,
                "second factors are not required for admins and privacy officers",
                "remove require_second_factor = false from the settings",
            )
        )
    return findings or [Finding("accounts", Level.OK, "admin accounts are protected")]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_keys(settings: Settings) -> list[Finding]:
    findings = []
    folder = settings.key_path
    if not settings.uses_postgres and _inside(folder, settings.sqlite_path.parent):
        findings.append(
            Finding(
                "keys",
                Level.MAJOR,
                f"key folder {folder} is inside the database folder",
                "move it elsewhere and set keys_dir; back it up apart",
            )
        )
    for name in KEY_NAMES:
        path = key_file(folder, name)
        if os.environ.get(KEY_ENVIRONMENT[name]):
            continue  # this key comes from the environment (a secret manager)
        if not path.exists():
            findings.append(
                Finding(
                    "keys",
                    Level.CRITICAL,
                    f"key file {path} is missing",
                    "restore it from the key backup (or run sitewarden init)",
                )
            )
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            findings.append(
                Finding(
                    "keys",
                    Level.CRITICAL,
                    f"key file {path} is readable by others (mode {mode:o})",
                    f"chmod 600 {path}",
                )
            )
    return findings or [Finding("keys", Level.OK, "key files private and apart from the database")]


def check_database_file(settings: Settings) -> list[Finding]:
    if settings.uses_postgres:
        return check_database_url(settings)
    path = settings.sqlite_path
    if not path.exists():
        return [
            Finding("database", Level.CRITICAL, f"no database at {path}", "run sitewarden init")
        ]
    findings = []
    for candidate in (path, path.parent):
        mode = stat.S_IMODE(candidate.stat().st_mode)
        if mode & 0o007:
            findings.append(
                Finding(
                    "database",
                    Level.MAJOR,
                    f"{candidate} is open to every user on the machine (mode {mode:o})",
                    f"chmod {'700' if candidate.is_dir() else '600'} {candidate}",
                )
            )
    return findings or [Finding("database", Level.OK, "database file private")]


def check_database_url(settings: Settings) -> list[Finding]:
    """PostgreSQL: unsafe URLs are refused when the settings load; this grades the rest."""
    target = settings.database
    where = redact(target.postgres_url or "")
    if target.local:
        return [Finding("database", Level.OK, f"PostgreSQL on this machine ({where})")]
    if target.sslmode != "verify-full":
        return [
            Finding(
                "database",
                Level.MINOR,
                f"PostgreSQL over TLS with sslmode={target.sslmode}: the traffic is encrypted "
                "but the server's certificate name is not checked",
                "use sslmode=verify-full with sslrootcert naming your database CA",
            )
        ]
    return [Finding("database", Level.OK, f"PostgreSQL over verified TLS ({where})")]


def check_retention(settings: Settings) -> list[Finding]:
    kept = [name for name, days in settings.retention_days.items() if days <= 0]
    if kept:
        return [
            Finding(
                "retention",
                Level.MAJOR,
                f"retention disabled for {', '.join(kept)}",
                "set a number of days for each category under [retention_days]",
            )
        ]
    return [Finding("retention", Level.OK, "every category expires")]


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhooks(store: Storage) -> list[Finding]:
    findings = []
    for hook in store.webhooks.list_webhooks():
        parts = urlsplit(hook.url)
        if parts.scheme == "http" and not _loopback(parts.hostname or ""):
            findings.append(
                Finding(
                    "webhooks",
                    Level.MAJOR,
                    f"webhook {hook.webhook_id} sends alerts over plain HTTP to {parts.hostname}",
                    "use an https:// URL",
                )
            )
    return findings or [
        Finding("webhooks", Level.OK, "webhook targets use TLS or stay on this host")
    ]


def check_debug(settings: Settings) -> list[Finding]:
    if settings.debug:
        return [
            Finding(
                "debug",
                Level.MAJOR,
                "debug mode is on (access logs, detailed errors)",
                "remove debug = true from the settings",
            )
        ]
    return [Finding("debug", Level.OK, "debug mode off")]


def check_trusted_proxies(settings: Settings) -> list[Finding]:
    """Whose X-Forwarded-For is believed: it decides the address sign-in limits see."""
    if not settings.trusted_proxies:
        return [
            Finding(
                "proxies",
                Level.OK,
                "no trusted proxies: X-Forwarded-For is ignored, the peer address is the client",
            )
        ]
    networks = [ipaddress.ip_network(entry, strict=False) for entry in settings.trusted_proxies]
    everyone = [str(net) for net in networks if net.prefixlen == 0]
    if everyone:
        return [
            Finding(
                "proxies",
                Level.MAJOR,
                f"trusted_proxies {', '.join(everyone)} believes X-Forwarded-For from anyone: "
                "clients choose the address that sign-in limits and the audit log see",
                "list only your reverse proxies' addresses in trusted_proxies",
            )
        ]
    return [
        Finding(
            "proxies",
            Level.OK,
            f"X-Forwarded-For believed only from {', '.join(map(str, networks))}",
        )
    ]


def check_console_files(node_modules: Path = NODE_MODULES) -> list[Finding]:
    """The console's npm libraries (charts) are installed where the console serves them."""
    missing = missing_vendor_files(node_modules)
    if missing:
        return [
            Finding(
                "console",
                Level.MINOR,
                f"front-end libraries not installed ({', '.join(missing)}): the console's "
                "charts stay empty",
                "run scripts/setup-env (npm ci in src/sitewarden/web/frontend)",
            )
        ]
    return [Finding("console", Level.OK, "front-end libraries installed")]


def run_checks(settings: Settings, store: Storage) -> list[Finding]:
    """Every configuration check (the route check needs the app: see doctor.routes)."""
    checks: list[Callable[[], list[Finding]]] = [
        lambda: check_listening(settings),
        lambda: check_accounts(store, settings.require_second_factor),
        lambda: check_keys(settings),
        lambda: check_database_file(settings),
        lambda: check_retention(settings),
        lambda: check_webhooks(store),
        lambda: check_debug(settings),
        lambda: check_trusted_proxies(settings),
        check_console_files,
    ]
    findings: list[Finding] = []
    for check in checks:
        try:
            findings.extend(check())
        except (OSError, ConfigError) as exc:
            findings.append(Finding("doctor", Level.MAJOR, f"a check could not run: {exc}"))
    return findings
