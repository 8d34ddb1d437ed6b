"""Plate-coloured rectangles (vision/plate_regions.py) on rendered frames: found with
their colour, shape and tilt; grey frames and frames without a plate give none.

The rendered car's body takes a random colour (seed 1: grey); a plate on a car of its
own colour merges with the body and is left to the text looks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sitewarden.demo.garage_frames import Distortion, available_fonts, gate_frame
from sitewarden.vision.plate_regions import PlateRegion, locate_plates, part_of


@pytest.fixture(scope="module")
def font() -> Path:
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    return fonts[0]


@pytest.mark.parametrize(("style", "rows"), [("blue", 1), ("yellow", 1), ("yellow", 2)])
def test_a_rendered_plate_is_found_by_its_colour_and_shape(
    font: Path, style: str, rows: int
) -> None:
    frame = gate_frame("浙A·12345", style, font, Distortion(rows=rows, scale=0.6), seed=1)
    regions = locate_plates(np.asarray(frame))
    assert regions, "no plate-coloured rectangle found"
    plate = regions[0]
    assert plate.colour == style
    assert plate.two_rows == (rows == 2)


def test_a_tilted_plate_is_found_with_its_tilt(font: Path) -> None:
    frame = gate_frame("浙A·12345", "blue", font, Distortion(angle=8), seed=1)
    plate = locate_plates(np.asarray(frame))[0]
    tilt = (plate.angle + 90) % 180 - 90  # the long side's angle, -90 to 90 degrees
    assert 4 <= abs(tilt) <= 12


def test_a_grey_frame_has_no_plate_region() -> None:
    assert locate_plates(np.full((720, 1280, 3), 128, dtype=np.uint8)) == []


def test_a_square_patch_of_plate_blue_is_no_plate() -> None:
    frame = Image.new("RGB", (640, 480), (90, 90, 90))
    frame.paste((20, 60, 200), (200, 150, 400, 350))
    assert locate_plates(np.asarray(frame)) == []


def test_the_quad_runs_clockwise_from_top_left_and_parts_are_fractions_of_it() -> None:
    region = PlateRegion("yellow", (200.0, 100.0), (200.0, 100.0), 0.0)
    quad = region.quad()
    assert quad.tolist() == [[100, 50], [300, 50], [300, 150], [100, 150]]
    assert np.allclose(region.quad(1.1, 1.2)[0], [90, 40])
    top_row = part_of(quad, 0.2, 0.8, 0.0, 0.4)
    assert np.allclose(top_row, [[140, 50], [260, 50], [260, 90], [140, 90]])
