"""Tables of the vault (wrapped data keys, subjects and their links), the audit
chain and consents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson

from sitewarden.db.database import Database, _dt, _must_dt, _t, chunked, value_rows
from sitewarden.privacy.records import (
    ERASED_PERSONAL,
    AuditEntry,
    AuditHead,
    Consent,
    Subject,
    WrappedKey,
)

_CONSENT_COLUMNS = (
    "site_id, consent_id, subject_id, purpose, method, given_at, recorded_by, withdrawn_at, "
    "evidence, expires_at"
)
# Data keys per INSERT (seven values per subject, well under both dialects' limits).
DATA_KEY_CHUNK = 500
# Two subjects seen in one event: (site, smaller subject id, larger subject id).
SubjectLink = tuple[str, str, str]


class PrivacyTables:
    """Data keys, subjects, the audit chain and consents."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- data keys -------------------------------------------------------------
    def get_data_keys(self, site_id: str, subject_ids: Sequence[str]) -> dict[str, WrappedKey]:
        found: dict[str, WrappedKey] = {}
        wanted = list(dict.fromkeys(subject_ids))
        for chunk in chunked(wanted, DATA_KEY_CHUNK):
            rows = self._db.read(
                "SELECT site_id, subject_id, wrapped, kek_id, created_at FROM data_keys "
                f"WHERE site_id = ? AND subject_id IN ({', '.join('?' * len(chunk))})",
                (site_id, *chunk),
            )
            for row in rows:
                found[row[1]] = WrappedKey(row[0], row[1], row[2], row[3], _must_dt(row[4]))
        return found

    def add_data_keys(
        self,
        items: Sequence[tuple[WrappedKey, Subject | None]],
        links: Sequence[SubjectLink] = (),
    ) -> set[tuple[str, str]]:
        """Storage new data keys (with their subjects) and subject links in one transaction.

        A key whose (site, subject) exists already is left as it is; those pairs are
        returned so that the caller uses the stored key instead of its own.
        """
        existing: set[tuple[str, str]] = set()
        with self._db.transaction() as conn:
            for link_chunk in chunked(links, DATA_KEY_CHUNK):
                conn.execute(
                    f"INSERT INTO subject_links VALUES {value_rows(3, len(link_chunk))} "
                    "ON CONFLICT DO NOTHING",
                    [part for link in link_chunk for part in link],
                )
            for chunk in chunked(items, DATA_KEY_CHUNK):
                # Two statements a chunk, not two per key: each is a round trip on
                # PostgreSQL, made inside the write lock that the event writer waits on.
                inserted = {
                    (row[0], row[1])
                    for row in conn.execute(
                        f"INSERT INTO data_keys VALUES {value_rows(5, len(chunk))} "
                        "ON CONFLICT DO NOTHING RETURNING site_id, subject_id",
                        [
                            part
                            for key, _ in chunk
                            for part in (
                                key.site_id,
                                key.subject_id,
                                key.wrapped,
                                key.kek_id,
                                _t(key.created_at),
                            )
                        ],
                    ).fetchall()
                }
                existing.update(
                    (key.site_id, key.subject_id)
                    for key, _ in chunk
                    if (key.site_id, key.subject_id) not in inserted
                )
                subjects = [
                    subject
                    for key, subject in chunk
                    if subject is not None and (key.site_id, key.subject_id) in inserted
                ]
                if subjects:
                    conn.execute(
                        f"INSERT INTO subjects VALUES {value_rows(7, len(subjects))}",
                        [
                            part
                            for subject in subjects
                            for part in (
                                subject.site_id,
                                subject.subject_id,
                                subject.kind,
                                subject.field,
                                subject.lookup,
                                subject.sealed_value,
                                _t(subject.created_at),
                            )
                        ],
                    )
        return existing

    def data_keys_not_under(self, kek_id: str, limit: int) -> list[WrappedKey]:
        rows = self._db.read(
            "SELECT site_id, subject_id, wrapped, kek_id, created_at FROM data_keys "
            "WHERE kek_id != ? LIMIT ?",
            (kek_id, limit),
        )
        return [WrappedKey(r[0], r[1], r[2], r[3], _must_dt(r[4])) for r in rows]

    def count_data_keys(self, kek_id: str | None = None) -> int:
        if kek_id is None:
            return int(self._db.read_one("SELECT count(*) FROM data_keys")[0])
        return int(
            self._db.read_one("SELECT count(*) FROM data_keys WHERE kek_id = ?", (kek_id,))[0]
        )

    def replace_wrapped_keys(self, keys: Sequence[WrappedKey]) -> None:
        with self._db.transaction() as conn:
            conn.executemany(
                "UPDATE data_keys SET wrapped = ?, kek_id = ? WHERE site_id = ? AND subject_id = ?",
                [(k.wrapped, k.kek_id, k.site_id, k.subject_id) for k in keys],
            )

    # --- subjects ----------------------------------------------------------------
    def find_subjects(self, site_id: str, field: str, lookup: bytes) -> list[Subject]:
        rows = self._db.read(
            "SELECT * FROM subjects WHERE site_id = ? AND field = ? AND lookup = ?",
            (site_id, field, lookup),
        )
        return [Subject(r[0], r[1], r[2], r[3], r[4], r[5], _must_dt(r[6])) for r in rows]

    def get_subject(self, site_id: str, subject_id: str) -> Subject | None:
        r = self._db.read_one(
            "SELECT * FROM subjects WHERE site_id = ? AND subject_id = ?", (site_id, subject_id)
        )
        return None if r is None else Subject(r[0], r[1], r[2], r[3], r[4], r[5], _must_dt(r[6]))

    def linked_subjects(self, site_id: str, subject_ids: Sequence[str]) -> set[str]:
        """Subjects linked to any of ``subject_ids`` (one step; the given ones left out)."""
        found: set[str] = set()
        wanted = list(dict.fromkeys(subject_ids))
        for chunk in chunked(wanted, DATA_KEY_CHUNK):
            marks = ", ".join("?" * len(chunk))
            rows = self._db.read(
                "SELECT subject_id, linked_id FROM subject_links "
                f"WHERE site_id = ? AND (subject_id IN ({marks}) OR linked_id IN ({marks}))",
                (site_id, *chunk, *chunk),
            )
            found.update(part for row in rows for part in row)
        return found - set(wanted)

    def unlinked_events(self, site_id: str) -> int:
        """Events of the site sealed before subject links were kept (see migration 0010)."""
        row = self._db.read_one("SELECT events FROM unlinked_events WHERE site_id = ?", (site_id,))
        return 0 if row is None else int(row[0])

    def shred_subject(self, site_id: str, subject_id: str) -> None:
        """Delete the subject's data key, record, consents and links in one transaction.

        From this commit on, everything sealed under the key is unreadable everywhere,
        backups included, and lookups by the subject's values find nothing.
        """
        with self._db.transaction() as conn:
            for table in ("data_keys", "subjects", "consents"):
                conn.execute(
                    f"DELETE FROM {table} WHERE site_id = ? AND subject_id = ?",
                    (site_id, subject_id),
                )
            conn.execute(
                "DELETE FROM subject_links WHERE site_id = ? AND (subject_id = ? OR linked_id = ?)",
                (site_id, subject_id, subject_id),
            )
            conn.execute(  # every process that caches this site's keys drops them
                "INSERT INTO vault_epochs VALUES (?, 1) "
                "ON CONFLICT (site_id) DO UPDATE SET epoch = vault_epochs.epoch + 1",
                (site_id,),
            )

    def vault_epochs(self, site_ids: Sequence[str]) -> dict[str, int]:
        """How many erasures each site has had (sites without any are left out)."""
        wanted = list(dict.fromkeys(site_ids))
        if not wanted:
            return {}
        rows = self._db.read(
            "SELECT site_id, epoch FROM vault_epochs "
            f"WHERE site_id IN ({', '.join('?' * len(wanted))})",
            tuple(wanted),
        )
        return {row[0]: int(row[1]) for row in rows}

    def detach_subject_events(self, site_id: str, subject_id: str, limit: int) -> int:
        """Replace up to ``limit`` of the subject's sealed parts with the erased marker and
        drop the subject id, so its events no longer link to each other."""
        with self._db.transaction() as conn:
            cursor = conn.execute(
                "UPDATE events SET personal = ?, media = NULL, subject_id = NULL "
                "WHERE id IN (SELECT id FROM events"
                f"{self._db.index_hint('events_subject_time')} "
                "WHERE site_id = ? AND subject_id = ? LIMIT ?)",
                (ERASED_PERSONAL, site_id, subject_id, limit),
            )
            return int(cursor.rowcount)

    # --- audit chain ---------------------------------------------------------------
    def append_audit(
        self, build: Callable[[AuditHead | None], tuple[AuditEntry, AuditHead]]
    ) -> AuditEntry:
        """Append the entry ``build(previous head) -> (entry, new head)`` atomically."""
        with self._db.transaction() as conn:
            row = conn.execute("SELECT seq, mac, seal FROM audit_head WHERE id = 1").fetchone()
            head = None if row is None else AuditHead(row[0], row[1], row[2])
            entry, new_head = build(head)
            conn.execute(
                "INSERT INTO audit_log (seq, at, actor, role, action, site_id, targets, purpose,"
                " request_id, mac, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.seq,
                    _t(entry.at),
                    entry.actor,
                    entry.role,
                    entry.action,
                    entry.site_id,
                    orjson.dumps(list(entry.targets)).decode(),
                    entry.purpose,
                    entry.request_id,
                    entry.mac,
                    entry.address,
                ),
            )
            conn.execute(
                "INSERT INTO audit_head VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "seq = excluded.seq, mac = excluded.mac, seal = excluded.seal",
                (new_head.seq, new_head.mac, new_head.seal),
            )
            return entry

    def audit_entries(
        self, *, after_seq: int = 0, limit: int = 1000, since: datetime | None = None
    ) -> list[AuditEntry]:
        where = "seq > ?"
        params: list[object] = [after_seq]
        if since is not None:
            where += " AND at >= ?"
            params.append(_t(since))
        rows = self._db.read(
            f"SELECT * FROM audit_log WHERE {where} ORDER BY seq LIMIT ?", (*params, limit)
        )
        return [
            AuditEntry(
                r[0],
                _must_dt(r[1]),
                r[2],
                r[3],
                r[4],
                r[5],
                tuple(orjson.loads(r[6])),
                r[7],
                r[8],
                r[9],
                r[10],
            )
            for r in rows
        ]

    def audit_head(self) -> AuditHead | None:
        row = self._db.read_one("SELECT seq, mac, seal FROM audit_head WHERE id = 1")
        return None if row is None else AuditHead(row[0], row[1], row[2])

    # --- consents ----------------------------------------------------------------------
    def add_consent(self, consent: Consent) -> None:
        self._db.write(
            f"INSERT INTO consents ({_CONSENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                consent.site_id,
                consent.consent_id,
                consent.subject_id,
                consent.purpose,
                consent.method,
                _t(consent.given_at),
                consent.recorded_by,
                _t(consent.withdrawn_at),
                consent.evidence,
                _t(consent.expires_at),
            ),
        )

    def list_consents(self, site_id: str, subject_id: str) -> list[Consent]:
        rows = self._db.read(
            f"SELECT {_CONSENT_COLUMNS} FROM consents WHERE site_id = ? AND subject_id = ? "
            "ORDER BY given_at",
            (site_id, subject_id),
        )
        return [_consent(r) for r in rows]

    def site_consents(self, site_id: str, limit: int = 2000) -> list[Consent]:
        """The site's consents, newest first (the console's register)."""
        rows = self._db.read(
            f"SELECT {_CONSENT_COLUMNS} FROM consents WHERE site_id = ? "
            "ORDER BY given_at DESC LIMIT ?",
            (site_id, limit),
        )
        return [_consent(r) for r in rows]

    def get_consent(self, site_id: str, consent_id: str) -> Consent | None:
        r = self._db.read_one(
            f"SELECT {_CONSENT_COLUMNS} FROM consents WHERE site_id = ? AND consent_id = ?",
            (site_id, consent_id),
        )
        return None if r is None else _consent(r)

    def withdraw_consent(self, site_id: str, consent_id: str, at: datetime) -> None:
        self._db.write(
            "UPDATE consents SET withdrawn_at = ? WHERE site_id = ? AND consent_id = ?",
            (_t(at), site_id, consent_id),
        )


def _consent(r: Any) -> Consent:
    return Consent(r[0], r[1], r[2], r[3], r[4], _must_dt(r[5]), r[6], _dt(r[7]), r[8], _dt(r[9]))
