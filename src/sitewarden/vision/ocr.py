"""Text detection and recognition with the PP-OCR models inside the rapidocr wheel.

``rapidocr-onnxruntime`` carries PP-OCRv4's detection and recognition ONNX files (Chinese
and Latin characters); this module runs them with onnxruntime directly instead of
through ``RapidOCR.__call__``, for reasons measured with ``bench/plates.py``:

- the caller picks the resolution detection runs at (the plate reader first looks at a
  reduced frame, which is 5x cheaper, and only falls back to the full frame);
- detected boxes are cropped from the full-resolution frame whatever resolution found
  them, so recognition always sees the sharpest pixels;
- onnxruntime's memory arena stays on (rapidocr turns it off, which makes detection a
  third slower on one core), idle threads do not spin, and there is one thread per
  core the process may run on;
- text lines are not padded to 320 pixels before recognition (plates read as well or
  better without, and faster).

Pre- and post-processing follow rapidocr 1.4 (its DB box finder and CTC decoder are
used as they are). Callers pass RGB pixels, as Pillow decodes them; the models were
trained on OpenCV's BGR order, so channels are swapped here, on the small model inputs
rather than on the whole frame. Nothing downloads: the model files must be in the
installed wheel.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from sitewarden.errors import ConfigError

Pixels = npt.NDArray[np.uint8]  # height x width x 3, RGB
Quad = npt.NDArray[np.float32]  # 4 x 2 corners: top-left, top-right, bottom-right, bottom-left

DETECTION_MODEL = "ch_PP-OCRv4_det_infer.onnx"
RECOGNITION_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
REC_HEIGHT = 48  # the recognition model's input height; width follows the text
# rapidocr pads every line to 320 px wide; plates read as well or better unpadded, and
# faster (bench/plates.py)
REC_MIN_WIDTH = REC_HEIGHT
REC_BATCH = 6
# Bounds on both sides of every model input, whatever shape the frame or text line has
# (detection memory grows with its pixels: about 1 GB at 2048x2048, 23 GB and more for a
# strip scaled up to a 736-pixel short side; docs/security.md)
DETECTION_MAX_SIDE = 2048
REC_MAX_WIDTH = 32 * REC_HEIGHT  # longer lines are squeezed; a plate is at most ~6:1
MIN_TEXT_SCORE = 0.5  # rapidocr's default: weaker recognitions are dropped


@dataclass(frozen=True, slots=True)
class TextFound:
    """One text line: what it says, how sure the recogniser is, where it is."""

    text: str
    score: float
    quad: Quad
    char_scores: tuple[float, ...] = ()  # one per character of ``text``


def silence_runtime() -> None:
    """Keep onnxruntime from writing a device id and an event database under
    ``~/.cache/Microsoft/DeveloperTools/.onnxruntime`` and from sending telemetry.

    Its 1DS telemetry starts when the library loads (1.32 writes ``deviceid`` and
    ``onnxruntime.db`` with the first session) unless ``ORT_DISABLE_TELEMETRY`` is set
    then; ``disable_telemetry_events()`` afterwards does not stop the files. So this runs
    before onnxruntime or rapidocr (which imports it) is first imported."""
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def models_folder() -> Path:
    """The folder of ONNX files inside the installed ``rapidocr_onnxruntime`` wheel."""
    silence_runtime()
    import rapidocr_onnxruntime  # type: ignore[import-untyped]

    folder = Path(rapidocr_onnxruntime.__file__).parent / "models"
    for name in (DETECTION_MODEL, RECOGNITION_MODEL):
        if not (folder / name).is_file():
            raise ConfigError(
                f"OCR model {name} is missing from {folder}; "
                "reinstall rapidocr-onnxruntime (a sitewarden dependency)"
            )
    return folder


def detection_size(height: int, width: int, max_side: int | None) -> tuple[int, int]:
    """The (height, width) detection runs at, multiples of 32.

    ``max_side`` scales the frame down so its longer side is at most that. ``None`` is
    rapidocr's own choice (longer side at most 2000, shorter side at least 736), the
    finest the model is used at, for small plates far from the camera. Either way the
    longer side is at most ``DETECTION_MAX_SIDE``: a narrow frame is not scaled up past
    it to reach a 736-pixel short side."""
    if max_side is not None:
        ratio = min(1.0, max_side / max(height, width))
    else:
        ratio = min(1.0, 2000 / max(height, width))
        ratio = max(ratio, 736 / min(height, width)) if min(height, width) * ratio < 736 else ratio
    ratio = min(ratio, DETECTION_MAX_SIDE / max(height, width))
    return (
        max(32, round(height * ratio / 32) * 32),
        max(32, round(width * ratio / 32) * 32),
    )


def usable_cores() -> int:
    """The cores this process may run on. onnxruntime's own default counts the machine's
    cores even when the process is pinned to fewer (taskset, a container's cpuset),
    and two threads sharing one core are slower than one."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def crop_text(image: Pixels, quad: Quad) -> Pixels:
    """The quadrilateral ``quad`` of ``image`` straightened into an upright rectangle."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    crop = cv2.warpPerspective(
        image,
        transform,
        (width, height),
        borderMode=cv2.BORDER_REPLICATE,
        flags=cv2.INTER_CUBIC,
    )
    if crop.shape[0] >= 1.5 * crop.shape[1]:  # vertical text: read it lying down
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _model_input(pixels: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """RGB pixels as the models take them: BGR planes scaled to -1..1."""
    planes = pixels[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
    planes *= np.float32(2 / 255)
    planes -= np.float32(1.0)
    return planes


def _ordered(quad: npt.NDArray[Any], height: int, width: int) -> Quad:
    """Corners clockwise from top-left, inside the image."""
    by_x = quad[np.argsort(quad[:, 0])]
    left = by_x[:2][np.argsort(by_x[:2, 1])]
    right = by_x[2:][np.argsort(by_x[2:, 1])]
    ordered = np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)
    ordered[:, 0] = np.clip(ordered[:, 0], 0, width - 1)
    ordered[:, 1] = np.clip(ordered[:, 1], 0, height - 1)
    return ordered


class PaddleOcr:
    """PP-OCRv4 detection and recognition sessions; not thread-safe (callers lock).

    ``threads``: onnxruntime's intra-op threads (``None``: one per usable core)."""

    def __init__(self, threads: int | None = None) -> None:
        silence_runtime()
        import onnxruntime as ort  # type: ignore[import-untyped]
        from rapidocr_onnxruntime.ch_ppocr_det.utils import (  # type: ignore[import-untyped]
            DBPostProcess,
        )
        from rapidocr_onnxruntime.ch_ppocr_rec.utils import (  # type: ignore[import-untyped]
            CTCLabelDecode,
        )

        ort.disable_telemetry_events()
        folder = models_folder()
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.enable_cpu_mem_arena = True
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = threads or usable_cores()
        # A thread that spins while idle steals the core from the request it waits for
        # when the machine is busy; reads are one at a time anyway.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        self._detector = ort.InferenceSession(
            str(folder / DETECTION_MODEL), options, providers=providers
        )
        self._recogniser = ort.InferenceSession(
            str(folder / RECOGNITION_MODEL), options, providers=providers
        )
        characters = self._recogniser.get_modelmeta().custom_metadata_map["character"]
        self._decode = CTCLabelDecode(character=characters.splitlines())
        self._boxes = DBPostProcess(
            thresh=0.3,
            box_thresh=0.5,
            max_candidates=1000,
            unclip_ratio=1.6,
            score_mode="fast",
            use_dilation=True,
        )

    def detect(self, image: Pixels, max_side: int | None) -> list[Quad]:
        """Text regions of ``image`` found at ``detection_size(..., max_side)``, in
        ``image``'s own pixels, top to bottom then left to right."""
        height, width = image.shape[:2]
        size = detection_size(height, width, max_side)
        resized = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)
        blob = _model_input(resized)[np.newaxis]
        (prediction,) = self._detector.run(None, {self._detector.get_inputs()[0].name: blob})
        quads, _ = self._boxes(prediction, (height, width))
        found = []
        for quad in quads:
            ordered = _ordered(quad, height, width)
            if np.linalg.norm(ordered[0] - ordered[1]) > 3 and (
                np.linalg.norm(ordered[0] - ordered[3]) > 3
            ):
                found.append(ordered)
        found.sort(key=lambda q: (round(float(q[0][1]) / 10), float(q[0][0])))
        return found

    def recognise(self, crops: Sequence[Pixels]) -> list[tuple[str, tuple[float, ...]]]:
        """The text in each crop and the recogniser's confidence in each character."""
        results: list[tuple[str, tuple[float, ...]]] = [("", ())] * len(crops)
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / crops[i].shape[0])
        for start in range(0, len(order), REC_BATCH):
            batch = order[start : start + REC_BATCH]
            ratio = max(crops[i].shape[1] / crops[i].shape[0] for i in batch)
            width = min(REC_MAX_WIDTH, max(REC_MIN_WIDTH, math.ceil(REC_HEIGHT * ratio)))
            blob = np.zeros((len(batch), 3, REC_HEIGHT, width), dtype=np.float32)
            for slot, index in enumerate(batch):
                crop = crops[index]
                scaled = min(width, math.ceil(REC_HEIGHT * crop.shape[1] / crop.shape[0]))
                blob[slot, :, :, :scaled] = _model_input(cv2.resize(crop, (scaled, REC_HEIGHT)))
            (prediction,) = self._recogniser.run(
                None, {self._recogniser.get_inputs()[0].name: blob}
            )
            for index, read in zip(batch, self._characters(prediction), strict=True):
                results[index] = read
        return results

    def _characters(self, prediction: npt.NDArray[Any]) -> list[tuple[str, tuple[float, ...]]]:
        """CTC greedy decoding as rapidocr's, keeping each character's probability (a
        plate is only as sure as its least sure character)."""
        indices = prediction.argmax(axis=2)
        probabilities = prediction.max(axis=2)
        alphabet = self._decode.character
        reads = []
        for row, probs in zip(indices, probabilities, strict=True):
            keep = np.ones(len(row), dtype=bool)
            keep[1:] = row[1:] != row[:-1]
            keep &= row != 0  # the CTC blank
            reads.append(
                ("".join(alphabet[i] for i in row[keep]), tuple(float(p) for p in probs[keep]))
            )
        return reads

    def read(self, image: Pixels, max_side: int | None) -> list[TextFound]:
        """Detect at ``max_side``, crop from ``image`` itself, recognise in batches; lines
        the recogniser is unsure of (score under 0.5) are dropped."""
        quads = self.detect(image, max_side)
        if not quads:
            return []
        texts = self.recognise([crop_text(image, quad) for quad in quads])
        found = []
        for (text, scores), quad in zip(texts, quads, strict=True):
            score = float(np.mean(scores)) if scores else 0.0
            if score >= MIN_TEXT_SCORE:
                found.append(TextFound(text, score, quad, scores))
        return found
