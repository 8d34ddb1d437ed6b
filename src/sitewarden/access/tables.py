"""Tables of access control: people, badges, face templates, rules and holidays.

Every change to a site's face templates bumps its gallery version in the same
transaction, so an in-memory gallery anywhere can tell that it is stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

import orjson

from sitewarden.access.records import (
    AccessRule,
    Badge,
    Holiday,
    Person,
    SealedTemplate,
    Window,
    person_of,
)
from sitewarden.db.database import Connection, Database, _dt, _must_dt, _t
from sitewarden.errors import AlreadyExists

_TEMPLATE_INSERT = (
    "INSERT INTO access_face_templates "
    "(site_id, template_id, person_id, sealed_template, created_at, source) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_PERSON_COLUMNS = (
    "site_id, person_id, grp, valid_from, valid_until, sealed_name, sealed_national_id, "
    "sealed_phone, barred_at, barred_by, sealed_bar_reason, created_at, created_by"
)


def _bump_gallery(conn: Connection, site_id: str) -> int:
    """Move the site's gallery version on (every node reloads); returns the new one."""
    conn.execute(
        "INSERT INTO access_gallery_versions VALUES (?, 1) "
        "ON CONFLICT (site_id) DO UPDATE SET version = access_gallery_versions.version + 1",
        (site_id,),
    )
    row = conn.execute(
        "SELECT version FROM access_gallery_versions WHERE site_id = ?", (site_id,)
    ).fetchone()
    return int(row[0])


def _template_row(template: SealedTemplate, source: str) -> tuple[Any, ...]:
    return (
        template.site_id,
        template.template_id,
        template.person_id,
        template.sealed_template,
        _t(template.created_at),
        source,
    )


def _person_row(person: Person) -> tuple[Any, ...]:
    return (
        person.site_id,
        person.person_id,
        person.group,
        _t(person.valid_from),
        _t(person.valid_until),
        person.sealed_name,
        person.sealed_national_id,
        person.sealed_phone,
        _t(person.barred_at),
        person.barred_by,
        person.sealed_bar_reason,
        _t(person.created_at),
        person.created_by,
    )


def _person(row: Any) -> Person:
    return Person(
        row[0],
        row[1],
        row[2],
        _dt(row[3]),
        _dt(row[4]),
        row[5],
        row[6],
        row[7],
        _dt(row[8]),
        row[9],
        row[10],
        _must_dt(row[11]),
        row[12],
    )


def _badge(row: Any) -> Badge:
    return Badge(row[0], row[1], row[2], row[3], row[4], _must_dt(row[5]), _dt(row[6]), row[7])


def _rule(row: Any) -> AccessRule:
    windows = tuple(
        Window(
            tuple(w["days"]),
            time.fromisoformat(w["start"]),
            None if w["end"] is None else time.fromisoformat(w["end"]),
        )
        for w in orjson.loads(row[4])
    )
    return AccessRule(
        row[0],
        row[1],
        row[2],
        row[3],
        windows,
        bool(row[5]),
        _dt(row[6]),
        _dt(row[7]),
        _must_dt(row[8]),
    )


