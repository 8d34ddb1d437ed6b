"""Devices a gateway relays for, remembered briefly so that each batch need not look
every one of them up again."""

from __future__ import annotations

import time

from sitewarden.events.validation import Sender
from sitewarden.store.base import Store

RELAYED_TTL_S = 5.0


class RelayedDevices:
    """``(site, device) -> Sender`` for registered devices, each kept ``ttl_s`` seconds.

    The registry can change in another process (the CLI), so entries expire rather
    than wait to be told. A device removed or moved is seen within ``ttl_s``; an
    unknown device is looked up every time, so one registered just now relays at once.
    """

    def __init__(self, store: Store, ttl_s: float = RELAYED_TTL_S) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._known: dict[tuple[str, str], tuple[float, Sender]] = {}

    def find(self, site_id: str, device_id: str) -> Sender | None:
        now = time.monotonic()
        known = self._known.get((site_id, device_id))
        if known is not None and known[0] > now:
            return known[1]
        device = self._store.get_device(site_id, device_id)
        if device is None:
            self._known.pop((site_id, device_id), None)
            return None
        sender = Sender(device.site_id, device.device_id, device.kind, device.zone_id)
        self._known[(site_id, device_id)] = (now + self._ttl_s, sender)
        return sender
