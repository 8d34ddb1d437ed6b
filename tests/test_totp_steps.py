"""The store takes each TOTP time step of a user once, on both backends."""

from __future__ import annotations

import pytest

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.runtime.storage import Storage

pytestmark = pytest.mark.both_backends


def test_a_totp_step_is_claimed_once_and_never_an_older_one(store: Storage) -> None:
    user, _ = create_user(
        store.accounts, store.registry, "stepper", Role.ADMIN, password="a long enough passphrase"
    )
    assert store.accounts.claim_totp_step(user.user_id, 100)
    assert not store.accounts.claim_totp_step(user.user_id, 100)  # the same code again: a replay
    assert not store.accounts.claim_totp_step(user.user_id, 99)
    store.accounts.update_user(user)  # a stale copy of the user does not undo the claim
    assert not store.accounts.claim_totp_step(user.user_id, 100)
    assert store.accounts.claim_totp_step(user.user_id, 101)
    fresh = store.accounts.get_user(user.user_id)
    assert fresh is not None and fresh.totp_last_step == 101
