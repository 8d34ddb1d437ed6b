"""When a plate read is sure enough to open a barrier: the reader never guesses.

A read that merely fits a plate format can be wrong by one character (M->T, 1->J,
9->S), by its province, or be a green 8-character plate that lost a digit and fits the
7-character format. The recogniser's mean confidence does not tell those apart (the
M->T read on a development photo had 0.92), but these do:

- its least sure character: a swapped character is the unsure one;
- agreement between looks (detections at different resolutions that crop the plate
  differently), but only where each character was read surely in one of them: looks of
  one frame share their errors, and two looks unsure of the same character are no proof;
- disagreement between looks: the looks at the same place vote on each character with
  their confidences, and a sure read whose character loses the vote is not sure;
- the plate's colour against its format: blue and yellow plates carry 7 characters,
  green new-energy plates 8. A lime plate (green at its yellowish end: a green plate
  in a warm frame, or a yellow one in a tinted frame, 川R35779 on a development photo)
  counts as green, and a 7-character read of it stands only when both recognisers read
  it alike (``plate_cross_check``): a green plate that lost a digit would have to lose
  it to both.

A read that passes is accepted; any other goes to a person with the reason (the gate
follows the site's policy for unsure reads). Colour is judged on the pixels inside the
text box, which on a plate is mostly its background.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sitewarden.vision.plate_candidates import PlateCandidate, overlap, rank
from sitewarden.vision.plate_formats import FORMAT_COLOURS

# A read is accepted when its least sure character reaches CHAR_SURE, or when two looks
# read the same text and every character reached AGREED_SURE in at least one of them.
# Measured on the 100 development photos and two re-saved copies of each (300 reads):
# every misread there sits on a character under 0.56 in every look, and the odd-numbered
# photos, where the values were first set, have none; the even-numbered ones showed that
# agreement needs its own floor (at 0.5 one misread two looks shared got through).
CHAR_SURE = 0.75
AGREED_SURE = 0.6
SATURATED = 0.25  # share of strongly coloured pixels for a box to have a colour
# OpenCV hue (0-179) ranges of plate backgrounds. New-energy green sits near 60-70; a
# green plate whose hues are mostly at the yellowish end (up to LIME_UP_TO) is "lime":
# green in a warm frame, or yellow in a tinted one (川R35779 on a development photo).
HUES: dict[str, tuple[int, int]] = {"yellow": (11, 34), "green": (35, 85), "blue": (86, 130)}
LIME_UP_TO = 49


def plate_colour(pixels: npt.NDArray[np.uint8], box: tuple[int, int, int, int]) -> str | None:
    """The background colour of the plate in ``box`` (blue, yellow, lime or green), or None
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
    if share < 0.5:
        return None
    green = hues[(hues >= HUES["green"][0]) & (hues <= HUES["green"][1])]
    if colour == "green" and float((green <= LIME_UP_TO).mean()) > 0.5:
        return "lime"
    return colour


def colour_doubt(format_name: str, colour: str | None, both_readers: bool = False) -> str | None:
    """Why a plate of ``colour`` cannot be of ``format_name``, or None when it can.

    Lime counts as green; for a format of yellow plates it stands too, but only for a
    read ``both_readers`` agree on: a green plate that lost a digit to one reader fits
    the 7-character format, and would have to lose it to both."""
    allowed = FORMAT_COLOURS.get(format_name)
    if colour is None or allowed is None or colour in allowed:
        return None
    if colour == "lime" and "green" in allowed:
        return None
    if colour == "lime" and "yellow" in allowed:
        if both_readers:
            return None
        return "a lime plate may be a green one that lost a character; one reader alone read it"
    return f"a {colour} plate cannot be of format {format_name}"


def read_doubt(least_sure: float, agreeing: int, colour_problem: str | None) -> str | None:
    """Why a read is not sure enough to act on, or None when it is.

    ``agreeing``: how many looks read the same text; ``least_sure``: its least sure
    character, where each character counts at the surest look that read it."""
    if colour_problem is not None:
        return colour_problem
    if least_sure >= CHAR_SURE or (agreeing >= 2 and least_sure >= AGREED_SURE):
        return None
    # no plate text here: the reason travels to the camera and the review queue in clear
    looks = "one look" if agreeing < 2 else f"{agreeing} looks"
    return f"{looks}, least sure character at {least_sure:.2f}"


def outvoted(read: PlateCandidate, looks: Sequence[PlateCandidate]) -> str | None:
    """Why ``read`` is in doubt, or None: the ``looks`` at the same place that read a
    plate as long vote on each character with their confidences, and one of ``read``'s
    characters lost its vote.

    A single sure look cannot outvote several that read a character otherwise: 粤 read
    three times at under 0.6, then 鄂 once at 0.76, is unsure."""
    text = read.match.compact
    votes: list[dict[str, float]] = [{} for _ in text]
    for look in looks:
        if len(look.match.compact) != len(text) or overlap(look.box, read.box) == 0:
            continue
        for vote, char, score in zip(votes, look.match.compact, look.scores, strict=True):
            vote[char] = vote.get(char, 0.0) + score
    for vote, char in zip(votes, text, strict=True):
        against = max((score for other, score in vote.items() if other != char), default=0.0)
        if against > vote.get(char, 0.0):
            # no plate text here: the reason travels to the camera and the review queue
            return f"looks outvote a character, {vote.get(char, 0.0):.2f} against {against:.2f}"
    return None


def surest_characters(scores: Sequence[Sequence[float]]) -> float:
    """The least sure character of a text several looks read alike, each character
    counted at the surest look (looks of one frame share their errors: two looks both
    unsure of one character do not make it sure)."""
    aligned = [s for s in scores if s]
    if not aligned or len({len(s) for s in aligned}) != 1:
        return min((min(s) for s in aligned), default=0.0)
    return float(min(max(column) for column in zip(*aligned, strict=True)))


@dataclass(frozen=True, slots=True)
class Judged:
    """A read, why it is unsure (None: sure), and its plate's colour. ``settleable``: it
    is unsure only because its characters are not sure enough (neither its colour nor a
    vote nor the second reader is against it), so that other frames of the car that
    read it alike may settle it (``plate_bursts``); ``frames``: how many frames of the
    car it stands on (more than one once they settled it)."""

    plate: PlateCandidate
    doubt: str | None
    colour: str | None
    settleable: bool = False
    frames: int = 1


def judge_looks(
    pixels: npt.NDArray[np.uint8], reads: Sequence[PlateCandidate | None]
) -> Judged | None:
    """The plate the looks so far support, and why it is unsure (None: sure).

    A sure read beats an unsure one; among equals, more agreeing looks, then
    ``plate_candidates.rank``."""
    # A look that saw exactly what another saw (same box, same scores: on a small frame
    # the close look is the quick look again) is not a second look.
    found = list({(read.box, read.char_scores): read for read in reads if read}.values())
    judged: list[tuple[bool, int, tuple[float, int], Judged]] = []
    for read in found:
        colour = plate_colour(pixels, read.box)
        alike = [other for other in found if other.match.compact == read.match.compact]
        agreeing = len(alike)
        least_sure = surest_characters([other.scores for other in alike])
        colour_problem = colour_doubt(read.match.format, colour)
        vote = outvoted(read, found)
        doubt = read_doubt(least_sure, agreeing, colour_problem) or vote
        settleable = doubt is not None and colour_problem is None and vote is None
        judged.append(
            (doubt is None, agreeing, rank(read), Judged(read, doubt, colour, settleable))
        )
    if not judged:
        return None
    return max(judged, key=lambda item: item[:3])[3]
