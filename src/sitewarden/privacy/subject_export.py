"""The answer to an access request: everything held about a person or vehicle, opened.

Besides the subject's events and consents, the export carries the records other
capabilities keep about it: an enrolled person's opened name, ID number, phone, group,
validity, bar, badges and face-template enrolments; a vehicle's owner reference, allow
and deny entries, permits and parking sessions. Face-template vectors themselves are
not exported: they are meaningless to a reader and, outside the vault, a biometric
copy that any matcher could use; the export lists when each one was enrolled.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sitewarden.access.people import People
from sitewarden.access.records import Person, person_of
from sitewarden.parking.storage import SessionQuery
from sitewarden.privacy.subject_requests import (
    SubjectRef,
    resolve_subjects,
    subject_events,
    unresolved,
)
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage

MAX_EXPORTED_EVENTS = 1_000_000
MAX_EXPORTED_SESSIONS = 100_000


def export_subject(store: Storage, vault: Vault, ref: SubjectRef) -> dict[str, Any]:
    """Everything held about the subject(s) the reference names (and those linked to
    them), opened; ``unresolved`` says what it may lack.

    The caller audits the export (it reveals personal data in full)."""
    subject_ids = resolve_subjects(store, vault, ref)
    events = subject_events(store, ref.site_id, subject_ids, limit=MAX_EXPORTED_EVENTS + 1)
    missing = unresolved(store, ref.site_id)
    if len(events) > MAX_EXPORTED_EVENTS:
        events = events[:MAX_EXPORTED_EVENTS]
        missing.append(
            f"only the first {MAX_EXPORTED_EVENTS} events are in this export; the subject has more"
        )
    return {
        "site_id": ref.site_id,
        "subjects": [_subject(store, vault, ref.site_id, subject_id) for subject_id in subject_ids],
        "events": [
            {
                "id": str(event.id),
                "kind": event.kind,
                "occurred_at": event.occurred_at.isoformat(),
                "zone_id": event.zone_id,
                "device_id": event.device_id,
                "attributes": event.attributes,
                "personal": vault.open_event(event, with_media=True).fields,
            }
            for event in events
        ],
        "exported_at": datetime.now(UTC).isoformat(),
        "unresolved": missing,
    }


def _subject(store: Storage, vault: Vault, site_id: str, subject_id: str) -> dict[str, Any]:
    record = store.privacy.get_subject(site_id, subject_id)
    person_id = person_of(subject_id)
    person = store.access.get_person(site_id, person_id) if person_id else None
    return {
        "subject_id": subject_id,
        "kind": record.kind if record else "person",
        "consents": [
            {
                "purpose": c.purpose,
                "method": c.method,
                "given_at": c.given_at.isoformat(),
                "recorded_by": c.recorded_by,
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in store.privacy.list_consents(site_id, subject_id)
        ],
        "person": _person(store, vault, person) if person else None,
        "vehicle": _vehicle(store, site_id, subject_id),
    }


def _person(store: Storage, vault: Vault, person: Person) -> dict[str, Any]:
    people = People(store, vault)
    details = people.details(person)
    site_id, person_id = person.site_id, person.person_id
    return {
        "person_id": person_id,
        "group": person.group,
        "name": details.name if details else None,
        "national_id": details.national_id if details else None,
        "phone": details.phone if details else None,
        "valid_from": _time(person.valid_from),
        "valid_until": _time(person.valid_until),
        "barred_at": _time(person.barred_at),
        "barred_by": person.barred_by,
        "bar_reason": details.bar_reason if details else None,
        "enrolled_at": _time(person.created_at),
        "enrolled_by": person.created_by,
        "badges": [
            {
                "badge_ref": badge.badge_ref,
                "value": people.badge_value(badge),
                "created_at": _time(badge.created_at),
                "revoked_at": _time(badge.revoked_at),
            }
            for badge in store.access.list_badges(site_id, person_id)
        ],
        "face_templates": [
            {"template_id": template.template_id, "enrolled_at": _time(template.created_at)}
            for template in store.access.face_templates(site_id)
            if template.person_id == person_id
        ],
    }


def _vehicle(store: Storage, site_id: str, subject_id: str) -> dict[str, Any] | None:
    vehicle = store.parking_config.get_vehicle(site_id, subject_id)
    entries = store.parking_config.list_entries(site_id, subject_id)
    permits = store.parking_config.list_permits(site_id, subject_id)
    sessions = store.parking.find_sessions(
        SessionQuery(site_id, subject_ids=(subject_id,), limit=MAX_EXPORTED_SESSIONS)
    )
    if vehicle is None and not (entries or permits or sessions):
        return None
    return {
        "registered": _plain(vehicle) if vehicle else None,
        "list_entries": [_plain(entry) for entry in entries],
        "permits": [_plain(permit) for permit in permits],
        "parking_sessions": [_plain(session) for session in sessions],
    }


def _plain(record: Any) -> dict[str, Any]:
    """A record as JSON-ready values (times in ISO 8601; sealed bytes are never in these)."""
    return {
        name: _time(value) if isinstance(value, datetime) else getattr(value, "value", value)
        for name, value in asdict(record).items()
        if not isinstance(value, bytes)
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
