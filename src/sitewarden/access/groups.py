"""Named access groups: a site names its own groups (``tower-a``, ``night-shift``) by
using them, as Hikvision's and Genetec's access groups are. A person has one type
(:data:`~sitewarden.access.records.GROUPS`) and belongs to zero or more named groups;
an access rule names either, and a reader decides for all of the person's groups.

A group's name is no personal value: it is stored in the clear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from sitewarden.access.records import GROUPS, AccessRule, Person
from sitewarden.db.database import Database
from sitewarden.errors import InvalidInput

GROUP_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_GROUPS = 20


def check_group_name(name: str) -> None:
    """A named group's name: 1-40 lowercase letters, digits and hyphens, starting with a
    letter or digit, and not a person type."""
    if name in GROUPS:
        raise InvalidInput(
            f"group {name!r} is a person type ({', '.join(GROUPS)}); "
            "set it as the person's group, not as a named group"
        )
    if not GROUP_NAME.fullmatch(name):
        raise InvalidInput(
            f"group name {name!r} is not allowed: use 1 to 40 lowercase letters, digits "
            "and hyphens, starting with a letter or digit (e.g. 'tower-a')"
        )


def check_rule_group(group: str) -> None:
    """A rule's group: a person type or a named group."""
    if group in GROUPS:
        return
    if not GROUP_NAME.fullmatch(group):
        raise InvalidInput(
            f"unknown group {group!r}: use a person type ({', '.join(GROUPS)}) or a named "
            "group of 1 to 40 lowercase letters, digits and hyphens (e.g. 'tower-a')"
        )


def parse_group_names(names: Iterable[str]) -> tuple[str, ...]:
    """The named groups given, checked, without repeats and sorted."""
    unique = sorted(set(names))
    for name in unique:
        check_group_name(name)
    if len(unique) > MAX_GROUPS:
        raise InvalidInput(f"a person may belong to at most {MAX_GROUPS} named groups")
    return tuple(unique)


def person_groups(person: Person, named: Iterable[str]) -> frozenset[str]:
    """Every group a reader decides for: the person's type and their named groups."""
    return frozenset((person.group, *named))


def site_groups(members: dict[str, int], rules: Iterable[AccessRule]) -> list[tuple[str, int, int]]:
    """The site's named groups, sorted: (name, people in it, rules naming it). A named
    group exists while someone is in it or a rule names it."""
    naming: dict[str, int] = {}
    for rule in rules:
        if rule.group not in GROUPS:
            naming[rule.group] = naming.get(rule.group, 0) + 1
    names = sorted(set(members) | set(naming))
    return [(name, members.get(name, 0), naming.get(name, 0)) for name in names]


class AccessGroupTables:
    """Who belongs to which named group (``access_group_members``). Deleting a person
    deletes their rows (:meth:`~sitewarden.access.tables.AccessTables.delete_person`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def set_groups(self, site_id: str, person_id: str, names: Sequence[str]) -> None:
        """Replace the person's memberships with ``names`` (checked already)."""
        with self._db.transaction() as conn:
            conn.execute(
                "DELETE FROM access_group_members WHERE site_id = ? AND person_id = ?",
                (site_id, person_id),
            )
            if names:
                conn.executemany(
                    "INSERT INTO access_group_members (site_id, person_id, group_name) "
                    "VALUES (?, ?, ?)",
                    [(site_id, person_id, name) for name in names],
                )

    def member_counts(self, site_id: str) -> dict[str, int]:
        """How many people are in each named group of the site."""
        rows = self._db.read(
            "SELECT group_name, COUNT(*) FROM access_group_members WHERE site_id = ? "
            "GROUP BY group_name",
            (site_id,),
        )
        return {row[0]: int(row[1]) for row in rows}

    def groups_of(self, site_id: str, person_id: str) -> list[str]:
        """The person's named groups, sorted."""
        rows = self._db.read(
            "SELECT group_name FROM access_group_members WHERE site_id = ? AND person_id = ? "
            "ORDER BY group_name",
            (site_id, person_id),
        )
        return [row[0] for row in rows]
