"""Bursts on real photos: a gate camera sends a few frames of each car, and they vote.

    python -m bench.plate_bursts [--folder PATH]

Each photo of the development set (../shared/devsets/plates) becomes three bursts of
three frames, copies of it as a lane camera would see one car in turn:

- approaching: 45, 60 and 80 % of the size;
- in motion: blurred at radius 1.6, then 0.8, then the photo itself;
- at dusk: 40 % of the light, 55 %, then the photo re-saved at JPEG quality 75.

Each frame is read twice, alone and with the reads of the burst's earlier frames
(``vision/plate_bursts``), and each burst is counted as a gate would live it:

- wrong: some frame was accepted as another plate (the barrier opens for, or charges,
  the wrong car);
- exact: no wrong plate, and some frame was accepted right;
- review: a plate was read but no frame was sure, so a person confirms it;
- missed: no frame read a plate.

Every frame read unsurely sends a review to the queue, and a later frame of the car
read surely closes the reviews of the same plate (``parking/lane_bursts``); the table
counts the frames sent to review, and the reviews left for a person, frames read alone
and voting.

Copies of one photo share their errors more than frames of a real car do (the same
pixels, scaled or darkened), so this is a hard test of the vote's wrong-plate rate and a
modest one of what it settles.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bench.common import Figure, percentile, print_machine, print_table
from bench.plate_photos import (
    OUTCOMES,
    Photo,
    accepted,
    blurred,
    darker,
    devsets_folder,
    jpeg,
    load_photos,
    smaller,
)
from sitewarden.vision.images import GATE_FRAME, decode_image
from sitewarden.vision.plate_bursts import FrameRead
from sitewarden.vision.plate_formats import DEFAULT_FORMATS, resolve_formats
from sitewarden.vision.plates import FrameReading, PlateReader

Frame = Callable[[Image.Image, Photo], bytes]
BURSTS: dict[str, list[Frame]] = {
    "approaching": [
        lambda image, _: smaller(image, 0.45),
        lambda image, _: smaller(image, 0.6),
        lambda image, _: smaller(image, 0.8),
    ],
    "in motion": [
        lambda image, _: blurred(image, 1.6),
        lambda image, _: blurred(image, 0.8),
        lambda _, photo: photo.path.read_bytes(),
    ],
    "at dusk": [
        lambda image, _: darker(image, 0.4),
        lambda image, _: darker(image, 0.55),
        lambda image, _: jpeg(image, 75),
    ],
}


@dataclass(frozen=True, slots=True)
class Burst:
    photo: Photo
    name: str
    alone: str  # one of OUTCOMES
    voted: str
    sent_to_review: int  # frames read alone that went to review
    alone_left: int  # of those, the ones no later sure frame of the same plate closed
    voted_left: int  # the same, with the vote
    voted_ms: list[float]


def outcome(photo: Photo, readings: Sequence[FrameReading]) -> str:
    """How a gate lives the burst's frames (see the module's help)."""
    acted_on = [r.plate.match.compact for r in readings if r.plate and accepted(r)]
    if any(plate != photo.plate for plate in acted_on):
        return "wrong"
    if acted_on:
        return "exact"
    return "review" if any(r.plate for r in readings) else "missed"


def read_burst(reader: PlateReader, photo: Photo, name: str, frames: Sequence[Frame]) -> Burst:
    formats = resolve_formats(DEFAULT_FORMATS)
    image = Image.open(photo.path).convert("RGB")
    alone: list[FrameReading] = []
    voted: list[FrameReading] = []
    earlier: list[FrameRead] = []
    elapsed: list[float] = []
    for make in frames:
        decoded = decode_image(make(image, photo), "image/jpeg", GATE_FRAME)
        started = time.perf_counter()
        reading = reader.read_plate(decoded, formats, earlier)
        elapsed.append((time.perf_counter() - started) * 1000)
        voted.append(reading)
        alone.append(reader.read_plate(decoded, formats) if earlier else reading)
        remembered = reading.frame_read(accepted(reading))
        if remembered is not None:
            earlier.append(remembered)

    def reviews(readings: Sequence[FrameReading]) -> int:
        return sum(r.plate is not None and not accepted(r) for r in readings)

    def reviews_left(readings: Sequence[FrameReading]) -> int:
        """Reviews no later frame settled (a sure read of the same plate closes them)."""
        waiting: list[str] = []
        for r in readings:
            if r.plate is not None and not accepted(r):
                waiting.append(r.plate.match.compact)
            elif r.plate is not None:
                waiting = [plate for plate in waiting if plate != r.plate.match.compact]
        return len(waiting)

    return Burst(
        photo,
        name,
        outcome(photo, alone),
        outcome(photo, voted),
        reviews(alone),
        reviews_left(alone),
        reviews_left(voted),
        elapsed,
    )


def read_bursts(photos: Sequence[Photo]) -> list[Burst]:
    """Every photo's bursts, read in process on one core (one onnxruntime thread)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    reader = PlateReader(threads=1)
    reader.load()
    return [
        read_burst(reader, photo, name, frames)
        for photo in photos
        for name, frames in BURSTS.items()
    ]


def share(bursts: Sequence[Burst], outcome: str, voted: bool) -> float:
    hits = sum((b.voted if voted else b.alone) == outcome for b in bursts)
    return 100 * hits / max(len(bursts), 1)


def report_bursts(folder: Path) -> list[Figure]:
    """Read the development set's photos as bursts and print their table (no figures
    when the set is absent)."""
    photos = load_photos(folder / "plates")
    if not photos:
        print(f"\nPlate bursts: no development set at {folder / 'plates'}")
        return []
    return bursts_table(read_bursts(photos))


def bursts_table(bursts: Sequence[Burst]) -> list[Figure]:
    """Print the table of the bursts alone and voting, and every burst the vote changed."""
    figures: list[Figure] = []
    for voted, how in ((False, "frames alone"), (True, "frames voting")):
        for kind in OUTCOMES:
            value = share(bursts, kind, voted)
            if kind == "wrong":
                figures.append(Figure(f"{how}: wrong plate", value, "%", "<= 0.5%", value <= 0.5))
            else:
                figures.append(Figure(f"{how}: {kind}", value, "%"))
    figures += [
        Figure("frames sent to review (read alone)", sum(b.sent_to_review for b in bursts), ""),
        Figure(
            "reviews left, closed by a later sure frame",
            sum(b.alone_left for b in bursts),
            "",
        ),
        Figure("reviews left, voting", sum(b.voted_left for b in bursts), ""),
    ]
    latencies = [ms for b in bursts for ms in b.voted_ms]
    figures.append(Figure("read latency p50, voting (1 core)", percentile(latencies, 0.5), "ms"))
    print_table(f"Plate bursts, {len(bursts)} bursts of 3 frames (real photos)", figures)
    for name in BURSTS:
        chosen = [b for b in bursts if b.name == name]
        by_kind = [
            ", ".join(f"{kind} {share(chosen, kind, voted):g} %" for kind in OUTCOMES)
            for voted in (False, True)
        ]
        print(f"  {name} ({len(chosen)}): alone {by_kind[0]}; voting {by_kind[1]}")
    for b in bursts:
        if b.alone != b.voted:
            print(f"  {b.photo.path.name} {b.name}: {b.alone} -> {b.voted}")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plate_bursts", description=__doc__)
    parser.add_argument("--folder", type=Path, default=None, help="the devsets folder")
    args = parser.parse_args(argv)
    print_machine()
    figures = report_bursts(args.folder or devsets_folder())
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
