"""Face matching on real photos: the development set in ../shared/devsets/faces.

    python -m bench.faces_devset                # or: python -m bench.faces --devset
    python -m bench.faces_devset --folder /path/to/devsets

Every photo of a person (roles enrol, probe, impostor; 21 people) is read as a reader
would (``FaceEngine.find``: unsampled, then upsampled if no face) and embedded. Figures:
the distances of all pairs of one person and of two people, the ROC over them, and the
enrolment protocol the server runs: each person with 3+ photos enrolled from every
choice of 1 or 2 of them, their other photos as genuine probes, every photo of anyone
else as an impostor attempt against them, at the default ``face_match_threshold``.
Last, each photo downscaled to 320 pixels on its long side: is the face still found?
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image

from bench.common import Figure, percentile, print_table
from bench.plate_photos import devsets_folder
from sitewarden.access.gallery import ENROL_DETECTION_THRESHOLD
from sitewarden.config import Settings
from sitewarden.vision.faces import FaceEngine, Vector

PEOPLE_ROLES = ("enrol", "probe", "impostor")
SMALL_SIDE = 320
SMALL_FACE_PX = 40


@dataclass(frozen=True, slots=True)
class DevFace:
    identity: str
    file: str
    embedding: Vector | None  # what a reader decides on; None: no clear face
    enrolled: Vector | None  # what enrolment takes; None: refused
    face_px: int  # the largest face found at all (any score), 0 if none
    read_ms: float  # the reader's reading, find + embed
    mirrored: bool  # the reader decided on the mirror image

    @property
    def decidable(self) -> bool:
        return self.embedding is not None

    @property
    def enrollable(self) -> bool:
        return self.enrolled is not None


def read_people(folder: Path, engine: FaceEngine) -> list[DevFace]:
    """Every photo of a person in the set, read as a door reader reads a frame
    (``FaceEngine.read_door_frame``) and as enrolment reads a photo."""
    with (folder / "manifest.csv").open(newline="") as manifest:
        rows = [row for row in csv.DictReader(manifest) if row["role"] in PEOPLE_ROLES]
    faces = []
    for row in rows:
        image = Image.open(folder / row["file"]).convert("RGB")
        started = time.perf_counter()
        reading = engine.read_door_frame(image)
        elapsed = (time.perf_counter() - started) * 1000
        enrolment = engine.read(image, threshold=ENROL_DETECTION_THRESHOLD)
        boxes = engine.find(image)
        faces.append(
            DevFace(
                row["identity"],
                row["file"],
                reading.embedding,
                enrolment.embedding,
                boxes[0].height if boxes else 0,
                elapsed,
                reading.mirrored,
            )
        )
    return faces


def pair_distances(faces: list[DevFace]) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances of all pairs of one person, and of all pairs of two people
    (photos a reader would decide on)."""
    found = [face for face in faces if face.decidable]
    same, different = [], []
    for a, b in combinations(found, 2):
        distance = float(np.linalg.norm(a.embedding - b.embedding))  # type: ignore[operator]
        (same if a.identity == b.identity else different).append(distance)
    return np.asarray(same), np.asarray(different)


def rates_at(same: np.ndarray, different: np.ndarray, threshold: float) -> tuple[float, float]:
    """(false accept %, false reject %) of pairs at ``threshold``."""
    return 100 * float(np.mean(different <= threshold)), 100 * float(np.mean(same > threshold))


@dataclass(frozen=True, slots=True)
class EnrolmentTrial:
    photos_each: int
    genuine: int
    rejected: int  # of which ``unclear`` were no_clear_face (no decision made)
    unclear: int
    impostor: int
    accepted: int

    @property
    def frr(self) -> float:
        return 100 * self.rejected / max(self.genuine, 1)

    @property
    def match_frr(self) -> float:
        """False rejects of probes a decision was made on."""
        return 100 * (self.rejected - self.unclear) / max(self.genuine - self.unclear, 1)

    @property
    def far(self) -> float:
        return 100 * self.accepted / max(self.impostor, 1)


def enrolment_trial(faces: list[DevFace], photos_each: int, threshold: float) -> EnrolmentTrial:
    """Each person with 3+ photos enrolled from every choice of ``photos_each`` of the
    photos enrolment takes; a probe matches when within ``threshold`` of one of the
    person's templates. A genuine probe a reader would not decide on (no clear face)
    counts as a false reject; such an impostor photo is refused before matching."""
    people: dict[str, list[DevFace]] = {}
    for face in faces:
        people.setdefault(face.identity, []).append(face)
    genuine = rejected = unclear = impostor = accepted = 0
    for identity, own in people.items():
        if len(own) < 3:
            continue
        enrollable = [face for face in own if face.enrollable]
        others = [f for f in faces if f.identity != identity and f.decidable]
        for chosen in combinations(range(len(enrollable)), photos_each):
            templates = np.stack([enrollable[i].enrolled for i in chosen])  # type: ignore[misc]
            probes = [face for face in own if face not in [enrollable[i] for i in chosen]]
            for probe in probes:
                genuine += 1
                unclear += not probe.decidable
                if not probe.decidable or nearest(templates, probe.embedding) > threshold:  # type: ignore[arg-type]
                    rejected += 1
            for other in others:
                impostor += 1
                accepted += nearest(templates, other.embedding) <= threshold  # type: ignore[arg-type]
    return EnrolmentTrial(photos_each, genuine, rejected, unclear, impostor, accepted)


