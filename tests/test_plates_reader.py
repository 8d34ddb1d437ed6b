"""The plate reader on rendered frames, in process (the real PP-OCR models from the
rapidocr wheel): the quick look settles an ordinary lane frame, a plate too small for
it is found by the full look, and text that is no plate stays no plate."""

from __future__ import annotations

import pytest
from PIL import Image, ImageFilter

from sitewarden.demo.garage_frames import Distortion, available_fonts, gate_frame, render_plate
from sitewarden.vision.plate_candidates import PlateCandidate
from sitewarden.vision.plate_checks import Judged
from sitewarden.vision.plate_formats import match_plate, resolve_formats
from sitewarden.vision.plate_places import picture_places, regions_around
from sitewarden.vision.plates import PlateReader, TextLine

FORMATS = resolve_formats(["cn", "cn_ne", "uk"])


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    reader = PlateReader(threads=1)
    reader.load()
    return reader


def test_an_ordinary_lane_frame_is_read_in_the_quick_look(reader: PlateReader) -> None:
    frame = gate_frame("粤B·D12345", "green", available_fonts()[0], Distortion(angle=2), seed=1)
    reading = reader.read_plate(frame, FORMATS)
    assert reading.plate is not None and reading.plate.match.display == "粤B·D12345"
    assert reading.looks == 1


@pytest.mark.parametrize(
    ("text", "distortion"),
    [
        ("鲁B·62817", Distortion(angle=3, rows=2)),
        ("苏K·94205", Distortion(angle=-2, rows=2, scale=0.7, blur=1.0)),
    ],
)
def test_a_two_row_yellow_plate_is_read_as_one_sure_plate(
    reader: PlateReader, text: str, distortion: Distortion
) -> None:
    frame = gate_frame(text, "yellow", available_fonts()[0], distortion, seed=3)
    reading = reader.read_plate(frame, FORMATS)
    assert reading.plate is not None and reading.plate.match.display == text
    assert reading.doubt is None and reading.colour == "yellow"


def test_a_small_plate_crop_is_not_confirmed_by_the_same_look_twice(reader: PlateReader) -> None:
    """94x24 pixels: the quick look's tight box reads the 7 as T (0.72) and the close look,
    on so small a frame, sees exactly the same; that was taken for two looks agreeing."""
    fonts = available_fonts()
    plate = render_plate("沪F·KQQA7", "yellow", fonts[1 % len(fonts)], height=60)
    small = plate.resize((94, 24), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(0.5))
    reading = reader.read_plate(small, FORMATS)
    assert reading.plate is not None
    if reading.doubt is None:  # accepted: it must be right
        assert reading.plate.match.display == "沪F·KQQA7"


def test_a_plate_too_small_for_the_quick_look_is_found_by_the_full_look(
    reader: PlateReader,
) -> None:
    scene = Image.new("RGB", (3840, 2160), (90, 90, 90))  # 4K, plate 36 px high
    scene.paste(render_plate("浙A·12345", "blue", available_fonts()[0], height=36), (1300, 1100))
    reading = reader.read_plate(scene, FORMATS)
    assert reading.plate is not None and reading.plate.match.display == "浙A·12345"
    assert reading.looks > 1


def test_a_half_covered_plate_is_no_plate_after_every_look(reader: PlateReader) -> None:
    frame = gate_frame(
        "浙A·67890", "blue", available_fonts()[0], Distortion(occlusion=0.35), seed=7
    )
    reading = reader.read_plate(frame, FORMATS)
    assert reading.plate is None and reading.looks >= 3  # quick, close, full (and colour)
    assert reading.reason is not None and "none fits" in reading.reason


def test_close_look_regions_grow_around_text_and_merge_when_they_overlap() -> None:
    top = TextLine("浙A", 0.8, (100, 100, 200, 150))
    bottom = TextLine("12345", 0.8, (90, 160, 230, 210))
    far = TextLine("EXIT", 0.9, (1000, 20, 1100, 60))
    regions = regions_around([top, bottom, far], 1280, 720)
    assert sorted(regions) == [(40, 50, 280, 260), (960, 0, 1140, 100)]


def test_the_picture_look_reads_an_unsure_plate_grown_or_a_small_plate_shaped_frame_whole() -> None:
    match = match_plate("浙A12345", FORMATS)
    assert match is not None
    unsure = Judged(PlateCandidate(match, 0.7, (100, 200, 200, 230)), "one look", "blue")
    assert picture_places(unsure, 1280, 720) == [(90, 191, 210, 239)]  # 10 % across, 30 % down
    edge = Judged(PlateCandidate(match, 0.7, (0, 700, 100, 720)), "one look", "blue")
    assert picture_places(edge, 1280, 720) == [(0, 694, 110, 720)]  # inside the frame
    assert picture_places(None, 140, 44) == [(0, 0, 140, 44)]  # itself a plate picture
    assert picture_places(None, 1280, 720) == []  # a scene with no plate read
    assert picture_places(None, 100, 90) == []  # not plate-shaped
