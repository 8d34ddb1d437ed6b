"""Faces at access readers: detection, landmarks, embeddings and 1:N matching.

Models come inside PyPI packages and run offline on the CPU: dlib's HOG frontal-face
detector (built into ``dlib-bin``), the 5-point landmark model and the ResNet
embedding model from ``face_recognition_models`` (both released by dlib's author into
the public domain). The 68-point landmark model in the same package is never loaded:
its training data carries non-commercial terms.

An embedding is 128 float32 values; on real photos of 21 people (the development set,
docs/access.md) two photos of one person were 0.25-0.68 apart (Euclidean), two people
0.63 and more, mostly 0.7-1.0. Matching is vectorised numpy over
the whole gallery. Frames are decoded in memory (``vision/images.py``) and dropped;
nothing here stores an image. Ordinary cameras never come here: their snapshots only
get blurred (``vision/blur.py``).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from sitewarden.errors import ConfigError

EMBEDDING_SIZE = 128
LANDMARKS_MODEL = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
UPSAMPLE_UP_TO = 1600  # frames up to this side are looked at again upsampled if no face
SMALL_FRAME = 400  # frames up to this side are upsampled twice for that second look
# Readers decide only on detections scoring at least this: a barely found face (a
# half-cut profile scoring 0.004 in the development set) embeds unreliably, nearer a
# stranger than its own person, so it is not decided on as sent.
CLEAR_FACE_SCORE = 0.2
# A reader frame without a clear face but with something face-like in it (scoring at
# least FACE_LIKE_SCORE, below dlib's own 0) is looked at again mirrored, and a face
# scoring MIRROR_CLEAR_SCORE there is decided on. dlib's HOG filters are not
# symmetric: a turned face can score far higher mirrored (the half-cut profile: 0.004
# as sent, 0.12 mirrored), and its landmarks and embedding follow the better view; the
# embedding model was trained on mirrored faces as the same person. On the development
# set's photos and 472 cut, turned and skewed copies of them, faces decided mirrored
# were as far from strangers as any (0 of 479 impostor pairs within the threshold),
# whereas faces as sent scoring 0.1-0.2 were not (one matched a stranger at 0.554).
MIRROR_CLEAR_SCORE = 0.1
FACE_LIKE_SCORE = -0.5

Vector = npt.NDArray[np.float32]


def models_folder() -> Path:
    """Where ``face_recognition_models`` keeps its model files (found without importing
    the package, whose ``__init__`` needs ``pkg_resources``)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "face models are missing: pip install face_recognition_models dlib-bin "
            "(they are sitewarden dependencies)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (LANDMARKS_MODEL, EMBEDDING_MODEL):
        if not (folder / name).is_file():
            raise ConfigError(f"face model {name} is missing from {folder}; reinstall the package")
    return folder


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A detected face: pixel box (left, top, right, bottom) and the detector's score."""

    left: int
    top: int
    right: int
    bottom: int
    score: float

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(self.width, 0) * max(self.height, 0)


@dataclass(frozen=True, slots=True)
class FaceReading:
    """What a reader frame showed: how many faces, the one used and its embedding.

    ``problem`` is ``no_clear_face`` or ``face_too_small`` when no embedding was made."""

    faces: int
    box: FaceBox | None
    embedding: Vector | None
    problem: str | None = None
    mirrored: bool = False  # the embedding is of the frame's mirror image

    @property
    def note(self) -> str | None:
        notes = []
        if self.faces > 1:
            notes.append(f"{self.faces} faces in the frame; decided on the largest")
        if self.mirrored:
            notes.append("the face was turned; decided on the mirror image")
        return "; ".join(notes) or None


