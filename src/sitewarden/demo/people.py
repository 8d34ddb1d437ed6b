"""Synthetic residents, staff, visitors and their vehicles for the demo site.

Everything here is made up from a seed: names, Chinese national ID numbers with a
valid check digit, mobile numbers, badge ids and Chinese licence plates. The same
seed always gives the same people, so a privacy test can list every personal value
the simulator may send (:meth:`Population.personal_values`) and scan storage,
logs and pages for them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

# Weights of the GB 11643-1999 check digit (ISO 7064 MOD 11-2) and the character
# each remainder maps to.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
NATIONAL_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

# Real county-level region codes, mostly around Hangzhou where Riverside Gardens is.
# fmt: off
REGION_CODES = (
    "330102", "330105", "330106", "330108", "330110", "330203", "330302", "310101",
    "310104", "320102", "320505", "110101", "440305", "510104", "420102",
)
# fmt: on
# The first two digits of every mainland region code: the province.
_PROVINCE_RANGES = (
    range(11, 16),
    range(21, 24),
    range(31, 38),
    range(41, 47),
    range(50, 55),
    range(61, 66),
)
PROVINCE_CODES = frozenset(str(code) for codes in _PROVINCE_RANGES for code in codes)

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0
# Province, issuing-office letter, a separator dot, then five letters/digits
# (ordinary, blue) or D/F and five more (new energy, green: eight characters in all).
PLATE_PATTERN = re.compile(
    rf"^[{PROVINCES}][A-HJ-NP-Z]·(?:[A-HJ-NP-Z0-9]{{5}}|[DF][A-HJ-NP-Z0-9][0-9]{{4}})$"
)
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚"
    "桂华建国志红玉梅晨浩宇欣怡子涵梓轩一诺雨萱嘉俊思远"
)
# fmt: off
_LATIN_FIRST = (
    "Anna", "James", "Maria", "David", "Sophie", "Lukas", "Emma", "Noah", "Olivia",
    "Mateo", "Priya", "Kenji", "Elena", "Tom", "Sara", "Ahmed", "Julia", "Marco",
)
_LATIN_LAST = (
    "Müller", "Wilson", "Garcia", "Rossi", "Dubois", "Novak", "Nair", "Tanaka",
    "Schmidt", "Jensen", "Silva", "Kowalski", "Brown", "Haddad", "Lindqvist", "Moreau",
)
# fmt: on


class PersonRole(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    VISITOR = "visitor"


@dataclass(frozen=True, slots=True)
class Person:
    """One synthetic person; every field but ``role`` is personal data."""

    name: str
    national_id: str
    phone: str
    badge_id: str | None  # visitors have none
    role: PersonRole
    plate: str | None


@dataclass(frozen=True, slots=True)
class Population:
    """Everyone the demo site knows, drawn from one seed."""

    seed: int
    people: tuple[Person, ...]
    visitor_plates: tuple[str, ...]
    unknown_badges: tuple[str, ...]  # lost, cloned or never issued: always denied

    def of_role(self, role: PersonRole) -> tuple[Person, ...]:
        """The people with ``role``."""
        return tuple(person for person in self.people if person.role is role)

    @property
    def plates(self) -> tuple[str, ...]:
        """Every plate: residents' and staff cars first, then visitors'."""
        owned = tuple(person.plate for person in self.people if person.plate is not None)
        return owned + self.visitor_plates

    def personal_values(self) -> frozenset[str]:
        """Every personal value the simulator may send, for privacy scans."""
        values: set[str] = set(self.visitor_plates) | set(self.unknown_badges)
        for person in self.people:
            values.update((person.name, person.national_id, person.phone))
            values.update(v for v in (person.badge_id, person.plate) if v is not None)
        return frozenset(values)


def national_id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a national ID."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a national ID check digit needs exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_national_id(value: str) -> bool:
    """True for an 18-character ID with a province code, a real birth date, a right check."""
    if not NATIONAL_ID_PATTERN.match(value) or value[:2] not in PROVINCE_CODES:
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return national_id_check_digit(value[:17]) == value[17]


def make_national_id(rng: random.Random, born: date, female: bool) -> str:
    """An 18-character national ID: region, birth date, sequence (odd for men), check."""
    sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first17 = f"{rng.choice(REGION_CODES)}{born:%Y%m%d}{sequence:03d}"
    return first17 + national_id_check_digit(first17)


def make_phone(rng: random.Random) -> str:
    """An 11-digit mainland mobile number, 13x to 19x."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def make_plate(rng: random.Random, *, new_energy: bool, province: str = "浙") -> str:
    """A Chinese plate such as 浙A·5K2N7, or a new-energy one such as 浙A·D12345."""
    office = rng.choice("AAAABCDEFGHJ") if province == "浙" else rng.choice("ABCDE")
    if new_energy:
        tail = rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    else:
        # Ordinary plates are mostly digits with at most two letters.
        chars = [rng.choice("0123456789") for _ in range(5)]
        for position in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
            chars[position] = rng.choice(PLATE_LETTERS)
        tail = "".join(chars)
    return f"{province}{office}·{tail}"


def make_name(rng: random.Random) -> str:
    """A Chinese name (most residents) or a Latin one."""
    if rng.random() < 0.85:
        given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
        return rng.choice(_SURNAMES) + given
    return f"{rng.choice(_LATIN_FIRST)} {rng.choice(_LATIN_LAST)}"


def _birth_date(rng: random.Random, youngest: int, oldest: int) -> date:
    reference = date(2026, 1, 1)  # fixed, so that a seed always gives the same people
    return reference - timedelta(days=rng.randrange(youngest * 365, oldest * 365))


def _new_plate(rng: random.Random, taken: set[str]) -> str:
    while True:
        province = "浙" if rng.random() < 0.8 else rng.choice("沪苏皖京粤")
        plate = make_plate(rng, new_energy=rng.random() < 0.3, province=province)
        if plate not in taken:
            taken.add(plate)
            return plate


def _new_badge(rng: random.Random, taken: set[str]) -> str:
    while True:
        badge = f"RG-{rng.randrange(16**6):06X}"
        if badge not in taken:
            taken.add(badge)
            return badge


def make_population(
    seed: int, *, residents: int = 160, staff: int = 18, visitors: int = 40
) -> Population:
    """The demo site's people and vehicles, the same for the same seed."""
    rng = random.Random(seed)
    plates: set[str] = set()
    badges: set[str] = set()
    people: list[Person] = []
    for role, count, ages, car_share in (
        (PersonRole.RESIDENT, residents, (18, 85), 0.45),
        (PersonRole.STAFF, staff, (20, 60), 0.3),
        (PersonRole.VISITOR, visitors, (18, 75), 0.0),
    ):
        for _ in range(count):
            female = rng.random() < 0.5
            people.append(
                Person(
                    name=make_name(rng),
                    national_id=make_national_id(rng, _birth_date(rng, *ages), female),
                    phone=make_phone(rng),
                    badge_id=None if role is PersonRole.VISITOR else _new_badge(rng, badges),
                    role=role,
                    plate=_new_plate(rng, plates) if rng.random() < car_share else None,
                )
            )
    visitor_plates = tuple(_new_plate(rng, plates) for _ in range(visitors))
    unknown_badges = tuple(_new_badge(rng, badges) for _ in range(8))
    return Population(seed, tuple(people), visitor_plates, unknown_badges)