class AccessTables:
    """People, badges, face templates, access rules and holidays."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # --- people ------------------------------------------------------------------
    def add_person(self, person: Person) -> None:
        try:
            with self._db.transaction() as conn:
                conn.execute(
                    f"INSERT INTO access_people ({_PERSON_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    _person_row(person),
                )
        except self._db.integrity_errors as exc:
            raise AlreadyExists(
                f"person {person.person_id!r} exists already in site {person.site_id!r}"
            ) from exc

    def update_person(self, person: Person) -> None:
        row = _person_row(person)
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE access_people SET grp = ?, valid_from = ?, valid_until = ?, "
                "sealed_name = ?, sealed_national_id = ?, sealed_phone = ?, barred_at = ?, "
                "barred_by = ?, sealed_bar_reason = ? WHERE site_id = ? AND person_id = ?",
                (*row[2:11], person.site_id, person.person_id),
            )

    def get_person(self, site_id: str, person_id: str) -> Person | None:
        row = self._db.read_one(
            f"SELECT {_PERSON_COLUMNS} FROM access_people WHERE site_id = ? AND person_id = ?",
            (site_id, person_id),
        )
        return None if row is None else _person(row)

    def list_people(self, site_id: str, group: str | None = None) -> list[Person]:
        sql = f"SELECT {_PERSON_COLUMNS} FROM access_people WHERE site_id = ?"
        params: list[Any] = [site_id]
        if group is not None:  # a person type or a named group (access/groups.py)
            sql += " AND (grp = ? OR person_id IN (SELECT m.person_id FROM access_group_members m"
            sql += " WHERE m.site_id = access_people.site_id AND m.group_name = ?))"
            params += [group, group]
        return [_person(row) for row in self._db.read(sql + " ORDER BY person_id", params)]

    def delete_person(self, site_id: str, person_id: str) -> bool:
        """Delete the person with their badges, templates and named groups (bumping the
        gallery)."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM access_face_templates WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            )
            conn.execute(
                "DELETE FROM access_badges WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            )
            conn.execute(
                "DELETE FROM access_group_members WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            )
            deleted = conn.execute(
                "DELETE FROM access_people WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            ).rowcount
            _bump_gallery(conn, site_id)
            return bool(deleted)

    def forget_access_subject(self, site_id: str, subject_id: str) -> int:
        """The subject was erased: drop the person it names with everything of theirs."""
        person_id = person_of(subject_id)
        if person_id is None:
            return 0
        self._db.write(
            "DELETE FROM access_reader_images WHERE site_id = ? AND person_id = ?",
            (site_id, person_id),
        )
        return int(self.delete_person(site_id, person_id))

    # --- badges ------------------------------------------------------------------
    def add_badge(self, badge: Badge) -> None:
        self._db.write(
            "INSERT INTO access_badges VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                badge.site_id,
                badge.badge_ref,
                badge.person_id,
                badge.lookup,
                badge.sealed_value,
                _t(badge.created_at),
                _t(badge.revoked_at),
                badge.revoked_reason,
            ),
        )

    def find_badges(self, site_id: str, lookup: bytes) -> list[Badge]:
        rows = self._db.read(
            "SELECT * FROM access_badges WHERE site_id = ? AND lookup = ?", (site_id, lookup)
        )
        return [_badge(row) for row in rows]

    def list_badges(self, site_id: str, person_id: str) -> list[Badge]:
        rows = self._db.read(
            "SELECT * FROM access_badges WHERE site_id = ? AND person_id = ? ORDER BY created_at",
            (site_id, person_id),
        )
        return [_badge(row) for row in rows]

    def revoke_badge(
        self, site_id: str, badge_ref: str, at: datetime, reason: str = "revoked"
    ) -> bool:
        return bool(
            self._db.write(
                "UPDATE access_badges SET revoked_at = ?, revoked_reason = ? "
                "WHERE site_id = ? AND badge_ref = ? AND revoked_at IS NULL",
                (_t(at), reason, site_id, badge_ref),
            )
        )

    def get_badge(self, site_id: str, badge_ref: str) -> Badge | None:
        row = self._db.read_one(
            "SELECT * FROM access_badges WHERE site_id = ? AND badge_ref = ?", (site_id, badge_ref)
        )
        return None if row is None else _badge(row)

    # --- face templates ----------------------------------------------------------
    def replace_face_templates(
        self, site_id: str, person_id: str, templates: Sequence[SealedTemplate]
    ) -> int:
        """Replace the person's templates in one transaction; returns the new gallery version."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM access_face_templates WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            )
            conn.executemany(_TEMPLATE_INSERT, [_template_row(t, "enrolment") for t in templates])
            return _bump_gallery(conn, site_id)

    def add_learned_template(self, template: SealedTemplate, keep: int) -> int:
        """Add a template learned at a reader; the person keeps their ``keep`` newest
        learned ones. Returns the new gallery version."""
        site_id, person_id = template.site_id, template.person_id
        with self._db.transaction() as conn:
            conn.execute(_TEMPLATE_INSERT, _template_row(template, "reader"))
            learned = conn.execute(
                "SELECT template_id FROM access_face_templates WHERE site_id = ? "
                "AND person_id = ? AND source = 'reader' ORDER BY created_at DESC, template_id",
                (site_id, person_id),
            ).fetchall()
            for (template_id,) in learned[keep:]:
                conn.execute(
                    "DELETE FROM access_face_templates WHERE site_id = ? AND template_id = ?",
                    (site_id, template_id),
                )
            return _bump_gallery(conn, site_id)

    def drop_learned_templates(self, site_id: str, subject_id: str) -> int:
        """Erase the subject's templates learned at readers (face_learning withdrawn)."""
        return self.drop_face_templates(site_id, subject_id, only_source="reader")

    def face_template_sources(self, site_id: str, person_id: str) -> list[tuple[datetime, str]]:
        """When each of the person's templates was made and from what ('enrolment' or
        'reader'), oldest first (never the vectors)."""
        rows = self._db.read(
            "SELECT created_at, source FROM access_face_templates "
            "WHERE site_id = ? AND person_id = ? ORDER BY created_at",
            (site_id, person_id),
        )
        return [(_must_dt(r[0]), str(r[1])) for r in rows]

    def face_templates(self, site_id: str) -> list[SealedTemplate]:
        rows = self._db.read(
            "SELECT * FROM access_face_templates WHERE site_id = ? ORDER BY person_id",
            (site_id,),
        )
        return [SealedTemplate(r[0], r[1], r[2], r[3], _must_dt(r[4])) for r in rows]

    def count_face_templates(self, site_id: str, person_id: str) -> int:
        row = self._db.read_one(
            "SELECT count(*) FROM access_face_templates WHERE site_id = ? AND person_id = ?",
            (site_id, person_id),
        )
        return int(row[0])

    def drop_face_templates(
        self, site_id: str, subject_id: str, only_source: str | None = None
    ) -> int:
        """Erase the subject's (a person's) face templates now, every one or those of
        ``only_source``; returns how many."""
        person_id = person_of(subject_id)
        if person_id is None:
            return 0
        sql = "DELETE FROM access_face_templates WHERE site_id = ? AND person_id = ?"
        params: list[Any] = [site_id, person_id]
        if only_source is not None:
            sql += " AND source = ?"
            params.append(only_source)
        with self._db.transaction() as conn:
            dropped = conn.execute(sql, params).rowcount
            _bump_gallery(conn, site_id)
            return int(dropped)

    def gallery_version(self, site_id: str) -> int:
        row = self._db.read_one(
            "SELECT version FROM access_gallery_versions WHERE site_id = ?", (site_id,)
        )
        return 0 if row is None else int(row[0])

    # --- rules and holidays ------------------------------------------------------
    def put_access_rule(self, rule: AccessRule) -> None:
        windows = [
            {
                "days": list(w.days),
                "start": w.start.isoformat("minutes"),
                "end": None if w.end is None else w.end.isoformat("minutes"),
            }
            for w in rule.windows
        ]
        self._db.write(
            "INSERT INTO access_rules VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (site_id, rule_id) DO UPDATE SET grp = excluded.grp, "
            "zone_id = excluded.zone_id, windows = excluded.windows, "
            "applies_on_holidays = excluded.applies_on_holidays, "
            "valid_from = excluded.valid_from, valid_until = excluded.valid_until",
            (
                rule.site_id,
                rule.rule_id,
                rule.group,
                rule.zone_id,
                orjson.dumps(windows).decode(),
                int(rule.applies_on_holidays),
                _t(rule.valid_from),
                _t(rule.valid_until),
                _t(rule.created_at),
            ),
        )

    def list_access_rules(self, site_id: str) -> list[AccessRule]:
        rows = self._db.read(
            "SELECT * FROM access_rules WHERE site_id = ? ORDER BY rule_id", (site_id,)
        )
        return [_rule(row) for row in rows]

    def delete_access_rule(self, site_id: str, rule_id: str) -> bool:
        return bool(
            self._db.write(
                "DELETE FROM access_rules WHERE site_id = ? AND rule_id = ?", (site_id, rule_id)
            )
        )

    def put_holiday(self, holiday: Holiday) -> None:
        self._db.write(
            "INSERT INTO access_holidays VALUES (?, ?, ?) "
            "ON CONFLICT (site_id, day) DO UPDATE SET name = excluded.name",
            (holiday.site_id, holiday.day, holiday.name),
        )

    def list_holidays(self, site_id: str) -> list[Holiday]:
        rows = self._db.read(
            "SELECT * FROM access_holidays WHERE site_id = ? ORDER BY day", (site_id,)
        )
        return [Holiday(r[0], r[1], r[2]) for r in rows]

    def delete_holiday(self, site_id: str, day: str) -> bool:
        return bool(
            self._db.write(
                "DELETE FROM access_holidays WHERE site_id = ? AND day = ?", (site_id, day)
            )
        )
