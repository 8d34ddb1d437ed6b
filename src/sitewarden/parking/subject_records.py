"""What parking holds about a subject (a vehicle), for subject requests: its
registration, allow and deny entries, permits and parking sessions."""

from __future__ import annotations

from typing import Any

from sitewarden.parking.data import ParkingData
from sitewarden.parking.records import SessionQuery
from sitewarden.privacy.subject_export import plain_record
from sitewarden.privacy.subject_requests import SubjectRef

MAX_EXPORTED_SESSIONS = 100_000


class ParkingSubjectRecords:
    """Vehicles, as a :class:`~sitewarden.privacy.subject_requests.SubjectHolder`."""

    section = "vehicle"

    def __init__(self, data: ParkingData) -> None:
        self._data = data

    def find_subjects(self, ref: SubjectRef) -> list[str]:
        return []  # plates are found through the vault's blind index

    def export_records(self, site_id: str, subject_id: str) -> dict[str, Any] | None:
        config = self._data.config
        vehicle = config.get_vehicle(site_id, subject_id)
        entries = config.list_entries(site_id, subject_id)
        permits = config.list_permits(site_id, subject_id)
        sessions = self._data.sessions.find_sessions(
            SessionQuery(site_id, subject_ids=(subject_id,), limit=MAX_EXPORTED_SESSIONS)
        )
        if vehicle is None and not (entries or permits or sessions):
            return None
        return {
            "registered": plain_record(vehicle) if vehicle else None,
            "list_entries": [plain_record(entry) for entry in entries],
            "permits": [plain_record(permit) for permit in permits],
            "parking_sessions": [plain_record(session) for session in sessions],
        }

    def forget_subject(self, site_id: str, subject_id: str) -> int:
        """Nothing: a vehicle's records carry only its subject id, whose key is shredded;
        they stay for the garage's accounts."""
        return 0
