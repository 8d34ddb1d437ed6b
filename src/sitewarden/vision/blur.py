"""Irreversible face blurring for snapshots from ordinary cameras.

Every face the detector finds is pixelated to a few coarse blocks and then blurred,
over a box widened to cover hair, ears and chin. Pixelation throws the detail away
(a face becomes about 6x7 averages), so no filter can bring it back; the blur only
hides the block edges. The detector runs with a lowered threshold and upsampling so
that it errs toward blurring too much.

Cameras hang upside down under ceilings and stream in portrait, and dlib's detector
only finds faces within about 15-20 degrees of upright. So the frame is searched at
every 30 degrees (:data:`SCAN_ANGLES`: the four orientations and the tilts between
them, so any roll is within 15 degrees of one pass) and every face found at any angle
is blurred. If the search cannot run, the snapshot is refused and nothing is stored
(:class:`FacesNotRuledOut`). A face the detector does not find at any angle
(strongly turned away, tiny, heavily occluded) is not blurred: docs/access.md says so.

Faces from ordinary cameras are only detected, never embedded or matched.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageFilter

from sitewarden.errors import InvalidInput
from sitewarden.vision.faces import FaceBox, FaceEngine

WIDEN = 0.35  # of the box's size on each side
BLOCKS_ACROSS = 6
BLUR_THRESHOLD = -0.4  # dlib HOG score; below 0 finds more (and some non-faces)
UPSAMPLE_UP_TO = 1600  # images up to this side are upsampled once to find small faces
SCAN_ANGLES = tuple(range(0, 360, 30))  # degrees counter-clockwise; 0/90/180/270 are exact


class FacesNotRuledOut(InvalidInput):
    """The face search could not run on a snapshot, so it is not stored at all."""

    code = "faces_not_ruled_out"


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


def unrotated(box: FaceBox, angle: int, size: tuple[int, int], turned: tuple[int, int]) -> FaceBox:
    """Where ``box``, found in the image turned ``angle`` degrees counter-clockwise (of size
    ``turned``, canvas expanded), lies in the original image of ``size``: the bounding box
    of its four corners turned back, clipped."""
    theta = math.radians(angle)
    cos, sin = math.cos(theta), math.sin(theta)
    xs, ys = [], []
    for x, y in (
        (box.left, box.top),
        (box.right, box.top),
        (box.left, box.bottom),
        (box.right, box.bottom),
    ):
        dx, dy = x - turned[0] / 2, y - turned[1] / 2
        xs.append(size[0] / 2 + dx * cos - dy * sin)
        ys.append(size[1] / 2 + dx * sin + dy * cos)
    # rounded first so that cos(90 degrees) = 6e-17 does not widen an exact turn by a pixel
    return FaceBox(
        max(math.floor(round(min(xs), 6)), 0),
        max(math.floor(round(min(ys), 6)), 0),
        min(math.ceil(round(max(xs), 6)), size[0]),
        min(math.ceil(round(max(ys), 6)), size[1]),
        box.score,
    )


def find_faces_any_angle(image: Image.Image, engine: FaceEngine) -> list[FaceBox]:
    """Every face found at any of :data:`SCAN_ANGLES`, in ``image``'s coordinates (one face
    seen at two angles gives two overlapping boxes; both are blurred)."""
    small_too = max(image.size) <= UPSAMPLE_UP_TO
    # Tilted passes look at a copy at most UPSAMPLE_UP_TO a side, so a 4K frame costs
    # four full passes and eight small ones, not twelve full ones.
    scale = min(1.0, UPSAMPLE_UP_TO / max(image.size))
    tilt_source = image
    if scale < 1.0:
        tilt_size = (round(image.width * scale), round(image.height * scale))
        tilt_source = image.resize(tilt_size, Image.Resampling.BILINEAR)
    found: list[FaceBox] = []
    for angle in SCAN_ANGLES:
        exact = angle % 90 == 0
        source = image if exact else tilt_source
        turned = source.rotate(angle, Image.Resampling.BILINEAR, expand=True)
        # Upsampling (faces from ~40 px instead of ~80) costs four times a pass: the
        # four orientations get it, the tilts between them do not.
        upsample = 1 if small_too and exact else 0
        try:
            boxes = engine.detect(turned, upsample=upsample, threshold=BLUR_THRESHOLD)
        except (RuntimeError, MemoryError) as exc:
            raise FacesNotRuledOut(
                f"the face search failed on this {image.width}x{image.height} snapshot "
                f"({exc}), so its faces cannot be ruled out and it was not stored; send an "
                "8-bit RGB JPEG or PNG of at most 4096x4096"
            ) from exc
        for box in boxes:
            back = unrotated(box, angle, source.size, turned.size)
            found.append(back if source is image else enlarged(back, 1 / scale, image.size))
    return found


def enlarged(box: FaceBox, factor: float, size: tuple[int, int]) -> FaceBox:
    """``box`` found in a copy scaled by ``1 / factor``, in the original's pixels."""
    return FaceBox(
        max(math.floor(box.left * factor), 0),
        max(math.floor(box.top * factor), 0),
        min(math.ceil(box.right * factor), size[0]),
        min(math.ceil(box.bottom * factor), size[1]),
        box.score,
    )


def blur_faces(image: Image.Image, engine: FaceEngine) -> tuple[Image.Image, int]:
    """A copy of ``image`` with every face found at any angle obliterated, and how many
    faces that was (overlapping finds of one face counted once)."""
    boxes = find_faces_any_angle(image, engine)
    result = image.copy()
    regions = [widened(box, *image.size) for box in boxes]
    for region in regions:
        obliterate(result, region)
    return result, count_distinct(boxes)


def count_distinct(boxes: list[FaceBox]) -> int:
    """How many faces ``boxes`` show: two boxes each holding the other's centre are one
    face seen at two angles."""
    kept: list[FaceBox] = []
    for box in sorted(boxes, key=lambda b: b.area, reverse=True):
        if not any(_holds_centre(k, box) and _holds_centre(box, k) for k in kept):
            kept.append(box)
    return len(kept)


def _holds_centre(outer: FaceBox, inner: FaceBox) -> bool:
    cx, cy = (inner.left + inner.right) / 2, (inner.top + inner.bottom) / 2
    return outer.left <= cx <= outer.right and outer.top <= cy <= outer.bottom


def blurred_jpeg(image: Image.Image, engine: FaceEngine, quality: int = 85) -> BlurredImage:
    """Blur every face, then encode; the unblurred pixels never leave this function."""
    result, count = blur_faces(image, engine)
    buffer = io.BytesIO()
    result.save(buffer, "JPEG", quality=quality)
    return BlurredImage(buffer.getvalue(), result.width, result.height, count)
