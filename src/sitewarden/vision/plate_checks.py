"""When a plate read is sure enough to open a barrier: the reader never guesses.

Measured on real photos (``bench/plate_photos.py``), a read that merely fits a plate
format is wrong about one time in twenty-five: one character swapped (M->T, 1->J,
9->S), a wrong province, a green 8-character plate that lost a digit and fits the
7-character format. The recogniser's mean confidence does not tell those apart (the
M->T read had 0.92), but three things do:

- its least sure character: a swapped character is the unsure one;
- agreement between looks: two detections at different resolutions that crop the plate
  differently and read the same text are right, in every case measured;
- the plate's colour against its format: blue and yellow plates carry 7 characters,
  green new-energy plates 8.

A read that passes is accepted; any other goes to a person with the reason (the gate
follows the site's policy for unsure reads). Colour is judged on the pixels inside the
text box, which on a plate is mostly its background.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from sitewarden.parking.formats import FORMAT_COLOURS

# A read seen by one look only is accepted when its least sure character reaches this.
# Set on the odd-numbered development photos, where it accepts every read that another
# look confirms; the even-numbered photos, which hold both misreads met (least sure
# characters 0.49 and 0.55), were only checked: 0.5 lets one through, 0.6 to 0.8 none.
CHAR_SURE = 0.75
SATURATED = 0.25  # share of strongly coloured pixels for a box to have a colour
# OpenCV hue (0-179) ranges of plate backgrounds
HUES: dict[str, tuple[int, int]] = {"yellow": (11, 34), "green": (35, 85), "blue": (86, 130)}


def plate_colour(pixels: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> str | None:
    """The background colour of the plate in ``box`` (blue, yellow or green), or None
    for white, black and unclear plates (European plates, police, night frames)."""
    import cv2  # OpenCV loads with the OCR models, not with this module

    left, top, right, bottom = box
    region = pixels[max(top, 0) : bottom, max(left, 0) : right]
    if region.size == 0:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(region), cv2.COLOR_RGB2HSV)
    strong = (hsv[:, :, 1] > 70) & (hsv[:, :, 2] > 50)
    if strong.mean() < SATURATED:
        return None
    hues = hsv[:, :, 0][strong]
    shares = {
        name: float(((hues >= low) & (hues <= high)).mean()) for name, (low, high) in HUES.items()
    }
    colour, share = max(shares.items(), key=lambda item: item[1])
    return colour if share >= 0.5 else None


def colour_doubt(format_name: str, colour: str | None) -> str | None:
    """Why a plate of ``colour`` cannot be of ``format_name``, or None when it can."""
    allowed = FORMAT_COLOURS.get(format_name)
    if colour is None or allowed is None or colour in allowed:
        return None
    return f"a {colour} plate cannot be of format {format_name}"


def read_doubt(least_sure: float, agreeing: int, colour_problem: str | None) -> str | None:
    """Why a read is not sure enough to act on, or None when it is.

    ``least_sure``: its least sure character; ``agreeing``: how many looks read it."""
    if colour_problem is not None:
        return colour_problem
    if agreeing >= 2 or least_sure >= CHAR_SURE:
        return None
    # no plate text here: the reason travels to the camera and the review queue in clear
    return f"one look only, its least sure character at {least_sure:.2f}; no other look agreed"


def agreeing_looks(compact: str, reads: Sequence[str | None]) -> int:
    """How many looks read exactly ``compact``."""
    return sum(read == compact for read in reads)
