"""Frames of one car: a gate camera sends a few frames of each car (a burst), and they vote.

Looks at one frame share its errors (the same pixels, cropped differently); frames of
one car share fewer, since the car moves and the light on the plate changes between
them. So a lane remembers the reads of its last frames for a few seconds
(``parking/lane_bursts.py``), and each new frame's read is judged with them:

- a read unsure only because its characters are not sure enough (not for its colour,
  nor because its own looks or the second reader read it otherwise) is settled when an
  earlier frame of the burst read the same plate and every character reached
  ``AGREED_SURE`` in one of the frames that read it (``settled``): the rule for two
  looks, across frames. The settled read is then put to the second reader, as any
  sure read is (``plates.PlateReader.burst_judged``);
- a sure read is doubted when an earlier frame of the same car surely read it otherwise
  (``disputed``): two sure reads of one car that differ cannot both be right, and a
  person should see both.

Reads of one car are those of one length that differ in at most ``SAME_CAR_WITHIN``
characters; a plate further from the read is another car's.

Measured on copies of the 100 development photos (15 of each: re-saved, smaller,
darker, blurred; every ordered pair of copies of one photo as a burst of two, 21,000
bursts): the vote settled 240 reads right; the 4 it settled wrong followed an earlier
frame that was itself accepted wrong (粤A82349 read 鄂 at 70 % of its size), and the
same rule doubted that wrong read 18 times where a sure 粤 came first. A vote of every
frame's characters by confidence, as looks hold in a frame, doubted 20 more right
reads and caught no more wrong ones, so frames do not vote character by character.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sitewarden.vision.plate_checks import AGREED_SURE, surest_characters

SAME_CAR_WITHIN = 2  # characters two reads of one car may differ in


@dataclass(frozen=True, slots=True)
class FrameRead:
    """One frame's plate read, as its lane remembers it for the next frames of the car.

    ``settleable``: unsure only because its characters are not sure enough."""

    compact: str
    scores: tuple[float, ...]
    sure: bool
    settleable: bool = False


def same_car(a: str, b: str) -> bool:
    """Whether two plates read at one lane within seconds are reads of one car."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= SAME_CAR_WITHIN


def contradicting(read: FrameRead, earlier: Sequence[FrameRead]) -> list[FrameRead]:
    """The ``earlier`` frames of the same car that surely read it otherwise."""
    return [
        other
        for other in earlier
        if other.sure and other.compact != read.compact and same_car(other.compact, read.compact)
    ]


def disputed(read: FrameRead, earlier: Sequence[FrameRead]) -> str | None:
    """Why ``read`` (taken as sure) is in doubt given the ``earlier`` frames of the
    burst, or None: an earlier frame of the same car surely read it otherwise, and two
    sure reads of one car that differ cannot both be right. The reason names no
    character: it travels in clear."""
    if contradicting(read, earlier):
        return "an earlier frame of this car surely read a character otherwise"
    return None


def settled(read: FrameRead, earlier: Sequence[FrameRead]) -> int:
    """How many frames of the burst settle an unsure ``read``, itself included (2 or
    more), or 0 when the ``earlier`` frames do not make it sure."""
    if not read.settleable:
        return 0
    # a frame sent again (the same read to the last score) is not a second frame
    alike = [o for o in earlier if o.compact == read.compact and o.scores != read.scores]
    if not alike:
        return 0
    if surest_characters([read.scores, *(other.scores for other in alike)]) < AGREED_SURE:
        return 0
    return 1 + len(alike) if disputed(read, earlier) is None else 0
