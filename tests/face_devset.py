"""The real-photo faces development set (../shared/devsets/faces beside the repository):
tests that need it skip, saying why, where it is absent. Photos are read in place and
never copied into the repository."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

DEVSET = Path(__file__).resolve().parents[2] / "shared" / "devsets" / "faces"


@dataclass(frozen=True, slots=True)
class DevPhoto:
    identity: str
    path: Path
    role: str  # enrol, probe, impostor, scene, noface


def require_devset() -> Path:
    """The development set's folder, or a skip that says where it was looked for."""
    if not (DEVSET / "manifest.csv").is_file():
        pytest.skip(f"the faces development set is not at {DEVSET} (real photos; not in the repo)")
    return DEVSET


def dev_photos() -> list[DevPhoto]:
    """Every photo in the manifest, in its order."""
    folder = require_devset()
    with (folder / "manifest.csv").open(newline="") as manifest:
        return [
            DevPhoto(row["identity"], folder / row["file"], row["role"])
            for row in csv.DictReader(manifest)
        ]


def dev_image(file_name: str) -> Image.Image:
    """One photo of the set as RGB (``file_name`` as under images/)."""
    return Image.open(require_devset() / "images" / file_name).convert("RGB")
