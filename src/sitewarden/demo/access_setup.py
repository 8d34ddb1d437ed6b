"""Access control for the demo site, set up through the public API.

Residents and staff of the demo population are enrolled (sealed names, ID numbers,
phones, one badge each) with a recorded consent for the purpose ``access``; two of
them also enrol a face from the sample portraits that ship inside installed packages
(``demo/face_samples.py``). Rules give each group its zones and hours, one holiday
closes the south gate to residents, and one resident is barred with a reason.

Every step is safe to repeat: a demo restart on the same data folder finds the people,
rules and templates already there and adds only what is missing. Someone who withdrew
their consent meanwhile keeps no face: their face is not enrolled again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sitewarden.demo import face_samples
from sitewarden.demo.admin_api import AdminApi, DemoSetupFailed
from sitewarden.demo.people import Person, PersonRole, Population
from sitewarden.demo.site import SITE_ID, SITE_TIMEZONE

log = logging.getLogger(__name__)

ACCESS = f"/api/v1/access/sites/{SITE_ID}"
CONSENTS = f"/api/v1/sites/{SITE_ID}/consents"
SETUP_PURPOSE = "demo set-up: find who is enrolled already"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAY = {"days": EVERY_DAY, "start": "00:00", "end": "24:00"}
# Staff work shifts round the clock, holidays included; residents live here, but the
# south gate to the river path is closed at night and on public holidays.
RULES: dict[str, dict[str, Any]] = {
    "staff-everywhere": {"group": "staff", "zone_id": "*", "windows": [ALL_DAY],
                         "applies_on_holidays": True},
    **{
        f"residents-{zone}": {"group": "resident", "zone_id": zone, "windows": [ALL_DAY],
                              "applies_on_holidays": True}
        for zone in ("north-gate", "building-a", "building-b", "garage", "grounds")
    },
    "residents-south-gate": {"group": "resident", "zone_id": "south-gate",
                             "windows": [{"days": EVERY_DAY, "start": "06:00", "end": "23:00"}],
                             "applies_on_holidays": False},
}  # fmt: skip
BAR_REASON = "barred by the estate office after threatening staff (case RG-2026-114)"
# Which sample portrait stands for which enrolled person (index in their group).
FACES = {"astronaut": (PersonRole.STAFF, 0), "hopper": (PersonRole.RESIDENT, 0)}
BARRED = (PersonRole.RESIDENT, 2)
ENROLLED_RESIDENTS = 40  # the others have not registered with the estate office yet


@dataclass(frozen=True)
class AccessPlan:
    """What the demo's readers can expect, for the simulator."""

    staff_badges: tuple[str, ...]
    resident_badges: tuple[str, ...]
    barred_badge: str
    unknown_badges: tuple[str, ...]
    faces: dict[str, str]  # portrait name -> group, for faces enrolled
    person_ids: dict[str, str]  # national ID -> person id (for vehicle owners)
    staff_people: tuple[str, ...] = ()  # person ids of the staff badges' holders


def enrolled_people(population: Population) -> list[Person]:
    """Every staff member and the first residents: the people the readers know."""
    residents = population.of_role(PersonRole.RESIDENT)[:ENROLLED_RESIDENTS]
    return [*population.of_role(PersonRole.STAFF), *residents]


def barred_person(population: Population) -> Person:
    role, index = BARRED
    return population.of_role(role)[index]


def next_new_year(today: date) -> date:
    """The coming 1 January: the demo's public holiday."""
    return date(today.year + 1, 1, 1)


def configure_access(admin: AdminApi, population: Population) -> AccessPlan:
    """Rules, a holiday, people with consent and badges, faces, one bar: whatever is missing."""
    for rule_id, rule in RULES.items():
        admin.put(f"{ACCESS}/rules/{rule_id}", rule)
    today = datetime.now(ZoneInfo(SITE_TIMEZONE)).date()
    admin.put(f"{ACCESS}/holidays/{next_new_year(today).isoformat()}", {"name": "New Year's Day"})
    known = {
        shown["national_id"]: shown
        for shown in admin.get(f"{ACCESS}/people", params={"purpose": SETUP_PURPOSE})
    }
    enrolled = enrolled_people(population)
    people = {}
    for person in enrolled:
        shown = known.get(person.national_id) or _enrol(admin, person)
        people[person.national_id] = shown
    barred = people[barred_person(population).national_id]
    if not barred["barred"]:
        admin.post(f"{ACCESS}/people/{barred['person_id']}/bar", {"reason": BAR_REASON})
    faces = {}
    for portrait, (role, index) in FACES.items():
        shown = people[population.of_role(role)[index].national_id]
        if shown["face_templates"] or _enrol_face(admin, shown, portrait):
            faces[portrait] = role.value
    barred_badge = barred_person(population).badge_id
    assert barred_badge is not None
    staff_badges = _badges(enrolled, PersonRole.STAFF, exclude=barred_badge)
    return AccessPlan(
        staff_badges=staff_badges,
        resident_badges=_badges(enrolled, PersonRole.RESIDENT, exclude=barred_badge),
        barred_badge=barred_badge,
        unknown_badges=population.unknown_badges,
        faces=faces,
        person_ids={nid: shown["person_id"] for nid, shown in people.items()},
        staff_people=tuple(
            people[person.national_id]["person_id"]
            for person in enrolled
            if person.badge_id in staff_badges
        ),
    )


def _badges(people: list[Person], role: PersonRole, exclude: str) -> tuple[str, ...]:
    badges = (person.badge_id for person in people if person.role is role)
    return tuple(badge for badge in badges if badge is not None and badge != exclude)


def _enrol(admin: AdminApi, person: Person) -> dict[str, Any]:
    """Enrol one person with their badge, and record their consent for 'access'."""
    shown: dict[str, Any] = admin.post(
        f"{ACCESS}/people",
        {
            "name": person.name,
            "group": person.role.value,
            "national_id": person.national_id,
            "phone": person.phone,
            "badges": [person.badge_id] if person.badge_id else [],
        },
    )
    admin.post(
        CONSENTS,
        {"subject_id": shown["subject_id"], "purpose": "access", "method": "written"},
    )
    return shown


def _enrol_face(admin: AdminApi, shown: dict[str, Any], portrait: str) -> bool:
    """Enrol the portrait as this person's face, if the package and a consent are there."""
    if face_samples.portrait_path(portrait) is None:
        log.warning(
            "demo: no face for %s: the sample portrait %r needs the %s package "
            "(scripts/demo installs it); badge decisions only",
            shown["person_id"],
            portrait,
            face_samples.PORTRAITS[portrait][0],
        )
        return False
    consents = admin.get(CONSENTS, params={"subject_id": shown["subject_id"]})
    if not any(c["purpose"] == "access" and c["withdrawn_at"] is None for c in consents):
        log.warning("demo: %s withdrew consent for 'access'; no face enrolled", shown["person_id"])
        return False
    face = face_samples.portrait(portrait)
    views = [face, face_samples.augment(face, face_samples.Augmentation(rotation=4, light=1.1))]
    photos = [
        ("photos", (f"{portrait}-{n}.jpg", face_samples.encode(view), "image/jpeg"))
        for n, view in enumerate(views)
    ]
    try:
        admin.call("POST", f"{ACCESS}/people/{shown['person_id']}/faces", files=photos)
    except DemoSetupFailed as exc:  # the demo goes on with badges for this person
        log.warning("demo: face of %s not enrolled: %s", shown["person_id"], exc)
        return False
    return True
