"""What access control holds about a subject, for subject requests: an enrolled
person's opened name, ID number, phone, group, named access groups, validity, bar,
badges and face-template enrolments (never the vectors: meaningless to a reader and,
outside the vault, a biometric copy that any matcher could use).
"""

from __future__ import annotations

from typing import Any

from sitewarden.access.groups import AccessGroupTables
from sitewarden.access.records import Person, person_of, subject_of
from sitewarden.access.sealed import (
    badges_with_value,
    open_badge,
    open_person,
    people_with_national_id,
)
from sitewarden.access.tables import AccessTables
from sitewarden.privacy.subject_export import iso_time
from sitewarden.privacy.subject_requests import SubjectRef
from sitewarden.privacy.vault import Vault


class AccessSubjectRecords:
    """Enrolled people, as a :class:`~sitewarden.privacy.subject_requests.SubjectHolder`."""

    section = "person"

    def __init__(self, access: AccessTables, vault: Vault, groups: AccessGroupTables) -> None:
        self._access = access
        self._vault = vault
        self._groups = groups

    def find_subjects(self, ref: SubjectRef) -> list[str]:
        """Enrolled people holding the badge or ID number named."""
        if ref.field == "badge_id":
            badges = badges_with_value(self._access, self._vault, ref.site_id, ref.value)
            return sorted({subject_of(badge.person_id) for badge in badges})
        if ref.field == "national_id":
            return [
                p.subject_id
                for p in people_with_national_id(self._access, self._vault, ref.site_id, ref.value)
            ]
        return []

    def export_records(self, site_id: str, subject_id: str) -> dict[str, Any] | None:
        person_id = person_of(subject_id)
        person = self._access.get_person(site_id, person_id) if person_id else None
        return None if person is None else self._person(person)

    def forget_subject(self, site_id: str, subject_id: str) -> int:
        """The person, their badges, face templates and named groups."""
        return self._access.forget_access_subject(site_id, subject_id)

    def _person(self, person: Person) -> dict[str, Any]:
        details = open_person(self._vault, person)
        site_id, person_id = person.site_id, person.person_id
        return {
            "person_id": person_id,
            "group": person.group,
            "groups": self._groups.groups_of(site_id, person_id),
            "name": details.name if details else None,
            "national_id": details.national_id if details else None,
            "phone": details.phone if details else None,
            "valid_from": iso_time(person.valid_from),
            "valid_until": iso_time(person.valid_until),
            "barred_at": iso_time(person.barred_at),
            "barred_by": person.barred_by,
            "bar_reason": details.bar_reason if details else None,
            "enrolled_at": iso_time(person.created_at),
            "enrolled_by": person.created_by,
            "badges": [
                {
                    "badge_ref": badge.badge_ref,
                    "value": open_badge(self._vault, badge),
                    "created_at": iso_time(badge.created_at),
                    "revoked_at": iso_time(badge.revoked_at),
                }
                for badge in self._access.list_badges(site_id, person_id)
            ],
            "face_templates": [
                {"template_id": template.template_id, "enrolled_at": iso_time(template.created_at)}
                for template in self._access.face_templates(site_id)
                if template.person_id == person_id
            ],
        }
