"""Enrolled people and their badges.

A person is the vault subject ``p-<person_id>``. Their name, ID number, phone, the
reason they were barred, and each badge value are sealed under that subject's data
key, bound to table, row and field; badges are found by a truncated blind index and
every candidate is opened and compared, so index collisions never reach an answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sitewarden.access.records import GROUPS, Badge, Person, subject_of
from sitewarden.access.sealed import (
    BADGE_FIELD,
    BADGES_TABLE,
    PEOPLE_TABLE,
    PersonDetails,
    badges_with_value,
    open_badge,
    open_person,
)
from sitewarden.access.tables import AccessTables
from sitewarden.errors import AlreadyExists, InvalidInput, NotFound
from sitewarden.privacy.blind_index import normalise
from sitewarden.privacy.sealing import binding, seal
from sitewarden.privacy.subject_requests import ErasureReport, SubjectRef
from sitewarden.privacy.vault import Vault
from sitewarden.validity import check_window


def new_person_id() -> str:
    return secrets.token_hex(6)


def check_group(group: str) -> None:
    if group not in GROUPS:
        raise InvalidInput(f"unknown group {group!r}; use one of {', '.join(GROUPS)}")


class People:
    """People and badges of every site, sealed through the vault."""

    def __init__(
        self, access: AccessTables, vault: Vault, erase: Callable[[SubjectRef], ErasureReport]
    ) -> None:
        self.access = access
        self.vault = vault
        self._erase = erase  # a subject request's erasure (the runtime's SubjectRequests)

    # --- sealing ---------------------------------------------------------------------
    def _seal(self, site_id: str, person_id: str, field: str, value: str | None) -> bytes | None:
        if value is None:
            return None
        key = self.vault.data_key_for(site_id, subject_of(person_id))
        return seal(key, value.encode(), binding(PEOPLE_TABLE, person_id, field))

    def details(self, person: Person) -> PersonDetails | None:
        """The person's fields opened; None once the person was erased."""
        return open_person(self.vault, person)

    # --- people ----------------------------------------------------------------------
    def require(self, site_id: str, person_id: str) -> Person:
        person = self.access.get_person(site_id, person_id)
        if person is None:
            raise NotFound(f"person {person_id!r} not found in site {site_id!r}")
        return person

    def enrol(
        self,
        site_id: str,
        *,
        name: str,
        group: str,
        actor: str,
        national_id: str | None = None,
        phone: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> Person:
        """A new person; their fields are sealed before anything is stored."""
        check_group(group)
        check_window(valid_from, valid_until)
        if not name.strip():
            raise InvalidInput("name is empty")
        person_id = new_person_id()
        person = Person(
            site_id=site_id,
            person_id=person_id,
            group=group,
            valid_from=valid_from,
            valid_until=valid_until,
            sealed_name=self._seal(site_id, person_id, "name", name.strip()) or b"",
            sealed_national_id=self._seal(
                site_id,
                person_id,
                "national_id",
                normalise("national_id", national_id) if national_id else None,
            ),
            sealed_phone=self._seal(
                site_id, person_id, "phone", normalise("phone", phone) if phone else None
            ),
            barred_at=None,
            barred_by=None,
            sealed_bar_reason=None,
            created_at=datetime.now(UTC),
            created_by=actor,
        )
        self.access.add_person(person)
        return person

    def change(
        self,
        person: Person,
        *,
        group: str | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        clear_window: bool = False,
    ) -> Person:
        """Change group or validity window (``clear_window`` makes it open-ended)."""
        if group is not None:
            check_group(group)
        start = None if clear_window else (valid_from or person.valid_from)
        end = None if clear_window else (valid_until or person.valid_until)
        check_window(start, end)
        changed = replace(person, group=group or person.group, valid_from=start, valid_until=end)
        self.access.update_person(changed)
        return changed

    def bar(self, person: Person, reason: str, actor: str) -> Person:
        """Bar the person: every reader denies them (reason 'barred') and an alert fires."""
        if not reason.strip():
            raise InvalidInput("say why the person is barred (reason)")
        barred = replace(
            person,
            barred_at=datetime.now(UTC),
            barred_by=actor,
            sealed_bar_reason=self._seal(
                person.site_id, person.person_id, "bar_reason", reason.strip()
            ),
        )
        self.access.update_person(barred)
        return barred

    def lift_bar(self, person: Person) -> Person:
        lifted = replace(person, barred_at=None, barred_by=None, sealed_bar_reason=None)
        self.access.update_person(lifted)
        return lifted

    def erase(self, person: Person) -> int:
        """Crypto-shred the person (their key, so their events too) and drop their rows."""
        report = self._erase(SubjectRef(person.site_id, "subject_id", person.subject_id))
        self.access.delete_person(person.site_id, person.person_id)
        return report.events_erased

    # --- badges ----------------------------------------------------------------------
    def add_badge(self, person: Person, value: str) -> Badge:
        """Give the person a badge; a value another active badge holds is refused."""
        compact = normalise(BADGE_FIELD, value)
        if not compact or len(compact) > 128:
            raise InvalidInput("badge id must have 1 to 128 characters")
        existing = self.find_badge(person.site_id, compact)
        if existing is not None and existing.revoked_at is None:
            raise AlreadyExists("that badge is already enrolled in this site; revoke it first")
        badge_ref = "b-" + secrets.token_hex(6)
        key = self.vault.data_key_for(person.site_id, person.subject_id)
        badge = Badge(
            site_id=person.site_id,
            badge_ref=badge_ref,
            person_id=person.person_id,
            lookup=self.vault.lookup_term(person.site_id, BADGE_FIELD, compact),
            sealed_value=seal(key, compact.encode(), binding(BADGES_TABLE, badge_ref, BADGE_FIELD)),
            created_at=datetime.now(UTC),
        )
        self.access.add_badge(badge)
        return badge

    def badge_value(self, badge: Badge) -> str | None:
        return open_badge(self.vault, badge)

    def find_badge(self, site_id: str, value: str) -> Badge | None:
        """The active badge with this value, else the newest revoked one, else None."""
        found = badges_with_value(self.access, self.vault, site_id, value)
        found.sort(key=lambda badge: (badge.revoked_at is None, badge.created_at))
        return found[-1] if found else None

    def revoke_badge(self, site_id: str, badge_ref: str, reason: str = "revoked") -> None:
        """Revoke an active badge; ``reason`` 'lost' says it was reported lost."""
        if not self.access.revoke_badge(site_id, badge_ref, datetime.now(UTC), reason):
            raise NotFound(f"no active badge {badge_ref!r} in site {site_id!r}")
