"""Run the HTTP server safely: loopback by default, TLS required anywhere else."""

from __future__ import annotations

import gc
import logging
from typing import Any

import uvicorn

from sitewarden.app import create_app
from sitewarden.config import Settings
from sitewarden.doctor.console import findings_cache
from sitewarden.doctor.findings import Level
from sitewarden.doctor.report import examine
from sitewarden.errors import ConfigError
from sitewarden.privacy.keyring import KeyRing
from sitewarden.runtime.storage import open_storage
from sitewarden.runtime.writer_process import WriterProcess

# Ingest allocates tens of thousands of short-lived objects a request; Python's default
# (a young-generation collection every 700 allocations) spent about a seventh of the
# server's time collecting them (docs/benchmarks.md). Objects made at start-up are frozen
# out of collections altogether.
GC_THRESHOLDS = (50_000, 20, 100)


def tune_garbage_collector() -> None:
    """Collect less often; call once everything long-lived is built."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def check_listen_safety(settings: Settings) -> None:
    """Refuse to listen beyond loopback without TLS, and TLS files that are missing."""
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ConfigError("set both tls_cert and tls_key, or neither")
    if settings.tls_enabled:
        for path in (settings.tls_cert, settings.tls_key):
            if path is not None and not path.is_file():
                raise ConfigError(f"TLS file {path} does not exist")
    elif not settings.binds_loopback_only:
        raise ConfigError(
            f"refusing to listen on {settings.host} without TLS: anyone on the network could "
            "read logins and personal data. Set tls_cert and tls_key (SITEWARDEN_TLS_CERT, "
            "SITEWARDEN_TLS_KEY or --tls-cert/--tls-key), or bind 127.0.0.1 behind a TLS proxy"
        )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For/-Proto: only from ``trusted_proxies``.

    uvicorn's own default believes these headers from 127.0.0.1, so any local client
    (or a proxy that passes the header through) could choose the address that sign-in
    limits and the audit log see.
    """
    if not settings.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": []}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}


def serve(settings: Settings, *, allow_critical: bool = False) -> None:
    """Open the store and serve until interrupted."""
    check_listen_safety(settings)
    if not settings.uses_postgres and not settings.sqlite_path.exists():
        raise ConfigError(
            f"no database at {settings.sqlite_path}; run 'sitewarden init' for this data folder"
        )
    keys = KeyRing.load(settings.key_path)  # refuses key files that others can read
    store = open_storage(settings)
    critical = [f for f in examine(settings, store, keys) if f.level is Level.CRITICAL]
    if critical and not allow_critical:
        store.close()
        raise ConfigError(
            "refusing to start: sitewarden doctor found critical problems: "
            + "; ".join(f"{f.message} (fix: {f.fix})" for f in critical)
            + ". Fix them, or start with --allow-critical if you must"
        )
    sink = None
    if settings.writer_process:
        sink = WriterProcess(settings.database, store.db.node_id)
        sink.start()
    app = create_app(settings, store, keys, event_sink=sink, key_writer=sink)
    app.state.doctor = findings_cache(settings, store)  # the console's doctor page and banner
    tune_garbage_collector()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            ssl_certfile=settings.tls_cert,
            ssl_keyfile=settings.tls_key,
            server_header=False,
            access_log=settings.debug,
            **proxy_options(settings),
            log_level="info",
        )
    finally:
        if sink is not None:
            sink.stop()
        store.close()


def url_of(settings: Settings) -> str:
    scheme = "https" if settings.tls_enabled else "http"
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return f"{scheme}://{host}:{settings.port}"
