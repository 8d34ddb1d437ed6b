"""Real sample portraits for tests, the benchmark and the demo, from installed packages.

Nothing is downloaded or committed: the portraits ship inside PyPI packages the test
extra installs, and both are public-domain photographs of the US government:

- ``astronaut``: Eileen Collins (NASA), ``skimage/data/astronaut.png`` in scikit-image;
- ``hopper``: Grace Hopper (US Navy), ``mpl-data/sample_data/grace_hopper.jpg`` in
  matplotlib.

:func:`augmented` makes further views of one face (rotation, light, scale, blur) for
same/different distance distributions.
"""

from __future__ import annotations

import importlib.util
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageEnhance, ImageFilter

PORTRAITS = {
    "astronaut": ("skimage", "data/astronaut.png"),
    "hopper": ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
}


def portrait_path(name: str) -> Path | None:
    """Where the installed package keeps the portrait, or None if it is not installed."""
    package, inside = PORTRAITS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / inside
    return path if path.is_file() else None


def available() -> list[str]:
    return [name for name in PORTRAITS if portrait_path(name) is not None]


def portrait(name: str) -> Image.Image:
    path = portrait_path(name)
    if path is None:
        raise FileNotFoundError(
            f"sample portrait {name!r} needs the {PORTRAITS[name][0]} package (test extra)"
        )
    with Image.open(path) as image:
        return image.convert("RGB")


def encode(image: Image.Image, kind: str = "JPEG", quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    if kind == "JPEG":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, kind)
    return buffer.getvalue()


def in_frame(
    face: Image.Image,
    size: tuple[int, int] = (640, 480),
    face_height: int = 300,
    at: tuple[int, int] | None = None,
    background: tuple[int, int, int] = (96, 104, 112),
) -> Image.Image:
    """The portrait scaled to ``face_height`` pixels tall and placed on a plain frame."""
    scale = face_height / face.height
    scaled = face.resize((max(1, int(face.width * scale)), face_height), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", size, background)
    x, y = at or ((size[0] - scaled.width) // 2, (size[1] - scaled.height) // 2)
    frame.paste(scaled, (x, y))
    return frame


@dataclass(frozen=True, slots=True)
class Augmentation:
    rotation: float = 0.0  # degrees
    light: float = 1.0  # brightness factor
    scale: float = 1.0
    blur: float = 0.0  # Gaussian radius in pixels
    mirror: bool = False

    def label(self) -> str:
        return (
            f"rot{self.rotation:+.0f} light{self.light:.2f} scale{self.scale:.2f} "
            f"blur{self.blur:.1f}{' mirror' if self.mirror else ''}"
        )


def augment(image: Image.Image, change: Augmentation) -> Image.Image:
    result = image
    if change.mirror:
        result = result.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    if change.scale != 1.0:
        size = (max(1, int(result.width * change.scale)), max(1, int(result.height * change.scale)))
        result = result.resize(size, Image.Resampling.LANCZOS)
    if change.rotation:
        result = result.rotate(change.rotation, Image.Resampling.BILINEAR, fillcolor=(96, 104, 112))
    if change.light != 1.0:
        result = ImageEnhance.Brightness(result).enhance(change.light)
    if change.blur:
        result = result.filter(ImageFilter.GaussianBlur(change.blur))
    return result


def augmentations(count: int, seed: int = 7) -> Iterator[Augmentation]:
    """Reproducible random views: rotation ±12°, light 0.55-1.4, scale 0.7-1.2, blur 0-2."""
    rng = random.Random(seed)
    for _ in range(count):
        yield Augmentation(
            rotation=rng.uniform(-12, 12),
            light=rng.uniform(0.55, 1.4),
            scale=rng.uniform(0.7, 1.2),
            blur=rng.choice((0.0, 0.0, 0.8, 1.5, 2.0)),
            mirror=rng.random() < 0.3,
        )
