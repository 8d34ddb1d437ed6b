"""The register of subject requests: each access or erasure request with its deadline,
state and who handled it, the download links of exports, and each site's settings.

A request never keeps the identifying value it was opened with: only which field it
was, the value masked, and the subjects it resolved to (their ids are pseudonyms).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson

from sitewarden.db.database import Database, _dt, _must_dt, _t

RequestKind = Literal["access", "erasure"]
# open: received, not answered; awaiting_confirmation: an erasure asked for by one
# person, waiting for a second; answered: exported or erased; closed: nothing held.
RequestState = Literal["open", "awaiting_confirmation", "answered"]
DEFAULT_DEADLINE_DAYS = 30  # GDPR Art. 12(3): one month


@dataclass(frozen=True, slots=True)
class SubjectRequest:
    site_id: str
    request_id: str
    kind: RequestKind
    field: str
    masked_value: str
    subject_ids: tuple[str, ...]
    purpose: str
    state: RequestState
    opened_by: str
    opened_at: datetime
    due_at: datetime
    erase_asked_by: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    outcome: str | None = None

    def overdue(self, now: datetime) -> bool:
        return self.state != "answered" and now > self.due_at


@dataclass(frozen=True, slots=True)
class RequestSettings:
    site_id: str
    erasure_needs_confirmation: bool = False
    deadline_days: int = DEFAULT_DEADLINE_DAYS

    def due(self, opened_at: datetime) -> datetime:
        return opened_at + timedelta(days=self.deadline_days)


@dataclass(frozen=True, slots=True)
class ExportLink:
    site_id: str
    request_id: str
    created_by: str
    expires_at: datetime


_COLUMNS = (
    "site_id, request_id, kind, field, masked_value, subject_ids, purpose, state, opened_by, "
    "opened_at, due_at, erase_asked_by, answered_by, answered_at, outcome"
)


def _request(row: Any) -> SubjectRequest:
    return SubjectRequest(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        tuple(orjson.loads(row[5])),
        row[6],
        row[7],
        row[8],
        _must_dt(row[9]),
        _must_dt(row[10]),
        row[11],
        row[12],
        _dt(row[13]),
        row[14],
    )


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class RequestRegister:
    """Subject requests, their export links and the per-site settings."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- requests ----------------------------------------------------------------
    def add_request(self, request: SubjectRequest) -> None:
        self._db.write(
            f"INSERT INTO subject_requests ({_COLUMNS}) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.site_id,
                request.request_id,
                request.kind,
                request.field,
                request.masked_value,
                orjson.dumps(list(request.subject_ids)).decode(),
                request.purpose,
                request.state,
                request.opened_by,
                _t(request.opened_at),
                _t(request.due_at),
                request.erase_asked_by,
                request.answered_by,
                _t(request.answered_at),
                request.outcome,
            ),
        )

    def get_request(self, site_id: str, request_id: str) -> SubjectRequest | None:
        row = self._db.read_one(
            f"SELECT {_COLUMNS} FROM subject_requests WHERE site_id = ? AND request_id = ?",
            (site_id, request_id),
        )
        return None if row is None else _request(row)

    def list_requests(self, site_ids: list[str] | None, limit: int = 500) -> list[SubjectRequest]:
        """Newest first; ``site_ids`` None for every site."""
        if site_ids is None:
            rows = self._db.read(
                f"SELECT {_COLUMNS} FROM subject_requests ORDER BY opened_at DESC LIMIT ?",
                (limit,),
            )
        elif not site_ids:
            return []
        else:
            marks = ", ".join("?" * len(site_ids))
            rows = self._db.read(
                f"SELECT {_COLUMNS} FROM subject_requests WHERE site_id IN ({marks}) "
                "ORDER BY opened_at DESC LIMIT ?",
                (*site_ids, limit),
            )
        return [_request(row) for row in rows]

    def update_request(self, request: SubjectRequest) -> None:
        self._db.write(
            "UPDATE subject_requests SET state = ?, erase_asked_by = ?, answered_by = ?, "
            "answered_at = ?, outcome = ? WHERE site_id = ? AND request_id = ?",
            (
                request.state,
                request.erase_asked_by,
                request.answered_by,
                _t(request.answered_at),
                request.outcome,
                request.site_id,
                request.request_id,
            ),
        )

    def answer(
        self, request: SubjectRequest, by: str, at: datetime, outcome: str
    ) -> SubjectRequest:
        answered = replace(
            request, state="answered", answered_by=by, answered_at=at, outcome=outcome
        )
        self.update_request(answered)
        return answered

    # --- export links ------------------------------------------------------------
    def add_link(self, token: str, link: ExportLink) -> None:
        self._db.write(
            "INSERT INTO subject_export_links VALUES (?, ?, ?, ?, ?)",
            (token_hash(token), link.site_id, link.request_id, link.created_by,
             _t(link.expires_at)),
        )  # fmt: skip

    def get_link(self, token: str) -> ExportLink | None:
        row = self._db.read_one(
            "SELECT site_id, request_id, created_by, expires_at FROM subject_export_links "
            "WHERE token_hash = ?",
            (token_hash(token),),
        )
        return None if row is None else ExportLink(row[0], row[1], row[2], _must_dt(row[3]))

    def drop_links(self, site_id: str, request_id: str) -> None:
        self._db.write(
            "DELETE FROM subject_export_links WHERE site_id = ? AND request_id = ?",
            (site_id, request_id),
        )

    # --- settings ----------------------------------------------------------------
    def settings_for(self, site_id: str) -> RequestSettings:
        row = self._db.read_one(
            "SELECT erasure_needs_confirmation, deadline_days FROM subject_request_settings "
            "WHERE site_id = ?",
            (site_id,),
        )
        if row is None:
            return RequestSettings(site_id)
        return RequestSettings(site_id, bool(row[0]), int(row[1]))

    def save_settings(self, settings: RequestSettings) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM subject_request_settings WHERE site_id = ?", (settings.site_id,)
            )
            conn.execute(
                "INSERT INTO subject_request_settings VALUES (?, ?, ?)",
                (settings.site_id, int(settings.erasure_needs_confirmation),
                 settings.deadline_days),
            )  # fmt: skip
