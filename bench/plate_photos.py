"""The plate reader on real photos: the development set in ../shared/devsets/plates.

    python -m bench.plate_photos [--folder PATH] [--resaved] [--harder] [--more] [--crops]

100 photos of Chinese cars (70 blue plates, 30 yellow) that the project was never
trained or tuned on in bulk; they are under EasyPR's GDSL licence, so they stay in the
shared folder and are never copied into the repository. Each read is counted as one of:

- exact: accepted and right;
- wrong: accepted and wrong (the barrier opens for, or charges, the wrong car);
- review: a plate was read but the reader (or the site's ``review_below``) was not sure,
  so it goes to a person;
- missed: no plate read at all.

The sure rule was tuned on the odd-numbered photos; the even-numbered ones were only
checked, and both halves are reported so over-fitting shows. ``--resaved`` also reads
each photo saved again at JPEG quality 95 and 75 (300 reads): a misread that only shows
in a copy is still a wrong plate a gate would accept. ``--harder`` reads four harder
copies of each (60 % of the size, 55 % of the light, blurred, JPEG quality 50), as
other cameras would see the same cars: there the reader may miss more, but it must
still accept no wrong plate. ``--more`` reads eight more copies of each (80, 70, 50 and
45 % of the size, 40 % of the light, blurred at radius 0.8 and 1.6, JPEG quality 35),
800 reads, for the same check. ``--crops`` reads each photo's plate cut out as a camera's
plate picture (the box the reader found in the photo, with 10 % of its width and 30 % of
its height around it): many gate cameras send one beside the scene or instead of it. A
photo whose plate was not found, or whose picture the API would refuse (under 32 pixels
a side), counts as a miss.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter

from bench.common import Figure, percentile, print_machine, print_table
from sitewarden.errors import InvalidInput
from sitewarden.parking.records import PlateSettings
from sitewarden.vision.images import GATE_FRAME, decode_image
from sitewarden.vision.plate_formats import DEFAULT_FORMATS, resolve_formats
from sitewarden.vision.plate_places import picture_around
from sitewarden.vision.plates import FrameReading, PlateReader

FOLDER_VARIABLE = "SITEWARDEN_DEVSETS"  # overrides ../shared/devsets
REVIEW_BELOW = PlateSettings("bench").review_below
RESAVED_QUALITIES = (95, 75)  # JPEG qualities of the --resaved copies


def devsets_folder() -> Path:
    """``$SITEWARDEN_DEVSETS`` or the ``shared/devsets`` folder beside the repository."""
    override = os.environ.get(FOLDER_VARIABLE)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "shared" / "devsets"


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path
    plate: str  # compact, e.g. 浙A12345
    kind: str  # blue | yellow
    number: int  # from the file name: cn_blue_031.jpg -> 31


def load_photos(folder: Path) -> list[Photo]:
    """The photos listed in ``folder/truth.tsv``; an empty list when the set is absent."""
    truth = folder / "truth.tsv"
    if not truth.is_file():
        return []
    with truth.open(encoding="utf-8", newline="") as rows:
        return [
            Photo(
                folder / row["file"],
                row["plate"],
                row["kind"],
                int(Path(row["file"]).stem.rsplit("_", 1)[1]),
            )
            for row in csv.DictReader(rows, delimiter="\t")
        ]


@dataclass(frozen=True, slots=True)
class Outcome:
    photo: Photo
    outcome: str  # exact | wrong | review | missed
    got: str | None
    detail: str
    elapsed_ms: float
    copy: str = ""  # which copy of the photo was read; "" for the photo itself
    box: tuple[int, int, int, int] | None = None  # where the plate read is, when there is one


OUTCOMES = ("exact", "wrong", "review", "missed")


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    saved = io.BytesIO()
    image.save(saved, format="JPEG", quality=quality)
    return saved.getvalue()


def smaller(image: Image.Image, share: float = 0.6) -> bytes:
    size = (round(image.width * share), round(image.height * share))
    return jpeg(image.resize(size, Image.Resampling.LANCZOS))


def darker(image: Image.Image, share: float) -> bytes:
    return jpeg(ImageEnhance.Brightness(image).enhance(share))


def blurred(image: Image.Image, radius: float) -> bytes:
    return jpeg(image.filter(ImageFilter.GaussianBlur(radius)))


# (name, how the copy is made from the decoded photo)
Copy = tuple[str, Callable[[Image.Image], bytes]]
RESAVED: list[Copy] = [
    (f"JPEG {quality}", functools.partial(jpeg, quality=quality)) for quality in RESAVED_QUALITIES
]
HARDER: list[Copy] = [
    ("60 % of the size", smaller),
    ("55 % of the light", functools.partial(darker, share=0.55)),
    ("blurred (radius 1.2)", functools.partial(blurred, radius=1.2)),
    ("JPEG 50", lambda image: jpeg(image, 50)),
]
# Eight more, milder and harsher, for the wrong-plate check: they found misreads the
# four above did not (Z as 2 blurred at 1.6, 学 as 9 at 70 %).
MORE: list[Copy] = [
    *(
        (f"{share * 100:g} % of the size", functools.partial(smaller, share=share))
        for share in (0.8, 0.7, 0.5, 0.45)
    ),
    ("40 % of the light", functools.partial(darker, share=0.4)),
    *((f"blurred (radius {r})", functools.partial(blurred, radius=r)) for r in (0.8, 1.6)),
    ("JPEG 35", lambda image: jpeg(image, 35)),
]


def accepted(reading: FrameReading) -> bool:
    """Whether a gate acts on the read: sure, and at or over the default review_below."""
    plate = reading.plate
    return plate is not None and reading.doubt is None and plate.confidence >= REVIEW_BELOW


def read_photo(
    reader: PlateReader, photo: Photo, data: bytes | None = None, copy: str = ""
) -> Outcome:
    """Decode and read one photo (or ``data``, its ``copy``) as a gate would, and sort
    the result."""
    formats = resolve_formats(DEFAULT_FORMATS)
    data = photo.path.read_bytes() if data is None else data
    started = time.perf_counter()
    image = decode_image(data, "image/jpeg", GATE_FRAME)
    reading = reader.read_plate(image, formats)
    elapsed = (time.perf_counter() - started) * 1000
    if reading.plate is None:
        return Outcome(photo, "missed", None, reading.reason or "", elapsed, copy)
    got, box = reading.plate.match.compact, reading.plate.box
    doubt = reading.doubt
    if doubt is None and not accepted(reading):
        doubt = f"confidence {reading.plate.confidence:.2f} under review_below"
    if doubt is not None:
        return Outcome(photo, "review", got, doubt, elapsed, copy, box)
    outcome = "exact" if got == photo.plate else "wrong"
    return Outcome(photo, outcome, got, "", elapsed, copy, box)


PLATE_PICTURE = "plate picture"


def plate_picture(image: Image.Image, box: tuple[int, int, int, int]) -> bytes:
    """The plate in ``box`` cut out as a gate camera's plate picture
    (``plate_places.PICTURE_MARGIN`` around it)."""
    return jpeg(image.crop(picture_around(box, image.width, image.height)))


def read_pictures(reader: PlateReader, originals: Sequence[Outcome]) -> list[Outcome]:
    """Each photo's plate picture, cut where the photo's read found the plate, read as a
    gate would; a photo without a plate found, or a picture the API refuses, is a miss."""
    outcomes = []
    for read in originals:
        if read.box is None:
            why = "no plate found in the photo to cut out"
            outcomes.append(Outcome(read.photo, "missed", None, why, 0.0, PLATE_PICTURE))
            continue
        data = plate_picture(Image.open(read.photo.path).convert("RGB"), read.box)
        try:
            outcomes.append(read_photo(reader, read.photo, data, PLATE_PICTURE))
        except InvalidInput as refused:
            outcomes.append(Outcome(read.photo, "missed", None, str(refused), 0.0, PLATE_PICTURE))
    return outcomes


def read_photos(
    photos: Sequence[Photo], copies: Sequence[Copy] = (), pictures: bool = False
) -> list[Outcome]:
    """Every photo, then every one of its ``copies`` (and its plate picture, with
    ``pictures``), read in process on one core (one onnxruntime thread)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    reader = PlateReader(threads=1)
    reader.load()
    outcomes = [read_photo(reader, photo) for photo in photos]
    if pictures:
        outcomes += read_pictures(reader, outcomes)
    for name, make in copies:
        for photo in photos:
            data = make(Image.open(photo.path).convert("RGB"))
            outcomes.append(read_photo(reader, photo, data, name))
    return outcomes


