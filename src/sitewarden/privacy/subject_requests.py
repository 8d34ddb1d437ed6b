"""Answering a person's (or a vehicle owner's) access and erasure requests.

A request names a subject by an identifying value (plate, national ID number, badge,
phone) or by its subject id. It reaches every subject *linked* to that one: identifying
values seen together in an event are one person (``vault.py``), and an event is sealed
under only one of them. Export (``subject_export.py``) opens everything held about them;
erasure shreds their data keys, so their sealed fields become unreadable everywhere,
backups included, removes their records, and leaves their events with the personal part
marked erased. What a request could not reach is said in its answer (``unresolved``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sitewarden.access.records import subject_of
from sitewarden.access.sealed import badges_with_value, people_with_national_id
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.query import EventQuery
from sitewarden.privacy.subjects import LOOKUP_FIELDS
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage

IDENTIFYING_FIELDS = (*sorted(LOOKUP_FIELDS), "subject_id")
DETACH_BATCH = 20_000


@dataclass(frozen=True)
class SubjectRef:
    site_id: str
    field: str
    value: str

    def __post_init__(self) -> None:
        if self.field not in IDENTIFYING_FIELDS:
            raise InvalidInput(
                f"cannot identify a subject by {self.field!r}; "
                f"use one of {', '.join(IDENTIFYING_FIELDS)}"
            )
        if not self.value.strip():
            raise InvalidInput("the identifying value is empty")


def resolve_subjects(store: Storage, vault: Vault, ref: SubjectRef) -> list[str]:
    """Subject ids the reference names, and every subject linked to them, however far
    (an ID number seen with a badge, that badge seen with a phone); NotFound if none."""
    if ref.field == "subject_id":
        known = store.privacy.get_subject(ref.site_id, ref.value) or store.privacy.get_data_keys(
            ref.site_id, [ref.value]
        ).get(ref.value)
        found = [ref.value] if known is not None else []
    else:
        found = vault.find_subjects(ref.site_id, ref.field, ref.value)
        found += [s for s in enrolled_subjects(store, vault, ref) if s not in found]
    if not found:
        raise NotFound(f"no subject with that {ref.field} in site {ref.site_id!r}")
    reached, frontier = list(found), found
    while frontier:
        frontier = sorted(store.privacy.linked_subjects(ref.site_id, frontier) - set(reached))
        reached += frontier
    return reached


def unresolved(store: Storage, site_id: str) -> list[str]:
    """What a request on the site cannot have reached, in words (empty when nothing)."""
    unlinked = store.privacy.unlinked_events(site_id)
    if not unlinked:
        return []
    return [
        f"{unlinked} events of site {site_id!r} were stored before identifiers seen together "
        "were linked: among them, an event that carried this value beside another identifier "
        "(or a phone number alone) is found only by that other identifier or not at all; "
        "repeat the request by each identifier the person has"
    ]


def enrolled_subjects(store: Storage, vault: Vault, ref: SubjectRef) -> list[str]:
    """Enrolled people (access control) holding the badge or ID number named."""
    if ref.field == "badge_id":
        badges = badges_with_value(store.access, vault, ref.site_id, ref.value)
        return sorted({subject_of(badge.person_id) for badge in badges})
    if ref.field == "national_id":
        return [
            p.subject_id
            for p in people_with_national_id(store.access, vault, ref.site_id, ref.value)
        ]
    return []


def subject_events(
    store: Storage, site_id: str, subject_ids: list[str], limit: int = 10_000
) -> list[Any]:
    events = []
    cursor = None
    while True:
        page = store.events.query_events(
            EventQuery(site_id=site_id, subject_ids=tuple(subject_ids), limit=1000, after=cursor)
        )
        events.extend(page.events)
        if page.next_cursor is None or len(events) >= limit:
            return events
        cursor = page.next_cursor


@dataclass(frozen=True)
class ErasureReport:
    subject_ids: list[str]
    events_erased: int
    unresolved: list[str]


def erase_subject(store: Storage, vault: Vault, ref: SubjectRef) -> ErasureReport:
    """Crypto-shred the subject(s) the reference names, then detach their events.

    The shredding is one short transaction; detaching runs in batches so that a
    subject with a long history never holds the writer for long.
    """
    subject_ids = resolve_subjects(store, vault, ref)
    erased = 0
    for subject_id in subject_ids:
        store.privacy.shred_subject(ref.site_id, subject_id)
        store.access.forget_access_subject(ref.site_id, subject_id)  # person, badges, templates
        vault.forget(ref.site_id, subject_id)
        while True:
            done = store.privacy.detach_subject_events(ref.site_id, subject_id, DETACH_BATCH)
            erased += done
            if done < DETACH_BATCH:
                break
    return ErasureReport(subject_ids, erased, unresolved(store, ref.site_id))
