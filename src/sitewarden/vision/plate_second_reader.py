"""A second plate recogniser, made for Chinese plates, to check the first.

PP-OCR (``vision/ocr.py``) reads any text. On the real-photo development set it loses
or misreads the province character of small plates (川 read as ``M``, 皖F as 联), so
those went to review or gave no plate. HyperLPR's recogniser was trained on plates
alone: it knows the 31 provinces, the letters and digits a plate may carry, and their
order. Its mistakes are not PP-OCR's, so each reader checks the other
(``plate_checks.cross_check``).

The models come in the ``hyperlpr`` wheel from PyPI: a net that finds a plate's corners
in a loose crop, and a CTC recogniser. They are Caffe models, run by OpenCV's ``dnn``
module. The wheel's own Python code is written for OpenCV 3 and is never imported;
this module runs its recogniser on the boxes the first reader found. Nothing
downloads: the model files must be in the installed wheel.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from sitewarden.errors import ConfigError

Pixels = npt.NDArray[np.uint8]
Box = tuple[int, int, int, int]  # left, top, right, bottom in frame pixels

DETECT = ("mininet_ssd_v1.prototxt", "mininet_ssd_v1.caffemodel")
REFINE = ("refinenet.prototxt", "refinenet.caffemodel")
RECOGNISE = ("SegmenationFree-Inception.prototxt", "SegmenationFree-Inception.caffemodel")
# The recogniser's classes, in its output order (after them: the CTC blank).
MODEL_PROVINCES = "京沪津渝冀晋蒙辽吉黑苏浙皖闽赣鲁豫鄂湘粤桂琼川贵云藏陕甘青宁新"
ALPHABET = (
    MODEL_PROVINCES + "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ" + "港学使警澳挂军北南广沈兰成济海民航空"
)
LOOSE = 1.7  # the crop around a box, as HyperLPR cuts it for its corner net
REFINE_SIZE = (120, 48)  # the corner net's input (width, height)
PLATE_SIZE = (136, 36)  # the plate straightened from its corners
RECOGNISE_SIZE = (160, 40)
# The plate detector (a small SSD) takes the frame normalised by ImageNet's channel
# means and deviations (RGB order), at its own size up to DETECT_MAX_SIDE.
DETECT_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
DETECT_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
DETECT_MAX_SIDE = 1280
# On frames 32 pixels or less on a side (a plate picture squeezed small) the detector's
# deepest layers have nothing to look at, and OpenCV returned rows that changed from run
# to run, some with infinite corners; from 34 pixels its rows were the same every run.
DETECT_MIN_SIDE = 48
DETECT_SCORE = 0.5  # HyperLPR's own cut
DETECTOR_SIZES = 4  # frame sizes a reader keeps a detector for (cameras keep theirs)


def models_folder() -> Path:
    """The folder of Caffe files inside the installed ``hyperlpr`` wheel (found without
    importing the package: its ``__init__`` loads every model with OpenCV 3 calls)."""
    spec = importlib.util.find_spec("hyperlpr")
    locations = spec.submodule_search_locations if spec else None
    folder = Path(next(iter(locations))) / "models" / "dnn" if locations else Path("hyperlpr")
    for name in DETECT + REFINE + RECOGNISE:
        if not (folder / name).is_file():
            raise ConfigError(
                f"plate model {name} is missing from {folder}; "
                "reinstall hyperlpr (a sitewarden dependency)"
            )
    return folder


@dataclass(frozen=True, slots=True)
class SecondRead:
    """What the second recogniser read in a box, with each character's probability."""

    text: str
    char_scores: tuple[float, ...]
    box: Box

    @property
    def least_sure(self) -> float:
        return min(self.char_scores, default=0.0)


