r"""The answer to an access request: everything held about a person or vehicle, opened.

Besides the subject's events and consents, the export carries the records each feature
holding subjects keeps about it (``SubjectHolder``\ s, handed in by the runtime): an
enrolled person's opened name, ID number, phone, group, validity, bar, badges and
face-template enrolments (``access/subject_records.py``); a vehicle's registration,
allow and deny entries, permits and parking sessions (``parking/subject_records.py``).
Face-template vectors themselves are not exported: they are meaningless to a reader
and, outside the vault, a biometric copy that any matcher could use; the export lists
when each one was enrolled.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sitewarden.privacy.subject_requests import SubjectRef, SubjectRequests

MAX_EXPORTED_EVENTS = 1_000_000


def export_subject(requests: SubjectRequests, ref: SubjectRef) -> dict[str, Any]:
    """Everything held about the subject(s) the reference names (and those linked to
    them), opened; ``unresolved`` says what it may lack.

    The caller audits the export (it reveals personal data in full)."""
    subject_ids = requests.resolve(ref)
    events = requests.events_of(ref.site_id, subject_ids, limit=MAX_EXPORTED_EVENTS + 1)
    missing = requests.unresolved(ref.site_id)
    if len(events) > MAX_EXPORTED_EVENTS:
        events = events[:MAX_EXPORTED_EVENTS]
        missing.append(
            f"only the first {MAX_EXPORTED_EVENTS} events are in this export; the subject has more"
        )
    vault = requests.vault
    return {
        "site_id": ref.site_id,
        "subjects": [_subject(requests, ref.site_id, subject_id) for subject_id in subject_ids],
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


def _subject(requests: SubjectRequests, site_id: str, subject_id: str) -> dict[str, Any]:
    record = requests.privacy.get_subject(site_id, subject_id)
    answer: dict[str, Any] = {
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
            for c in requests.privacy.list_consents(site_id, subject_id)
        ],
    }
    for holder in requests.holders:
        answer[holder.section] = holder.export_records(site_id, subject_id)
    return answer


def plain_record(record: Any) -> dict[str, Any]:
    """A record as JSON-ready values (times in ISO 8601; sealed bytes are never in these)."""
    return {
        name: iso_time(value) if isinstance(value, datetime) else getattr(value, "value", value)
        for name, value in asdict(record).items()
        if not isinstance(value, bytes)
    }


def iso_time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
