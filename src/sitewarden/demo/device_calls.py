"""The HTTP calls the demo's gate cameras, readers, cameras and pay station make.

Each device calls with its own token; the pay station with its API key. A call that
fails, times out or is refused is logged and counted, and the caller gets ``None``
and carries on: the simulator never stops because one request went wrong. Calls
slower than :data:`SLOW_S` are logged too (a frame read costs a few hundred ms).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

log = logging.getLogger(__name__)

SLOW_S = 3.0
IMAGE_TIMEOUT_S = 20.0
INGEST_PATH = "/api/v1/events"


class DeviceCalls:
    """Posts as the demo's devices; ``record`` hears each outcome (or 'failed')."""

    def __init__(
        self,
        client: httpx.Client,
        tokens: dict[str, str],
        pay_key: str | None,
        record: Callable[[str], None],
    ) -> None:
        self._client = client
        self._tokens = tokens
        self._pay_key = pay_key
        self._record = record

    # --- gates -----------------------------------------------------------------------
    def gate_frame(self, device_id: str, jpeg: bytes) -> dict[str, Any] | None:
        """A lane camera's frame: the server reads the plate and decides."""
        return self._image(f"/api/v1/gates/{device_id}/frames", device_id, jpeg)

    def gate_read(self, device_id: str, plate: str) -> dict[str, Any] | None:
        """A plate read as text (when no font is installed to render frames)."""
        body = {"plate": plate, "confidence": 0.97}
        return self._call("POST", f"/api/v1/gates/{device_id}/reads", device_id, json=body)

    def pay(self, session_id: str, currency: str, amount_minor: int | None = None) -> int:
        """The pay station settles a session: what it asks for now, or ``amount_minor``.

        Returns the amount paid (0 when nothing was owed or the call failed).
        """
        if self._pay_key is None:
            return 0
        path = f"/api/v1/parking/sessions/{session_id}"
        if amount_minor is None:
            shown = self._call("GET", path, None)
            amount_minor = 0 if shown is None else int(shown["due_now_minor"] or 0)
        if amount_minor <= 0:
            return 0
        body = {
            "amount_minor": amount_minor,
            "currency": currency,
            "method": "qr",
            "reference": f"demo-pay-{uuid.uuid4()}",
        }
        return amount_minor if self._call("POST", path + "/payments", None, json=body) else 0

    # --- readers and cameras ---------------------------------------------------------
    def badge(self, device_id: str, badge_id: str, direction: str) -> dict[str, Any] | None:
        body = {"badge_id": badge_id, "direction": direction}
        return self._call("POST", f"/api/v1/readers/{device_id}/decide", device_id, json=body)

    def face(self, device_id: str, jpeg: bytes, direction: str) -> dict[str, Any] | None:
        path = f"/api/v1/readers/{device_id}/decide?direction={direction}"
        return self._image(path, device_id, jpeg)

    def snapshot(self, device_id: str, jpeg: bytes) -> dict[str, Any] | None:
        return self._image(f"/api/v1/cameras/{device_id}/snapshots", device_id, jpeg)

    def events(self, device_id: str, events: list[dict[str, Any]]) -> dict[str, Any] | None:
        """A batch of events the device recorded itself (decisions it made offline, say)."""
        return self._call("POST", INGEST_PATH, device_id, json=events)

    # --- plumbing --------------------------------------------------------------------
    def _image(self, path: str, device_id: str, jpeg: bytes) -> dict[str, Any] | None:
        return self._call(
            "POST",
            path,
            device_id,
            content=jpeg,
            headers={"Content-Type": "image/jpeg"},
            timeout=IMAGE_TIMEOUT_S,
        )

    def _call(
        self,
        method: str,
        path: str,
        device_id: str | None,
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """One request as ``device_id`` (or the pay station for None); its JSON or None."""
        secret = self._pay_key if device_id is None else self._tokens[device_id]
        who = device_id or "pay station"
        started = time.monotonic()
        try:
            response = self._client.request(
                method,
                path,
                headers={**(headers or {}), "Authorization": f"Bearer {secret}"},
                **kwargs,
            )
        except httpx.HTTPError as exc:
            log.warning("simulator: %s %s %s failed: %r", who, method, path, exc)
            self._record("failed")
            return None
        elapsed = time.monotonic() - started
        if elapsed > SLOW_S:
            log.warning("simulator: %s %s %s took %.1f s", who, method, path, elapsed)
        if response.status_code not in (200, 201):
            log.warning(
                "simulator: %s %s %s answered %d: %s",
                who,
                method,
                path,
                response.status_code,
                response.text[:300],
            )
            self._record("failed")
            return None
        answer: dict[str, Any] = response.json()
        return answer
