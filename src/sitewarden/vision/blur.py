"""Irreversible face blurring for snapshots from ordinary cameras.

Every face the detector finds is pixelated to a few coarse blocks and then blurred,
over a box widened to cover hair, ears and chin. Pixelation throws the detail away
(a face becomes about 6x7 averages), so no filter can bring it back; the blur only
hides the block edges. The detector runs with a lowered threshold and upsampling so
that it errs toward blurring too much. A face it does not find at all (strongly
turned away, tiny, heavily occluded) is not blurred: docs/access.md says so.

Faces from ordinary cameras are only detected, never embedded or matched.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFilter

from sitewarden.vision.faces import FaceBox, FaceEngine

WIDEN = 0.35  # of the box's size on each side
BLOCKS_ACROSS = 6
BLUR_THRESHOLD = -0.4  # dlib HOG score; below 0 finds more (and some non-faces)
UPSAMPLE_UP_TO = 1600  # images up to this side are upsampled once to find small faces


@dataclass(frozen=True, slots=True)
class BlurredImage:
    jpeg: bytes
    width: int
    height: int
    faces_blurred: int


def widened(box: FaceBox, width: int, height: int) -> tuple[int, int, int, int]:
    """The box grown by :data:`WIDEN` each side (more above, for the forehead), clipped."""
    dx = int(box.width * WIDEN)
    dy = int(box.height * WIDEN)
    return (
        max(box.left - dx, 0),
        max(box.top - int(dy * 1.4), 0),
        min(box.right + dx, width),
        min(box.bottom + dy, height),
    )


def obliterate(image: Image.Image, region: tuple[int, int, int, int]) -> None:
    """Pixelate then blur ``region`` of ``image`` in place."""
    left, top, right, bottom = region
    if right - left < 2 or bottom - top < 2:
        return
    patch = image.crop(region)
    blocks_x = BLOCKS_ACROSS
    blocks_y = max(1, round(BLOCKS_ACROSS * patch.height / max(patch.width, 1)))
    coarse = patch.resize((blocks_x, blocks_y), Image.Resampling.BOX)
    patch = coarse.resize(patch.size, Image.Resampling.NEAREST)
    patch = patch.filter(ImageFilter.GaussianBlur(max(patch.width / BLOCKS_ACROSS / 2, 1)))
    image.paste(patch, (left, top))


def blur_faces(image: Image.Image, engine: FaceEngine) -> tuple[Image.Image, int]:
    """A copy of ``image`` with every detected face obliterated, and how many there were."""
    upsample = 1 if max(image.size) <= UPSAMPLE_UP_TO else 0
    boxes = engine.detect(image, upsample=upsample, threshold=BLUR_THRESHOLD)
    result = image.copy()
    for box in boxes:
        obliterate(result, widened(box, *image.size))
    return result, len(boxes)


def blurred_jpeg(image: Image.Image, engine: FaceEngine, quality: int = 85) -> BlurredImage:
    """Blur every face, then encode; the unblurred pixels never leave this function."""
    result, count = blur_faces(image, engine)
    buffer = io.BytesIO()
    result.save(buffer, "JPEG", quality=quality)
    return BlurredImage(buffer.getvalue(), result.width, result.height, count)
