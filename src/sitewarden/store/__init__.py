"""Storage: the Store protocol and its backends."""

from __future__ import annotations

from sitewarden.config import Settings
from sitewarden.store.base import Store
from sitewarden.store.sqlite import SQLiteStore


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the store the settings name."""
    return SQLiteStore(settings.sqlite_path)


__all__ = ["SQLiteStore", "Store", "open_store"]
