"""Opening an enrolled person's sealed fields and badges.

Kept apart from ``people.py`` so that subject requests (privacy) can find and open
people without depending on enrolment. Callers decide who may see the values and
audit every opening.
"""

from __future__ import annotations

from dataclasses import dataclass

from sitewarden.access.records import Badge, Person, subject_of
from sitewarden.access.tables import AccessTables
from sitewarden.privacy.blind_index import normalise
from sitewarden.privacy.sealing import binding, unseal
from sitewarden.privacy.vault import Vault

PEOPLE_TABLE = "access_people"
BADGES_TABLE = "access_badges"
BADGE_FIELD = "badge_id"


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """A person's personal fields, opened."""

    name: str
    national_id: str | None
    phone: str | None
    bar_reason: str | None


def open_person(vault: Vault, person: Person) -> PersonDetails | None:
    """The person's fields opened; None once the person was erased."""
    key = vault.stored_data_key(person.site_id, person.subject_id)
    if key is None:
        return None

    def opened(field: str, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        return unseal(key, sealed, binding(PEOPLE_TABLE, person.person_id, field)).decode()

    return PersonDetails(
        opened("name", person.sealed_name) or "",
        opened("national_id", person.sealed_national_id),
        opened("phone", person.sealed_phone),
        opened("bar_reason", person.sealed_bar_reason),
    )


def open_badge(vault: Vault, badge: Badge) -> str | None:
    """The badge's value; None once its holder was erased."""
    key = vault.stored_data_key(badge.site_id, subject_of(badge.person_id))
    if key is None:
        return None
    return unseal(
        key, badge.sealed_value, binding(BADGES_TABLE, badge.badge_ref, BADGE_FIELD)
    ).decode()


def badges_with_value(access: AccessTables, vault: Vault, site_id: str, value: str) -> list[Badge]:
    """Badges (active or revoked) holding ``value``: found by the truncated blind index,
    then each candidate opened and compared, so index collisions never reach an answer."""
    wanted = normalise(BADGE_FIELD, value)
    candidates = access.find_badges(site_id, vault.lookup_term(site_id, BADGE_FIELD, wanted))
    return [badge for badge in candidates if open_badge(vault, badge) == wanted]


def people_with_national_id(
    access: AccessTables, vault: Vault, site_id: str, value: str
) -> list[Person]:
    """Enrolled people whose ID number is ``value``. The people table has no blind index
    on ID numbers, so each person's sealed number is opened: fine for the rare subject
    request, not for a hot path."""
    wanted = normalise("national_id", value)
    found = []
    for person in access.list_people(site_id):
        if person.sealed_national_id is None:
            continue
        details = open_person(vault, person)
        if details is not None and details.national_id == wanted:
            found.append(person)
    return found
