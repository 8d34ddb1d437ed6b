"""Which database a ``database_url`` names, and whether it is safe to use.

``sqlite:///path/to/file.db`` is the embedded default. A ``postgresql://`` URL names a
server: across a network it must carry a password and ask for TLS
(``sslmode=require`` or ``verify-ca`` / ``verify-full``), or the sealed records and
operator accounts would cross the wire readable or to anyone who connects. A Unix
socket or a loopback address never leaves the machine, so neither is required there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sitewarden.errors import ConfigError

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
TLS_MODES = frozenset({"require", "verify-ca", "verify-full"})
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class DatabaseTarget:
    backend: Literal["sqlite", "postgres"]
    sqlite_path: Path | None = None
    postgres_url: str | None = None
    local: bool = True  # a Unix socket or loopback: traffic never leaves the machine
    sslmode: str | None = None


def redact(url: str) -> str:
    """The URL with its password replaced, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def parse_database_url(url: str | None, default_sqlite: Path) -> DatabaseTarget:
    """The backend a URL names; raises ConfigError, saying why, for an unsafe or unknown one."""
    if url is None:
        return DatabaseTarget("sqlite", sqlite_path=default_sqlite)
    if url.startswith("sqlite:///"):
        return DatabaseTarget("sqlite", sqlite_path=Path(url.removeprefix("sqlite:///")))
    if not url.startswith(POSTGRES_SCHEMES):
        raise ConfigError(
            f"database_url {redact(url)!r} is not supported; use sqlite:///path/to/file.db or "
            "postgresql://user:password@host:5432/dbname?sslmode=verify-full"
        )
    from psycopg.conninfo import conninfo_to_dict  # here: a SQLite server never needs psycopg

    try:
        params = conninfo_to_dict(url)
    except Exception as exc:  # psycopg raises ProgrammingError for a malformed URL
        raise ConfigError(f"database_url {redact(url)!r} is not a valid URL: {exc}") from exc
    hosts = [h for h in str(params.get("host") or "").split(",") if h]
    local = all(h.startswith("/") or h in LOOPBACK for h in hosts)  # no host: the socket
    sslmode = params.get("sslmode")
    if not local:
        where = ", ".join(hosts)
        if not params.get("password"):
            raise ConfigError(
                f"refusing database_url {redact(url)!r}: it has no password, and {where} is "
                "not this machine, so anyone who can reach the server could connect as this "
                "user. Put the password in the URL (postgresql://user:password@host/db), or "
                "connect over a Unix socket or loopback"
            )
        if sslmode not in TLS_MODES:
            raise ConfigError(
                f"refusing database_url {redact(url)!r}: it does not require TLS, so the "
                f"password, sealed records and operator accounts would cross the network to "
                f"{where} readable by anyone on the path. Add ?sslmode=verify-full (or "
                "sslmode=require), or connect over a Unix socket or loopback"
            )
    return DatabaseTarget(
        "postgres", postgres_url=url, local=local, sslmode=None if sslmode is None else str(sslmode)
    )
