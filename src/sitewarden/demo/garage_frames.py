"""Synthetic gate-camera frames: a plate rendered with Pillow and a CJK font, placed in
a 1280x720 scene with the distortions real lanes give (perspective, blur, noise, night,
a partly covered plate). The demo's garage, the tests and ``bench/plates.py`` use it.

Fonts come from Debian's ``fonts-noto-cjk`` (installed by the set-up scripts).
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_FILES = (
    "NotoSansCJK-Bold.ttc",
    "NotoSansCJK-Regular.ttc",
    "NotoSerifCJK-Bold.ttc",
    "NotoSerifCJK-Regular.ttc",
)
SC_FACE = 2  # the Simplified Chinese face in Noto's collections
FRAME_SIZE = (1280, 720)
# (background, text) colours by plate style
STYLES: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "blue": ((18, 62, 180), (245, 245, 245)),
    "green": ((120, 210, 140), (20, 20, 20)),
    "yellow": ((240, 190, 20), (20, 20, 20)),
    "white": ((240, 240, 240), (20, 20, 20)),
}


def available_fonts() -> list[Path]:
    """The CJK fonts installed here; the set-up scripts install fonts-noto-cjk."""
    return [FONT_DIR / name for name in FONT_FILES if (FONT_DIR / name).exists()]


@dataclass(frozen=True)
class Distortion:
    angle: float = 0.0  # degrees of rotation
    skew: float = 0.0  # horizontal perspective, fraction of the plate width
    blur: float = 0.0  # Gaussian radius in pixels
    noise: float = 0.0  # standard deviation of pixel noise
    night: bool = False  # dark scene, plate lit by headlights
    occlusion: float = 0.0  # fraction of the plate's right edge covered
    scale: float = 1.0  # plate size relative to 440 px wide
    rows: int = 1  # 2: a two-row plate (lorries, buses, motorcycles)


def render_plate(
    text: str, style: str, font: Path, height: int = 140, rows: int = 1
) -> Image.Image:
    """A flat plate with its text centred, like a stamped plate seen head-on.

    ``rows=2``: the two-row layout of lorries, buses and motorcycles, the province and
    letter small on top (left of the ``·``), the rest large below, on a plate about
    twice as wide as high (440x220 mm)."""
    if rows == 2:
        return _two_row_plate(text, style, font, height)
    background, ink = STYLES[style]
    size = int(height * 0.62)
    face = ImageFont.truetype(str(font), size, index=SC_FACE)
    left, top, right, bottom = face.getbbox(text)
    width = int(max(height * 3.1, right - left + height * 0.5))
    plate = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(plate)
    draw.rectangle((4, 4, width - 5, height - 5), outline=ink, width=3)
    x = (width - (right - left)) // 2 - left
    y = (height - (bottom - top)) // 2 - top
    draw.text((x, y), text, font=face, fill=ink)
    return plate


def _two_row_plate(text: str, style: str, font: Path, height: int) -> Image.Image:
    background, ink = STYLES[style]
    top_text, _, bottom_text = text.partition("·")
    width = int(height * 2.0)
    plate = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(plate)
    draw.rectangle((4, 4, width - 5, height - 5), outline=ink, width=3)
    for line, middle, size in (
        (top_text, height * 0.27, height * 0.3),
        (bottom_text, height * 0.67, height * 0.5),
    ):
        face = ImageFont.truetype(str(font), int(size), index=SC_FACE)
        left, top, right, bottom = face.getbbox(line)
        x = (width - (right - left)) // 2 - left
        y = int(middle - (bottom - top) / 2) - top
        draw.text((x, y), line, font=face, fill=ink)
    return plate


def _perspective(plate: Image.Image, skew: float) -> Image.Image:
    if not skew:
        return plate
    w, h = plate.size
    d = skew * h
    # Map the output rectangle to a quad in the source: one side looks taller.
    coeffs = _coefficients([(0, 0), (w, d), (w, h - d), (0, h)], [(0, 0), (w, 0), (w, h), (0, h)])
    return plate.transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        coeffs,
        Image.Resampling.BICUBIC,
        fillcolor=(90, 90, 90),
    )


def _coefficients(
    target: list[tuple[float, float]], source: list[tuple[float, float]]
) -> list[float]:
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(target, source, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for point in source for c in point], dtype=float)
    return [float(v) for v in np.linalg.solve(a, b)]


def gate_frame(
    text: str,
    style: str,
    font: Path,
    distortion: Distortion = Distortion(),
    seed: int = 0,
) -> Image.Image:
    """A 1280x720 frame of a car's front with the plate at a lane camera's distance."""
    import numpy as np

    rng = random.Random(seed)
    scene = Image.new("RGB", FRAME_SIZE, (70 + rng.randint(0, 40),) * 3)
    draw = ImageDraw.Draw(scene)
    body = (rng.randint(30, 200), rng.randint(30, 200), rng.randint(30, 200))
    draw.rounded_rectangle((260, 180, 1020, 640), radius=60, fill=body)  # the car's front
    draw.rectangle((330, 250, 950, 360), fill=(25, 25, 30))  # grille
    plate_height = int((140 if distortion.rows == 1 else 220) * distortion.scale)
    plate = render_plate(text, style, font, height=plate_height, rows=distortion.rows)
    plate = _perspective(plate, distortion.skew)
    if distortion.occlusion:
        cover = ImageDraw.Draw(plate)
        w, h = plate.size
        cover.rectangle((int(w * (1 - distortion.occlusion)), 0, w, h), fill=(60, 55, 50))
    if distortion.angle:
        plate = plate.rotate(distortion.angle, expand=True, fillcolor=body)
    x = 640 - plate.width // 2 + rng.randint(-60, 60)
    y = 440 + rng.randint(-30, 30)
    scene.paste(plate, (x, y))
    if distortion.blur:
        scene = scene.filter(ImageFilter.GaussianBlur(distortion.blur))
    pixels = np.asarray(scene).astype(np.float32)
    if distortion.night:
        pixels *= 0.35
        pixels[y : y + plate.height, x : x + plate.width] *= 1.9  # headlight on the plate
    if distortion.noise:
        noise = np.random.default_rng(seed).normal(0, distortion.noise, pixels.shape)
        pixels += noise.astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def encode_jpeg(image: Image.Image, quality: int = 88) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return out.getvalue()