class FaceEngine:
    """dlib's detector, 5-point landmarks and ResNet embedder; loaded on first use.

    dlib objects are not documented as thread-safe, so calls are serialised."""

    def __init__(self, upsample: int = 0, min_face_px: int = 60) -> None:
        self.upsample = upsample
        self.min_face_px = min_face_px
        self._lock = threading.Lock()
        self._models: tuple[Any, Any, Any] | None = None

    def _loaded(self) -> tuple[Any, Any, Any]:
        if self._models is None:
            import dlib  # type: ignore[import-untyped]  # heavy; only readers need it

            folder = models_folder()
            self._models = (
                dlib.get_frontal_face_detector(),
                dlib.shape_predictor(str(folder / LANDMARKS_MODEL)),
                dlib.face_recognition_model_v1(str(folder / EMBEDDING_MODEL)),
            )
        return self._models

    def load(self) -> None:
        """Load the models now (a server does it at start so the first reader waits not)."""
        with self._lock:
            self._loaded()

    def detect(
        self, image: Image.Image, upsample: int | None = None, threshold: float = 0.0
    ) -> list[FaceBox]:
        """Faces in the image, largest first; a lower ``threshold`` finds more."""
        pixels = np.asarray(image)
        with self._lock:
            detector, _, _ = self._loaded()
            rects, scores, _ = detector.run(
                pixels, self.upsample if upsample is None else upsample, threshold
            )
        height, width = pixels.shape[:2]
        boxes = [
            FaceBox(
                max(rect.left(), 0),
                max(rect.top(), 0),
                min(rect.right(), width),
                min(rect.bottom(), height),
                float(score),
            )
            for rect, score in zip(rects, scores, strict=True)
        ]
        return sorted(boxes, key=lambda box: box.area, reverse=True)

    def landmarks(self, image: Image.Image, box: FaceBox) -> list[tuple[int, int]]:
        """The landmark points the embedding is aligned on (five: eye corners, nose)."""
        import dlib

        pixels = np.asarray(image)
        with self._lock:
            _, landmarks, _ = self._loaded()
            shape = landmarks(pixels, dlib.rectangle(box.left, box.top, box.right, box.bottom))
        return [(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)]

    def embed(self, image: Image.Image, box: FaceBox) -> Vector:
        """The 128-value embedding of the face in ``box`` (aligned on 5 landmarks)."""
        import dlib

        pixels = np.asarray(image)
        with self._lock:
            _, landmarks, embedder = self._loaded()
            rect = dlib.rectangle(box.left, box.top, box.right, box.bottom)
            shape = landmarks(pixels, rect)
            descriptor = embedder.compute_face_descriptor(pixels, shape)
        return np.asarray(descriptor, dtype=np.float32)

    def find(self, image: Image.Image, threshold: float = 0.0) -> list[FaceBox]:
        """Faces as :meth:`detect` finds them, looking again upsampled when none is found.

        dlib's HOG window is 80 pixels, so unsampled it finds no face under ~72 pixels:
        upsampling once (then twice for frames up to :data:`SMALL_FRAME` a side) finds
        faces down to ~36 (~18) pixels, which :meth:`read` then reports as
        ``face_too_small`` rather than as no face at all. A second look costs about four
        times the first, and only frames without a face at first glance pay it."""
        return self._look(image, threshold)[0]

    def _look(self, image: Image.Image, threshold: float) -> tuple[list[FaceBox], bool]:
        """:meth:`find`'s faces, and whether anything scoring :data:`FACE_LIKE_SCORE`
        was seen on the way (the same passes; a lower threshold costs nothing)."""
        floor = min(threshold, FACE_LIKE_SCORE)
        longest = max(image.size)
        levels = [0] if longest > UPSAMPLE_UP_TO else [0, 1] if longest > SMALL_FRAME else [0, 1, 2]
        face_like = False
        for level in levels:
            boxes = self.detect(image, upsample=level, threshold=floor)
            face_like = face_like or bool(boxes)
            clear = [box for box in boxes if box.score >= threshold]
            if clear:
                return clear, True
        return [], face_like

    def read(
        self, image: Image.Image, threshold: float = 0.0, mirror_threshold: float | None = None
    ) -> FaceReading:
        """Find faces (scoring at least ``threshold``), take the largest, check its size,
        embed it. With ``mirror_threshold``, a frame without such a face but with a
        face-like shape is looked at again mirrored (see :data:`MIRROR_CLEAR_SCORE`)."""
        boxes, face_like = self._look(image, threshold)
        view, mirrored = image, False
        if not boxes and face_like and mirror_threshold is not None:
            view = ImageOps.mirror(image)
            boxes, mirrored = self.find(view, mirror_threshold), True
        if not boxes:
            return FaceReading(0, None, None, "no_clear_face")
        largest = boxes[0]
        # the box as it lies in the frame itself
        box = _unmirrored(largest, image.width) if mirrored else largest
        if min(largest.width, largest.height) < self.min_face_px:
            return FaceReading(len(boxes), box, None, "face_too_small", mirrored)
        return FaceReading(len(boxes), box, self.embed(view, largest), mirrored=mirrored)

    def read_door_frame(self, image: Image.Image) -> FaceReading:
        """What a reader decides on: a clear face, else a clear face of the mirror image."""
        return self.read(image, CLEAR_FACE_SCORE, mirror_threshold=MIRROR_CLEAR_SCORE)


def _unmirrored(box: FaceBox, width: int) -> FaceBox:
    return FaceBox(width - box.right, box.top, width - box.left, box.bottom, box.score)


@dataclass(frozen=True, slots=True)
class Match:
    """The best gallery entry for a probe, and how far the next other person was."""

    owner: str | None  # None: nobody within the threshold, or too close to call
    distance: float
    runner_up: float
    reason: str | None = None  # 'not_enrolled' or 'ambiguous' when owner is None


class Gallery:
    """Templates of one site as one float32 matrix, their owners beside it."""

    def __init__(self, owners: list[str], vectors: Vector, version: int = 0) -> None:
        if vectors.size == 0:
            vectors = np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        self.owners = np.asarray(owners, dtype=object)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.squared = np.einsum("ij,ij->i", self.vectors, self.vectors)
        self.version = version

    def __len__(self) -> int:
        return len(self.owners)

    def match(self, probe: Vector, threshold: float, margin: float) -> Match:
        """1:N: the nearest owner if within ``threshold`` and at least ``margin`` nearer
        than the nearest template of anyone else."""
        if len(self) == 0:
            return Match(None, float("inf"), float("inf"), "not_enrolled")
        probe = probe.astype(np.float32, copy=False)
        squared = self.squared - 2.0 * (self.vectors @ probe) + float(probe @ probe)
        distances = np.sqrt(np.maximum(squared, 0.0))
        best = int(np.argmin(distances))
        owner = str(self.owners[best])
        others = distances[self.owners != owner]
        runner_up = float(others.min()) if others.size else float("inf")
        distance = float(distances[best])
        if distance > threshold:
            return Match(None, distance, runner_up, "not_enrolled")
        if runner_up - distance < margin:
            return Match(None, distance, runner_up, "ambiguous")
        return Match(owner, distance, runner_up)