def nearest(templates: np.ndarray, probe: Vector) -> float:
    return float(np.linalg.norm(templates - probe, axis=1).min())


def found_when_small(
    folder: Path, faces: list[DevFace], engine: FaceEngine
) -> tuple[int, int, int]:
    """(faces at least :data:`SMALL_FACE_PX` high once the photo is downscaled to
    :data:`SMALL_SIDE` pixels, how many of them are still found, how many of those a
    reader still sees clearly: embedded, or ``face_too_small`` rather than no face)."""
    eligible = found = clear = 0
    for face in faces:
        image = Image.open(folder / face.file).convert("RGB")
        scale = SMALL_SIDE / max(image.size)
        if face.face_px * scale < SMALL_FACE_PX:
            continue
        eligible += 1
        small = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
        found += bool(engine.find(small))
        clear += engine.read_door_frame(small).problem != "no_clear_face"
    return eligible, found, clear


def report_faces(folder: Path) -> list[Figure]:
    """The figures for docs/access.md, from the development set in ``folder``."""
    settings_threshold = Settings.model_fields["face_match_threshold"].default
    engine = FaceEngine()
    engine.load()
    faces = read_people(folder, engine)
    same, different = pair_distances(faces)
    print(f"{len(faces)} photos of {len({f.identity for f in faces})} people; ")
    print(f"{len(same)} pairs of one person, {len(different)} pairs of two people")
    print("ROC over all pairs (Euclidean distance): threshold  FAR %  FRR %")
    for threshold in np.arange(0.40, 0.701, 0.02):
        far, frr = rates_at(same, different, float(threshold))
        print(f"  {threshold:.2f}  {far:6.2f}  {frr:6.1f}")
    print("enrolment protocol: threshold  FAR % / FRR % with 1 photo  FAR % / FRR % with 2")
    for threshold in np.arange(0.50, 0.641, 0.02):
        one, two = (enrolment_trial(faces, n, float(threshold)) for n in (1, 2))
        print(
            f"  {threshold:.2f}  {one.far:5.2f} / {one.frr:4.1f}  {two.far:5.2f} / {two.frr:4.1f}"
        )
    figures = [
        Figure("photos without a face found", sum(f.face_px == 0 for f in faces), ""),
        Figure(
            "photos without a clear face (no decision)", sum(not f.decidable for f in faces), ""
        ),
        Figure("photos decided on their mirror image", sum(f.mirrored for f in faces), ""),
        Figure("pairs of two people: nearest", float(different.min()), ""),
        Figure("pairs of one person: farthest", float(same.max()), ""),
        Figure(
            "reading one photo (find + embed) p95",
            percentile([f.read_ms for f in faces], 0.95),
            "ms",
        ),
    ]
    for photos_each, target in ((1, 5.0), (2, 2.0)):
        trial = enrolment_trial(faces, photos_each, settings_threshold)
        label = f"{photos_each} enrolment photo{'s' if photos_each > 1 else ''}"
        figures += [
            Figure(
                f"{label}, threshold {settings_threshold}: FRR ({trial.rejected}/{trial.genuine})",
                trial.frr,
                "%",
                f"<= {target} %",
                trial.frr <= target,
            ),
            Figure(
                f"{label}: FRR of decided probes (no clear face: {trial.unclear})",
                trial.match_frr,
                "%",
            ),
            Figure(
                f"{label}: FAR ({trial.accepted}/{trial.impostor})",
                trial.far,
                "%",
                "<= 0.1 %",
                trial.far <= 0.1,
            ),
        ]
    eligible, found, clear = found_when_small(folder, faces, engine)
    figures += [
        Figure(
            f"faces >= {SMALL_FACE_PX} px found at {SMALL_SIDE} px ({found}/{eligible})",
            100 * found / max(eligible, 1),
            "%",
            "100 %",
            found == eligible,
        ),
        Figure(
            f"of those, a clear face for a reader at {SMALL_SIDE} px ({clear}/{eligible})",
            100 * clear / max(eligible, 1),
            "%",
        ),
    ]
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faces_devset", description=__doc__)
    parser.add_argument("--folder", type=Path, default=None, help="the devsets folder")
    args = parser.parse_args(argv)
    folder = (args.folder or devsets_folder()) / "faces"
    if not (folder / "manifest.csv").is_file():
        print(f"the faces development set is not at {folder}; nothing to measure")
        return 1
    print_table("Faces on real photos (development set)", report_faces(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
