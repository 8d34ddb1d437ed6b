"""The vault keeps unwrapped only the keys that something is sealed under: a subject that
is only linked (the badge beside an enrolled person's reference) keeps its key wrapped in
the store, and is read from there if an event is later sealed under it."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest

from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage

IDS = EventIdFactory()
SITE = "cache"
ENROLLED = {"person_ref": "7"}
PERSON = {"person_name": "Li Wei", "badge_id": "B-2001", "phone": "+86 138 0000 2001"}


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing(os.urandom(32), os.urandom(32), os.urandom(32))


def event(personal: dict[str, Any], attributes: dict[str, Any] | None = None) -> Event:
    now = datetime.now(UTC)
    return Event(
        IDS.new(),
        SITE,
        None,
        "reader",
        "access.granted",
        Severity.INFO,
        now,
        now,
        {"credential": "badge", **(attributes or {})},
        dict(personal),
        None,
    )


def sealed(vault: Vault, store: Storage, *batch: Event) -> list[Event]:
    vault.seal_events(batch)
    store.batch.insert_events(list(batch), {})
    copies = [store.events.get_event(one.id) for one in batch]
    assert all(copy is not None for copy in copies)
    return [copy for copy in copies if copy is not None]


def cached_subjects(vault: Vault) -> set[str]:
    return {subject_id for _, subject_id in vault._data_keys}


def test_subjects_only_linked_keep_no_unwrapped_key(store: Storage, keys: KeyRing) -> None:
    vault = Vault(store.privacy, keys)
    (first,) = sealed(vault, store, event(PERSON, ENROLLED))
    assert first.subject_id == "p-7"
    badge = vault.find_subjects(SITE, "badge_id", "B-2001")
    phone = vault.find_subjects(SITE, "phone", PERSON["phone"])
    assert len(badge) == 1 and len(phone) == 1  # created and stored, with their keys
    assert store.privacy.get_data_keys(SITE, badge + phone).keys() == set(badge + phone)
    assert cached_subjects(vault) == {"p-7"}

    restarted = Vault(store.privacy, keys)  # finds the stored subjects instead of creating them
    (again,) = sealed(restarted, store, event(PERSON, ENROLLED))
    assert again.subject_id == "p-7"
    assert cached_subjects(restarted) == {"p-7"}
    assert restarted.open_event(again).fields == PERSON


def test_a_linked_subject_created_in_the_same_batch_can_be_sealed_under(
    store: Storage, keys: KeyRing
) -> None:
    vault = Vault(store.privacy, keys)
    linked, badge_only = sealed(
        vault, store, event(PERSON, ENROLLED), event({"badge_id": "B-2001"})
    )
    assert linked.subject_id == "p-7"
    assert [badge_only.subject_id] == vault.find_subjects(SITE, "badge_id", "B-2001")
    for reader in (vault, Vault(store.privacy, keys)):
        assert reader.open_event(badge_only).fields == {"badge_id": "B-2001"}
        assert reader.open_event(linked).fields == PERSON


def test_a_linked_subject_sealed_under_later_reads_its_stored_key(
    store: Storage, keys: KeyRing
) -> None:
    vault = Vault(store.privacy, keys)
    sealed(vault, store, event(PERSON, ENROLLED))
    (phone_only,) = sealed(vault, store, event({"phone": PERSON["phone"]}))
    assert [phone_only.subject_id] == vault.find_subjects(SITE, "phone", PERSON["phone"])
    assert phone_only.subject_id in cached_subjects(vault)  # sealed under now: kept
    for reader in (vault, Vault(store.privacy, keys)):
        assert reader.open_event(phone_only).fields == {"phone": PERSON["phone"]}
