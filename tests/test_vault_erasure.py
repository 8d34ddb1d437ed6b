"""An erasure made by one process reaches the caches of every other process on the
database: a node that sealed for a subject before must not seal for it again, under a
key that no longer exists, after another node or the CLI erased it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sitewarden.config import Settings
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.subject_requests import SubjectRef
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage, open_storage
from sitewarden.runtime.system import build_subject_requests

pytestmark = pytest.mark.both_backends

IDS = EventIdFactory()
PLATE = "浙A12345"


def plate_read(site_id: str, plate: str) -> Event:
    now = datetime.now(UTC)
    return Event(
        IDS.new(),
        site_id,
        None,
        "cam",
        "plate.read",
        Severity.INFO,
        now,
        now,
        {"confidence": 1.0},
        {"plate": plate},
        None,
    )


def sealed(vault: Vault, store: Storage, site_id: str, plate: str) -> Event:
    event = plate_read(site_id, plate)
    vault.seal_events([event])
    store.batch.insert_events([event], {})
    return event


@pytest.fixture
def other_store(settings: Settings) -> Iterator[Storage]:
    """A second connection to the same database, as another process would hold."""
    opened = open_storage(settings)
    yield opened
    opened.close()


def test_shredding_bumps_only_that_sites_epoch(store: Storage) -> None:
    assert store.privacy.vault_epochs(["a", "b"]) == {}
    store.privacy.shred_subject("a", "v-1")
    store.privacy.shred_subject("a", "v-2")
    assert store.privacy.vault_epochs(["a", "b"]) == {"a": 2}
    assert store.privacy.vault_epochs([]) == {}


def test_a_subject_erased_elsewhere_is_not_sealed_for_again(
    store: Storage, other_store: Storage
) -> None:
    keys = KeyRing(os.urandom(32), os.urandom(32), os.urandom(32))
    node = Vault(store.privacy, keys)  # a running server
    cli = Vault(other_store.privacy, keys)  # 'sitewarden subject erase' beside it
    first = sealed(node, store, "s", PLATE)
    neighbour = sealed(node, store, "t", PLATE)  # the same plate in another site
    erased_id = first.subject_id
    assert erased_id is not None

    report = build_subject_requests(other_store, cli).erase(SubjectRef("s", "plate", PLATE))
    assert report.subject_ids == [erased_id] and report.events_erased == 1

    again = sealed(node, store, "s", PLATE)
    assert again.subject_id is not None and again.subject_id != erased_id
    # The new subject's key is stored, so a fresh process opens what was sealed under it.
    assert set(store.privacy.get_data_keys("s", [again.subject_id])) == {again.subject_id}
    stored = store.events.get_event(again.id)
    assert stored is not None
    assert Vault(store.privacy, keys).open_event(stored).fields == {"plate": PLATE}
    # The other site's subject and its cache were left alone.
    assert sealed(node, store, "t", PLATE).subject_id == neighbour.subject_id
