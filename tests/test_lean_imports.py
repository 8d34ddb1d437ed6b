"""A SQLite server does not load what only PostgreSQL or a plate frame needs.

psycopg (about 17 MB resident) and OpenCV (about 25 MB) are imported where they are
used: the issue's 300 MB budget for a server under load depends on it."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("psycopg", "cv2", "onnxruntime")


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "module", ["sitewarden.app", "sitewarden.server", "sitewarden.runtime.writer_process"]
)
def test_sqlite_server_modules_leave_heavy_libraries_unloaded(module: str) -> None:
    loaded = loaded_after_import(module)
    assert module in loaded
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"


def test_plate_reading_still_loads_opencv_on_first_use() -> None:
    code = (
        "import sys; from sitewarden.vision.plates import PlateReader; "
        "PlateReader(threads=1).load(); print('cv2' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "True"
