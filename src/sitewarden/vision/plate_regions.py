"""Plates found by their colour, for the frames where the text detector finds none.

On the real-photo development set the text detector missed plates it could read: a
yellow plate in a low evening sun, plates tilted 30 degrees whose box came out too
loose, the small top row (province and letter) of two-row yellow plates. A Chinese
plate is a blue or yellow rectangle of known shape, so classic plate locators look for
exactly that: pixels of a plate's hue, closed into blobs across the characters, kept
when the blob's rotated rectangle has a plate's aspect and fills it. The rectangle is
straightened and given to recognition directly, no detection needed.

This only proposes where a plate may be; the site's formats and the sure-read rules
(``plate_checks``) decide as for every other look.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sitewarden.vision.plate_checks import HUES

# Blue and yellow plates; a green new-energy plate fades to white and is found as text.
PLATE_HUES = ("blue", "yellow")
MIN_SATURATION = 70  # OpenCV 0-255: plate paint, not grey body work
MIN_VALUE = 40  # dusk frames still count
# Rotated-rectangle aspect of a plate blob: a two-row plate is 2:1 (440x220 mm), a
# one-row plate 3.1:1 (440x140 mm); blobs run a little long or short of the paint.
MIN_ASPECT, MAX_ASPECT = 1.8, 5.5
TWO_ROW_ASPECT = 2.5  # below this, a yellow plate may have two rows
MIN_FILL = 0.5  # share of the rectangle the blob covers
MIN_HEIGHT = 10  # pixels: smaller is no readable plate
MAX_HEIGHT_SHARE = 0.25  # of the frame: larger is a painted wall or a bus, not a plate
MAX_REGIONS = 6  # the largest blobs worth reading

Quad = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class PlateRegion:
    """A plate-coloured rectangle: its colour, centre, size (long side first) and the
    angle of its long side in degrees."""

    colour: str
    centre: tuple[float, float]
    size: tuple[float, float]
    angle: float

    @property
    def aspect(self) -> float:
        return self.size[0] / max(self.size[1], 1.0)

    @property
    def two_rows(self) -> bool:
        """Shaped like a two-row plate (lorries, buses: always yellow)."""
        return self.colour == "yellow" and self.aspect < TWO_ROW_ASPECT

    def quad(self, grow_width: float = 1.0, grow_height: float = 1.0) -> Quad:
        """Corners clockwise from top-left, the rectangle grown by the factors given."""
        theta = np.deg2rad(self.angle)
        along = np.array([np.cos(theta), np.sin(theta)])
        if along[0] < 0:
            along = -along
        across = np.array([-along[1], along[0]])  # points down the plate
        if across[1] < 0:
            across = -across
        centre = np.array(self.centre)
        half_width = along * self.size[0] * grow_width / 2
        half_height = across * self.size[1] * grow_height / 2
        return np.array(
            [
                centre - half_width - half_height,
                centre + half_width - half_height,
                centre + half_width + half_height,
                centre - half_width + half_height,
            ],
            dtype=np.float32,
        )


def part_of(quad: Quad, left: float, right: float, top: float, bottom: float) -> Quad:
    """The part of ``quad`` between the given fractions of its width and height."""

    def at(x: float, y: float) -> tuple[float, float]:
        upper = quad[0] + (quad[1] - quad[0]) * x
        lower = quad[3] + (quad[2] - quad[3]) * x
        point = upper + (lower - upper) * y
        return float(point[0]), float(point[1])

    corners = [at(left, top), at(right, top), at(right, bottom), at(left, bottom)]
    return np.array(corners, dtype=np.float32)


def locate_plates(pixels: npt.NDArray[np.uint8]) -> list[PlateRegion]:
    """Blue and yellow rectangles of a plate's shape in ``pixels`` (RGB), largest first."""
    import cv2  # OpenCV loads with the OCR models

    height, width = pixels.shape[:2]
    hsv = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2HSV)
    strong = (hsv[:, :, 1] > MIN_SATURATION) & (hsv[:, :, 2] > MIN_VALUE)
    step = max(3, width // 200)  # character strokes are about this wide
    # close across the characters (white or black on the paint), then drop specks
    closing = cv2.getStructuringElement(cv2.MORPH_RECT, (3 * step, step))
    opening = cv2.getStructuringElement(cv2.MORPH_RECT, (step, step))
    found: list[tuple[float, PlateRegion]] = []
    for colour in PLATE_HUES:
        low, high = HUES[colour]
        painted = (strong & (hsv[:, :, 0] >= low) & (hsv[:, :, 0] <= high)).astype(np.uint8)
        closed = cv2.morphologyEx(painted, cv2.MORPH_CLOSE, closing)
        blobs = cv2.morphologyEx(closed, cv2.MORPH_OPEN, opening)
        contours, _ = cv2.findContours(blobs, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = float(cv2.contourArea(contour))
            (x, y), (side_a, side_b), angle = cv2.minAreaRect(contour)
            if side_a < side_b:
                side_a, side_b, angle = side_b, side_a, angle + 90
            region = PlateRegion(colour, (x, y), (side_a, side_b), angle)
            if (
                MIN_ASPECT <= region.aspect <= MAX_ASPECT
                and MIN_HEIGHT <= side_b <= MAX_HEIGHT_SHARE * height
                and area >= MIN_FILL * side_a * side_b
            ):
                found.append((area, region))
    found.sort(key=lambda item: -item[0])
    return [region for _, region in found[:MAX_REGIONS]]
