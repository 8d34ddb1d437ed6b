"""What the doctor reports: findings with a severity and the fix for each."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Level(IntEnum):
    OK = 0
    INFO = 1
    MINOR = 2
    MAJOR = 3
    CRITICAL = 4


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "level": self.level.name.lower()}


def worst(findings: list[Finding]) -> Level:
    return max((f.level for f in findings), default=Level.OK)


def exit_code(findings: list[Finding]) -> int:
    """0: nothing worse than info; 1 minor; 2 major; 3 critical."""
    return max(0, int(worst(findings)) - 1)
