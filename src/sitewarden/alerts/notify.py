"""Notifiers: the live stream for the dashboard and signed webhooks.

Both receive the alert changes of each commit from the event writer. Webhook
deliveries are already queued in the database (an outbox written in the same
transaction as the alert change); the dispatcher only sends them, on its own
thread, so a slow or failing receiver never holds up ingest.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpx
import orjson

from sitewarden.alerts.model import AlertChange
from sitewarden.alerts.webhook_records import WebhookDelivery
from sitewarden.alerts.webhook_tables import WebhookTables
from sitewarden.alerts.webhook_targets import (
    IPNetwork,
    Resolver,
    WebhookHostUnresolved,
    WebhookTarget,
    WebhookTargetRefused,
    check_target,
    resolve_host,
)

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sitewarden-Signature"
MAX_ATTEMPTS = 8
# After a wake-up the dispatcher waits this long before it looks for due deliveries, so
# that a burst of commits (dozens a second under load) costs one query, not one each.
GATHER_S = 0.1


class Notifier(Protocol):
    """Anything that wants each commit's alert changes (the MQTT publisher plugs in here)."""

    def notify(self, changes: Sequence[AlertChange]) -> None: ...


class LiveHub:
    """Fans alert changes out to Server-Sent-Event subscribers on the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]] = (
            set()
        )

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)
        with self._lock:
            self._subscribers.add((asyncio.get_running_loop(), queue))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        with self._lock:
            self._subscribers = {s for s in self._subscribers if s[1] is not queue}

    def notify(self, changes: Sequence[AlertChange]) -> None:
        self.notify_payloads([change.as_payload() for change in changes])

    def notify_payloads(self, payloads: Sequence[dict[str, Any]]) -> None:
        """Changes already in their payload form (those other nodes made)."""
        with self._lock:
            subscribers = list(self._subscribers)
        for payload in payloads:
            for loop, queue in subscribers:
                loop.call_soon_threadsafe(_offer, queue, payload)


def _offer(queue: asyncio.Queue[dict[str, Any]], payload: dict[str, Any]) -> None:
    if queue.full():  # a stalled client loses the oldest, never blocks the others
        queue.get_nowait()
    queue.put_nowait(payload)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + body>`` — receivers recompute it."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... capped at 10 minutes."""
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 600))


class WebhookDispatcher:
    """Sends due webhook deliveries; retries with backoff; dead-letters after 8 tries."""

    def __init__(
        self,
        webhooks: WebhookTables,
        *,
        timeout: float = 5.0,
        max_attempts: int = MAX_ATTEMPTS,
        allowed_networks: Sequence[IPNetwork] = (),
        resolve: Resolver = resolve_host,
    ) -> None:
        self._webhooks = webhooks
        self._max_attempts = max_attempts
        self._allowed = tuple(allowed_networks)
        self._resolve = resolve
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)
        self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)
        self._client.close()

    def notify(self, changes: Sequence[AlertChange]) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(timeout=1.0):
                self._stop.wait(GATHER_S)
            self._wake.clear()
            try:
                for delivery in self._webhooks.due_deliveries(datetime.now(UTC), 100):
                    if self._stop.is_set():
                        return
                    self._send(delivery)
            except Exception:
                log.exception("webhook dispatch failed; trying again shortly")
                time.sleep(1)

    def _send(self, delivery: WebhookDelivery) -> None:
        hook = self._webhooks.get_webhook(delivery.webhook_id)
        if hook is None or not hook.enabled:
            return
        error: str | None = None
        refused = False
        try:
            # Checked again now: the name may point somewhere else than when it was saved.
            target = check_target(hook.url, self._allowed, self._resolve)
            error = self._post(hook.url, target, hook.secret, delivery)
        except WebhookTargetRefused as exc:
            error, refused = exc.message[:300], True
        except WebhookHostUnresolved as exc:
            error = exc.message[:300]
        now = datetime.now(UTC)
        attempts = delivery.attempts + 1
        self._webhooks.record_delivery(
            delivery.delivery_id,
            delivered=error is None,
            error=error,
            next_attempt=now + backoff(attempts),
            dead=refused or (error is not None and attempts >= self._max_attempts),
            now=now,
        )
        if error is not None:
            log.warning("webhook %s attempt %d failed: %s", hook.url, attempts, error)

    def _post(
        self, url: str, target: WebhookTarget, secret: str, delivery: WebhookDelivery
    ) -> str | None:
        """Send to the checked address (Host header and TLS name stay the URL's host);
        return the error, or None once the receiver answered 2xx."""
        body = delivery.payload.encode()
        timestamp = int(time.time())
        original = httpx.URL(url)
        pinned = original.copy_with(host=str(target.address))
        try:
            response = self._client.post(
                pinned,
                content=body,
                headers={
                    "Host": original.netloc.decode("ascii"),
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(secret, timestamp, body),
                    "X-Sitewarden-Delivery": delivery.delivery_id,
                },
                extensions={"sni_hostname": target.host} if original.scheme == "https" else {},
            )
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:300]
        if not 200 <= response.status_code < 300:
            return f"HTTP {response.status_code}"
        return None


def encode_sse(payload: dict[str, Any]) -> bytes:
    return b"event: alert\ndata: " + orjson.dumps(payload) + b"\n\n"