def share(outcomes: Sequence[Outcome], outcome: str) -> float:
    return 100 * sum(o.outcome == outcome for o in outcomes) / max(len(outcomes), 1)


def photo_figures(outcomes: Sequence[Outcome]) -> list[Figure]:
    exact, wrong = share(outcomes, "exact"), share(outcomes, "wrong")
    latencies = [o.elapsed_ms for o in outcomes]
    median = percentile(latencies, 0.5)
    figures = [
        Figure("exact reads, all photos", exact, "%", ">= 97%", exact >= 97),
        Figure("wrong plate accepted", wrong, "%", "<= 0.5%", wrong <= 0.5),
        Figure("sent to review", share(outcomes, "review"), "%"),
        Figure("no plate read", share(outcomes, "missed"), "%"),
    ]
    for label, chosen in (
        ("blue", [o for o in outcomes if o.photo.kind == "blue"]),
        ("yellow", [o for o in outcomes if o.photo.kind == "yellow"]),
        ("tuning half (odd)", [o for o in outcomes if o.photo.number % 2]),
        ("checking half (even)", [o for o in outcomes if not o.photo.number % 2]),
    ):
        figures.append(Figure(f"exact reads, {label}", share(chosen, "exact"), "%"))
        figures.append(Figure(f"wrong accepted, {label}", share(chosen, "wrong"), "%"))
    figures += [
        Figure("read latency p50 (decode + OCR, 1 core)", median, "ms", "<= 300 ms", median <= 300),
        Figure("read latency p95 (1 core)", percentile(latencies, 0.95), "ms"),
    ]
    return figures


