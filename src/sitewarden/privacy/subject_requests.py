r"""Answering a person's (or a vehicle owner's) access and erasure requests.

A request names a subject by an identifying value (plate, national ID number, badge,
phone) or by its subject id. It reaches every subject *linked* to that one: identifying
values seen together in an event are one person (``vault.py``), and an event is sealed
under only one of them. Export (``subject_export.py``) opens everything held about them;
erasure shreds their data keys, so their sealed fields become unreadable everywhere,
backups included, removes their records, and leaves their events with the personal part
marked erased. What a request could not reach is said in its answer (``unresolved``).

Features that keep records about subjects (access: enrolled people; parking: vehicles)
take part as :class:`SubjectHolder`\ s, handed in by the runtime: privacy does not
import them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sitewarden.errors import InvalidInput, NotFound
from sitewarden.events.model import Event
from sitewarden.events.query import EventPage, EventQuery
from sitewarden.privacy.subjects import LOOKUP_FIELDS
from sitewarden.privacy.tables import PrivacyTables
from sitewarden.privacy.vault import Vault

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


class SubjectHolder(Protocol):
    """A feature that keeps records about subjects; every request reaches each one."""

    # The key its records go under in an export ("person", "vehicle").
    section: str

    def find_subjects(self, ref: SubjectRef) -> list[str]:
        """Subjects it finds by a value it keeps sealed (a badge, an ID number)."""
        ...

    def export_records(self, site_id: str, subject_id: str) -> dict[str, Any] | None:
        """Its records about the subject, opened; None when it holds none."""
        ...

    def forget_subject(self, site_id: str, subject_id: str) -> int:
        """Remove its records about the subject; how many went."""
        ...


class EventSearch(Protocol):
    """Where a subject's events are found (the events table)."""

    def query_events(self, query: EventQuery) -> EventPage: ...


@dataclass(frozen=True)
class ErasureReport:
    subject_ids: list[str]
    events_erased: int
    unresolved: list[str]


@dataclass(frozen=True)
class SubjectRequests:
    """Resolves, exports and erases subjects, over the vault, the events and every
    feature that holds records about them."""

    privacy: PrivacyTables
    events: EventSearch
    vault: Vault
    holders: Sequence[SubjectHolder]

    def resolve(self, ref: SubjectRef) -> list[str]:
        """Subject ids the reference names, and every subject linked to them, however
        far (an ID number seen with a badge, that badge seen with a phone); NotFound if
        none."""
        if ref.field == "subject_id":
            known = self.privacy.get_subject(ref.site_id, ref.value) or (
                self.privacy.get_data_keys(ref.site_id, [ref.value]).get(ref.value)
            )
            found = [ref.value] if known is not None else []
        else:
            found = self.vault.find_subjects(ref.site_id, ref.field, ref.value)
            for holder in self.holders:
                found += [s for s in holder.find_subjects(ref) if s not in found]
        if not found:
            raise NotFound(f"no subject with that {ref.field} in site {ref.site_id!r}")
        reached, frontier = list(found), found
        while frontier:
            frontier = sorted(self.privacy.linked_subjects(ref.site_id, frontier) - set(reached))
            reached += frontier
        return reached

    def unresolved(self, site_id: str) -> list[str]:
        """What a request on the site cannot have reached, in words (empty when nothing)."""
        unlinked = self.privacy.unlinked_events(site_id)
        if not unlinked:
            return []
        return [
            f"{unlinked} events of site {site_id!r} were stored before identifiers seen "
            "together were linked: among them, an event that carried this value beside "
            "another identifier (or a phone number alone) is found only by that other "
            "identifier or not at all; repeat the request by each identifier the person has"
        ]

    def events_of(self, site_id: str, subject_ids: list[str], limit: int = 10_000) -> list[Event]:
        events: list[Event] = []
        cursor = None
        while True:
            page = self.events.query_events(
                EventQuery(
                    site_id=site_id, subject_ids=tuple(subject_ids), limit=1000, after=cursor
                )
            )
            events.extend(page.events)
            if page.next_cursor is None or len(events) >= limit:
                return events
            cursor = page.next_cursor

    def erase(self, ref: SubjectRef) -> ErasureReport:
        """Crypto-shred the subject(s) the reference names, then detach their events.

        The shredding is one short transaction; detaching runs in batches so that a
        subject with a long history never holds the writer for long.
        """
        subject_ids = self.resolve(ref)
        erased = 0
        for subject_id in subject_ids:
            self.privacy.shred_subject(ref.site_id, subject_id)
            for holder in self.holders:  # e.g. access: the person, badges, templates
                holder.forget_subject(ref.site_id, subject_id)
            self.vault.forget(ref.site_id, subject_id)
            while True:
                done = self.privacy.detach_subject_events(ref.site_id, subject_id, DETACH_BATCH)
                erased += done
                if done < DETACH_BATCH:
                    break
        return ErasureReport(subject_ids, erased, self.unresolved(ref.site_id))
