"""Erasure and export by any identifying value reach every event of the person: an event
is sealed under one subject, and the subjects of its other values are linked to it."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from sitewarden.config import Settings
from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.subject_export import export_subject
from sitewarden.privacy.subject_requests import SubjectRef
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage
from sitewarden.runtime.system import build_subject_requests
from tests.conftest import raw_sql

pytestmark = pytest.mark.both_backends

IDS = EventIdFactory()
SITE = "links"
PERSON = {
    "person_name": "Zhang Min",
    "national_id": "11010519491231002X",
    "badge_id": "B-7788",
}


def stored(
    vault: Vault,
    store: Storage,
    personal: dict[str, Any],
    kind: str = "access.granted",
    attributes: dict[str, Any] | None = None,
) -> Event:
    now = datetime.now(UTC)
    event = Event(
        IDS.new(),
        SITE,
        None,
        "reader",
        kind,
        Severity.INFO,
        now,
        now,
        attributes or {"credential": "badge"},
        dict(personal),
        None,
    )
    vault.seal_events([event])
    store.batch.insert_events([event], {})
    copy = store.events.get_event(event.id)
    assert copy is not None
    return copy


@pytest.fixture
def keys() -> KeyRing:
    return KeyRing(os.urandom(32), os.urandom(32), os.urandom(32))


def exported_ids(store: Storage, vault: Vault, field: str, value: str) -> set[str]:
    document = export_subject(build_subject_requests(store, vault), SubjectRef(SITE, field, value))
    assert document["unresolved"] == []
    return {event["id"] for event in document["events"]}


def assert_unreadable(store: Storage, keys: KeyRing, before: Event) -> None:
    """The event reads as erased, and so does its ciphertext as a backup holds it."""
    fresh = Vault(store.privacy, keys)
    now = store.events.get_event(before.id)
    assert now is not None and fresh.open_event(now).state == "erased"
    assert before.subject_id is not None
    assert store.privacy.get_data_keys(SITE, [before.subject_id]) == {}
    assert fresh.open_event(before).state == "erased"


@pytest.mark.parametrize(
    ("field", "value"),
    [("badge_id", "b-7788"), ("national_id", "1101 0519 4912 3100 2x")],
)
def test_erasing_by_either_value_of_an_event_erases_it(
    store: Storage, keys: KeyRing, field: str, value: str
) -> None:
    vault = Vault(store.privacy, keys)
    both = stored(vault, store, PERSON)
    badge_only = stored(vault, store, {"badge_id": "B-7788"})
    id_only = stored(vault, store, {"national_id": PERSON["national_id"]})
    stranger = stored(vault, store, {"badge_id": "B-0001"})
    mine = {str(both.id), str(badge_only.id), str(id_only.id)}

    assert exported_ids(store, vault, field, value) == mine
    report = build_subject_requests(store, vault).erase(SubjectRef(SITE, field, value))
    assert report.events_erased == 3 and report.unresolved == []
    for event in (both, badge_only, id_only):
        assert_unreadable(store, keys, event)
    untouched = store.events.get_event(stranger.id)
    assert untouched is not None
    assert Vault(store.privacy, keys).open_event(untouched).fields == {"badge_id": "B-0001"}


def test_links_are_followed_however_far_and_reach_phone_and_person_ref(
    store: Storage, keys: KeyRing
) -> None:
    vault = Vault(store.privacy, keys)
    first = stored(vault, store, PERSON)  # ID number + badge
    second = stored(vault, store, {"badge_id": "B-7788", "phone": "+86 138 1234 5678"})
    enrolled = stored(
        vault,
        store,
        {"phone": "13812345678"},
        attributes={"credential": "face", "person_ref": "emp-7"},
    )
    phone_only = stored(vault, store, {"person_name": "Zhang Min", "phone": "138-1234-5678"})
    events = (first, second, enrolled, phone_only)
    assert phone_only.subject_id not in (None, "site")  # a phone is a subject of its own now
    everything = {str(event.id) for event in events}

    for field, value in (
        ("phone", "13812345678"),
        ("badge_id", "B-7788"),
        ("national_id", PERSON["national_id"]),
        ("subject_id", "p-emp-7"),
    ):
        assert exported_ids(store, vault, field, value) == everything, field
    report = build_subject_requests(store, vault).erase(SubjectRef(SITE, "phone", "13812345678"))
    assert "p-emp-7" in report.subject_ids and report.events_erased == 4
    for event in events:
        assert_unreadable(store, keys, event)


def test_a_link_made_in_another_process_is_followed(store: Storage, keys: KeyRing) -> None:
    """The node that erases never saw the event that linked the two values."""
    node = Vault(store.privacy, keys)
    stored(node, store, {"badge_id": "B-7788"})
    both = stored(node, store, PERSON)
    other = Vault(store.privacy, keys)
    assert exported_ids(store, other, "badge_id", "B-7788") >= {str(both.id)}
    build_subject_requests(store, other).erase(SubjectRef(SITE, "badge_id", "B-7788"))
    assert_unreadable(store, keys, both)
    # The first node sees a new subject for the value, not the erased one.
    again = stored(node, store, PERSON)
    assert again.subject_id != both.subject_id
    assert Vault(store.privacy, keys).open_event(again).fields == PERSON


def test_plates_are_exported_and_erased_by_plate(store: Storage, keys: KeyRing) -> None:
    vault = Vault(store.privacy, keys)
    read = stored(vault, store, {"plate": "浙A·12345"}, "plate.read", {"confidence": 0.9})
    assert exported_ids(store, vault, "plate", "浙A12345") == {str(read.id)}
    build_subject_requests(store, vault).erase(SubjectRef(SITE, "plate", "浙Ａ１２３４５"))
    assert_unreadable(store, keys, replace(read))


def test_events_stored_before_links_make_the_answer_say_it_may_be_incomplete(
    store: Storage, settings: Settings, keys: KeyRing
) -> None:
    vault = Vault(store.privacy, keys)
    stored(vault, store, PERSON)
    raw_sql(settings, "INSERT INTO unlinked_events VALUES (?, ?)", (SITE, 12))
    document = export_subject(
        build_subject_requests(store, vault), SubjectRef(SITE, "badge_id", "B-7788")
    )
    report = build_subject_requests(store, vault).erase(SubjectRef(SITE, "badge_id", "B-7788"))
    for notes in (document["unresolved"], report.unresolved):
        assert len(notes) == 1 and "12 events" in notes[0] and "before" in notes[0]
