"""Dark gate frames get their levels stretched before reading; others pass untouched."""

from __future__ import annotations

import numpy as np

from sitewarden.vision.frame_levels import DARK_BELOW, brightened, levels


def gradient(top: int) -> np.ndarray:
    """A 120x200 frame: a blue plate-like band on a grey ramp up to ``top``."""
    ramp = np.linspace(10, top, 200, dtype=np.float32)
    frame = np.repeat(np.repeat(ramp[None, :, None], 120, axis=0), 3, axis=2)
    frame[50:70, 60:140] = (0.1 * top, 0.25 * top, 0.7 * top)
    return frame.astype(np.uint8)


def test_a_dark_frame_is_stretched_to_the_full_range_keeping_its_hues() -> None:
    dark = gradient(130)
    assert levels(dark)[1] < DARK_BELOW
    bright = brightened(dark)
    low, high = levels(bright)
    assert low < 3 and high > 250
    band = bright[60, 100].astype(int)
    assert band[2] > band[1] > band[0]  # still blue, and brighter than it was
    assert band[2] > dark[60, 100, 2] + 50


def test_a_well_lit_frame_and_a_flat_one_are_left_as_they_are() -> None:
    lit = gradient(240)
    assert brightened(lit) is lit
    covered = np.full((120, 200, 3), 20, dtype=np.uint8)  # a covered lens: nothing to read
    assert brightened(covered) is covered