def _loose_crop(image: Pixels, box: Box) -> Pixels:
    """``box`` grown to the corner net's aspect and by ``LOOSE``."""
    left, top, right, bottom = box
    aspect = REFINE_SIZE[0] / REFINE_SIZE[1]
    centre_x, centre_y = (left + right) // 2, (top + bottom) // 2
    if (right - left) / max(bottom - top, 1) > aspect:
        width = int((right - left) * LOOSE)
        height = int(width / aspect)
    else:
        height = int((bottom - top) * LOOSE)
        width = int(height * aspect)
    x0, y0 = max(centre_x - width // 2, 0), max(centre_y - height // 2, 0)
    return image[y0 : centre_y + height // 2, x0 : centre_x + width // 2]


class SecondReader:
    """HyperLPR's corner net and recogniser; not thread-safe (the plate reader locks)."""

    def __init__(self) -> None:
        folder = models_folder()
        self._folder = folder
        # One detector per frame size: OpenCV keeps the SSD's prior boxes of the first
        # size a net ran at, and places boxes wrongly on frames of another size after.
        self._detectors: dict[tuple[int, int], Any] = {}
        self._refine = cv2.dnn.readNetFromCaffe(*(str(folder / name) for name in REFINE))
        self._recognise = cv2.dnn.readNetFromCaffe(*(str(folder / name) for name in RECOGNISE))

    def locate(self, pixels: Pixels) -> list[Box]:
        """Plates in ``pixels`` (RGB) as the plate detector finds them, surest first; none
        in a frame under ``DETECT_MIN_SIDE`` on a side (the other looks read those)."""
        height, width = pixels.shape[:2]
        if min(height, width) < DETECT_MIN_SIDE:
            return []
        scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
        frame = np.asarray(pixels)
        if scale < 1.0:
            frame = np.asarray(cv2.resize(pixels, (round(width * scale), round(height * scale))))
        planes = (frame.astype(np.float32) / 255 - DETECT_MEAN) / DETECT_STD
        detector = self._detector(frame.shape[:2])
        detector.setInput(planes.transpose(2, 0, 1)[np.newaxis])
        found = detector.forward()[0, 0]
        boxes = []
        for row in sorted(found, key=lambda row: -float(row[2])):
            if float(row[2]) < DETECT_SCORE:
                break
            if not np.isfinite(row[3:7]).all():  # a box the net could not place
                continue
            left, top = max(int(row[3] * width), 0), max(int(row[4] * height), 0)
            right, bottom = min(int(row[5] * width), width), min(int(row[6] * height), height)
            if right > left and bottom > top:
                boxes.append((left, top, right, bottom))
        return boxes

    def _detector(self, size: tuple[int, int]) -> Any:
        if size not in self._detectors:
            if len(self._detectors) >= DETECTOR_SIZES:
                del self._detectors[next(iter(self._detectors))]
            files = (str(self._folder / name) for name in DETECT)
            self._detectors[size] = cv2.dnn.readNetFromCaffe(*files)
        return self._detectors[size]

    def _corners(self, image: Pixels) -> npt.NDArray[np.float32]:
        """The plate's four corners in ``image`` (BGR), as the corner net places them."""
        blob = cv2.dnn.blobFromImage(
            cv2.resize(image, REFINE_SIZE), 1 / 128, REFINE_SIZE, (127.5, 127.5, 127.5)
        )
        self._refine.setInput(blob)
        height, width = image.shape[:2]
        found = self._refine.forward("conv6-3").reshape(4, 2) * np.array([width, height])
        return np.asarray(found, dtype=np.float32)

    def _straightened(self, loose: Pixels) -> Pixels | None:
        """The plate in a loose crop, straightened to ``PLATE_SIZE``: the corner net runs
        on the crop, then again on the crop moved so the plate sits in its middle."""
        scale = 3.0
        middle = np.array([[32, 12], [96, 12], [96, 36], [32, 36]], dtype=np.float32) * scale
        moved, _ = cv2.estimateAffine2D(self._corners(loose), middle)
        if moved is None:
            return None
        size = (int(REFINE_SIZE[0] * scale), int(REFINE_SIZE[1] * scale))
        centred = np.asarray(cv2.warpAffine(loose, moved, size), dtype=np.uint8)
        width, height = PLATE_SIZE
        target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        flat = cv2.getPerspectiveTransform(self._corners(centred), target)
        return np.asarray(cv2.warpPerspective(centred, flat, PLATE_SIZE))

    def read(self, pixels: Pixels, box: Box) -> SecondRead | None:
        """The plate text in ``box`` of ``pixels`` (RGB), or None when there is too
        little of it to straighten."""
        left, top, right, bottom = box
        if right - left < 8 or bottom - top < 4:
            return None
        loose = np.ascontiguousarray(_loose_crop(pixels, box)[:, :, ::-1])  # BGR
        if min(loose.shape[:2]) < 4:
            return None
        plate = self._straightened(loose)
        if plate is None:
            return None
        upright = cv2.resize(plate, RECOGNISE_SIZE).transpose(1, 0, 2)
        blob = cv2.dnn.blobFromImage(upright, 1 / 255, RECOGNISE_SIZE[::-1], (0, 0, 0))
        self._recognise.setInput(blob)
        steps = np.squeeze(self._recognise.forward()[0][:, 2:, :]).T  # time x classes
        text, scores = _decoded(steps)
        return SecondRead(text, scores, box)


def _decoded(steps: npt.NDArray[Any]) -> tuple[str, tuple[float, ...]]:
    """Greedy CTC decoding, keeping each character's probability."""
    best = steps.argmax(axis=1)
    chars: list[str] = []
    scores: list[float] = []
    for step, index in enumerate(best):
        if index < len(ALPHABET) and (step == 0 or index != best[step - 1]):
            chars.append(ALPHABET[index])
            scores.append(float(steps[step][index]))
    return "".join(chars), tuple(scores)
