"""Dark gate frames brightened before the plate reader sees them.

PP-OCR's text detector normalises every frame the same way, so in a frame whose
brightest parts are grey (dusk, a lane without lights, an under-exposed camera) the
strokes of a plate stand out too little and it finds no text. Such a frame has its
levels stretched: the darkest and brightest 0.5 % of its brightness set to black and
white, the same for the three channels so hues (and the plate's colour) stay. On copies
of the development photos at 55 % of their light this turned 6 of 9 frames without a
plate into reads (``bench.plate_photos --harder``); frames that are not dark pass as
they are.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DARK_BELOW = 160  # a frame whose brightest 0.5 % is darker than this is stretched
CUT = 0.5  # per cent of the pixels clipped at each end
SAMPLE_STEP = 4  # the levels are measured on every 4th pixel of every 4th row
MIN_RANGE = 32  # a flat frame (a covered lens) is left alone: stretching it is noise

Pixels = npt.NDArray[np.uint8]


def levels(pixels: Pixels) -> tuple[float, float]:
    """The brightness below which, and above which, :data:`CUT` % of the pixels lie."""
    sample = pixels[::SAMPLE_STEP, ::SAMPLE_STEP].astype(np.float32)
    brightness = sample @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    low, high = np.percentile(brightness, [CUT, 100 - CUT])
    return float(low), float(high)


def brightened(pixels: Pixels) -> Pixels:
    """``pixels`` (RGB) with their levels stretched when the frame is dark, else as they are."""
    low, high = levels(pixels)
    if high >= DARK_BELOW or high - low < MIN_RANGE:
        return pixels
    scale = 255.0 / (high - low)
    stretched = (pixels.astype(np.float32) - low) * scale
    result: Pixels = np.clip(stretched + 0.5, 0, 255).astype(np.uint8)
    return result
