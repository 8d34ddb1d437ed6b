"""Storage: the Store protocol and its backends."""

from __future__ import annotations

from sitewarden.config import Settings
from sitewarden.store.base import Store
from sitewarden.store.sqlite import SQLiteStore


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the store the settings name."""
    target = settings.database
    if target.postgres_url is not None:
        from sitewarden.store.postgres import PostgresStore

        return PostgresStore(target.postgres_url)
    assert target.sqlite_path is not None
    return SQLiteStore(target.sqlite_path)


__all__ = ["SQLiteStore", "Store", "open_store"]
