"""Devices a gateway relays for, remembered briefly so that each batch need not look
every one of them up again."""

from __future__ import annotations

import time

from sitewarden.errors import DatabaseUnavailable, StoreError
from sitewarden.registry.records import Sender
from sitewarden.registry.tables import RegistryTables

RELAYED_TTL_S = 5.0
AWAY_S = 1.0  # after a failed lookup, how long devices are not looked up again


class RelayedDevices:
    """``(site, device) -> Sender`` for registered devices, each kept ``ttl_s`` seconds.

    The registry can change in another process (the CLI), so entries expire rather
    than wait to be told. A device removed or moved is seen within ``ttl_s``; an
    unknown device is looked up every time, so one registered just now relays at once.
    While the database cannot be asked, a device seen before keeps its last entry, and
    the database is asked again only every ``AWAY_S`` (each lookup would wait on it).
    """

    def __init__(self, registry: RegistryTables, ttl_s: float = RELAYED_TTL_S) -> None:
        self._registry = registry
        self._ttl_s = ttl_s
        self._known: dict[tuple[str, str], tuple[float, Sender]] = {}
        self._away_until = 0.0  # the database failed a lookup: not asked again until then

    def find(self, site_id: str, device_id: str) -> Sender | None:
        now = time.monotonic()
        known = self._known.get((site_id, device_id))
        if known is not None and known[0] > now:
            return known[1]
        try:
            if now < self._away_until:  # it failed a moment ago: do not wait on it again
                raise DatabaseUnavailable("the database is unavailable; try again shortly")
            try:
                device = self._registry.get_device(site_id, device_id)
            except StoreError:
                self._away_until = now + AWAY_S  # only a real failure: it is asked again
                raise
        except StoreError:
            if known is None:
                raise
            return known[1]  # a device seen lately is still itself
        if device is None:
            self._known.pop((site_id, device_id), None)
            return None
        sender = Sender(device.site_id, device.device_id, device.kind, device.zone_id)
        self._known[(site_id, device_id)] = (now + self._ttl_s, sender)
        return sender