def copies_table(title: str, outcomes: Sequence[Outcome]) -> list[Figure]:
    """Print the figures of the photos with their copies, then of each kind of copy,
    and every wrong read of a copy; return the figures over them all."""
    wrong = share(outcomes, "wrong")
    figures = [
        Figure("exact reads", share(outcomes, "exact"), "%"),
        Figure("wrong plate accepted", wrong, "%", "<= 0.5%", wrong <= 0.5),
        Figure("sent to review", share(outcomes, "review"), "%"),
        Figure("no plate read", share(outcomes, "missed"), "%"),
    ]
    print_table(title, figures)
    for name in dict.fromkeys(o.copy for o in outcomes if o.copy):
        chosen = [o for o in outcomes if o.copy == name]
        counts = ", ".join(f"{kind} {share(chosen, kind):g} %" for kind in OUTCOMES)
        print(f"  {name} ({len(chosen)}): {counts}")
    for o in outcomes:
        if o.copy and o.outcome == "wrong":
            print(f"  wrong: {o.photo.path.name} ({o.copy}) {o.photo.plate} -> {o.got}")
    return figures


def report_photos(
    folder: Path,
    resave: bool = False,
    harder: bool = False,
    more: bool = False,
    crops: bool = False,
) -> list[Figure]:
    """Read the development set and print its table; no figures when it is absent.
    ``resave``, ``harder``, ``more``, ``crops``: a table over those copies of each photo
    (or its plate picture), too."""
    photos = load_photos(folder / "plates")
    if not photos:
        print(f"\nReal photos: no development set at {folder / 'plates'} (set {FOLDER_VARIABLE})")
        return []
    copies = (RESAVED if resave else []) + (HARDER if harder else []) + (MORE if more else [])
    outcomes = read_photos(photos, copies, crops)
    originals = outcomes[: len(photos)]
    figures = photo_figures(originals)
    print_table(f"Plate reading, {len(photos)} real photos ({folder / 'plates'})", figures)
    for o in originals:
        if o.outcome != "exact":
            print(f"  {o.outcome}: {o.photo.path.name} {o.photo.plate} -> {o.got} {o.detail}")
    if resave:
        resaved = originals + [o for o in outcomes if o.copy in {name for name, _ in RESAVED}]
        qualities = " and ".join(str(q) for q in RESAVED_QUALITIES)
        title = f"Same, {len(resaved)} reads (each photo and copies re-saved at JPEG {qualities})"
        figures += copies_table(title, resaved)
    if harder:
        hard = [o for o in outcomes if o.copy in {name for name, _ in HARDER}]
        title = f"Harder copies, {len(hard)} reads (each photo {len(HARDER)} ways)"
        figures += copies_table(title, hard)
    if more:
        extra = [o for o in outcomes if o.copy in {name for name, _ in MORE}]
        title = f"More copies, {len(extra)} reads (each photo {len(MORE)} more ways)"
        figures += copies_table(title, extra)
    if crops:
        pictures = [o for o in outcomes if o.copy == PLATE_PICTURE]
        title = f"Plate pictures, {len(pictures)} reads (each photo's plate cut out)"
        figures += copies_table(title, pictures)
        latencies = [o.elapsed_ms for o in pictures if o.elapsed_ms]
        print(f"  read latency p50 {percentile(latencies, 0.5):.0f} ms (1 core)")
        for o in pictures:
            if o.outcome != "exact":
                print(f"  {o.outcome}: {o.photo.path.name} {o.photo.plate} -> {o.got} {o.detail}")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plate_photos", description=__doc__)
    parser.add_argument("--folder", type=Path, default=None, help="the devsets folder")
    parser.add_argument(
        "--resaved", action="store_true", help="also read copies re-saved at other JPEG qualities"
    )
    parser.add_argument(
        "--harder", action="store_true", help="also read smaller, darker, blurred, JPEG 50 copies"
    )
    parser.add_argument(
        "--more",
        action="store_true",
        help="also read 80/70/50/45 %% sized, 40 %% lit, 0.8/1.6 blurred and JPEG 35 copies",
    )
    parser.add_argument(
        "--crops", action="store_true", help="also read each photo's plate cut out (plate pictures)"
    )
    args = parser.parse_args(argv)
    print_machine()
    figures = report_photos(
        args.folder or devsets_folder(), args.resaved, args.harder, args.more, args.crops
    )
    return 0 if all(f.met is not False for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
