"""API keys the demo makes at each start: the set-up script's and the pay station's.

Like the devices' tokens they live only in memory: each start revokes the keys of the
same name that an earlier start left and issues new ones. The set-up key is revoked as
soon as the set-up is done (:func:`revoke_key`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sitewarden.accounts import accounts
from sitewarden.accounts.records import ApiKey
from sitewarden.accounts.roles import Permission, Role
from sitewarden.demo.site import SITE_ID
from sitewarden.runtime.storage import Storage

SETUP_KEY_NAME = "demo set-up"
PAY_STATION_USER = "pay-station"
PAY_STATION_KEY_NAME = "garage pay station"
PAY_STATION_SCOPES = (Permission.PARKING_PAY, Permission.PARKING_READ)


def issue_setup_key(store: Storage, admin_username: str) -> tuple[ApiKey, str]:
    """A key for the demo's set-up calls, acting as the demo administrator."""
    admin = accounts.require_user(store.accounts, admin_username)
    _revoke_named(store, admin.user_id, SETUP_KEY_NAME)
    return accounts.create_api_key(store.accounts, admin, SETUP_KEY_NAME)


def issue_pay_station_key(store: Storage) -> str:
    """The garage pay station's key: an operator of the demo site that may only take payments
    and read sessions."""
    user = store.accounts.get_user_by_name(PAY_STATION_USER)
    if user is None:
        user, _ = accounts.create_user(
            store.accounts, store.registry, PAY_STATION_USER, Role.OPERATOR, site_scope=(SITE_ID,)
        )
    _revoke_named(store, user.user_id, PAY_STATION_KEY_NAME)
    _, token = accounts.create_api_key(
        store.accounts, user, PAY_STATION_KEY_NAME, PAY_STATION_SCOPES
    )
    return token


def revoke_key(store: Storage, key: ApiKey) -> None:
    store.accounts.revoke_api_key(key.key_id, datetime.now(UTC))


def _revoke_named(store: Storage, user_id: str, name: str) -> None:
    for key in store.accounts.list_api_keys(user_id):
        if key.name == name and key.revoked_at is None:
            revoke_key(store, key)
