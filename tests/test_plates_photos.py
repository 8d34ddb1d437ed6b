"""The plate reader on real photos from the development set (../shared/devsets/plates,
EasyPR's GDSL-licensed photos: read from the shared folder, never copied here)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from bench.plate_photos import (
    FOLDER_VARIABLE,
    HARDER,
    MORE,
    Photo,
    devsets_folder,
    load_photos,
    plate_picture,
)
from PIL import Image

from sitewarden.vision.images import GATE_FRAME, decode_image
from sitewarden.vision.plate_formats import DEFAULT_FORMATS, resolve_formats
from sitewarden.vision.plates import FrameReading, PlateReader

FORMATS = resolve_formats(DEFAULT_FORMATS)
PHOTOS = {photo.path.name: photo for photo in load_photos(devsets_folder() / "plates")}
pytestmark = pytest.mark.skipif(
    not PHOTOS,
    reason=f"no plate development set at {devsets_folder() / 'plates'}; "
    f"set {FOLDER_VARIABLE} to the folder holding plates/truth.tsv",
)


@pytest.fixture(scope="module")
def reader() -> PlateReader:
    reader = PlateReader(threads=1)
    reader.load()
    return reader


def read(reader: PlateReader, name: str) -> tuple[Photo, FrameReading]:
    photo = PHOTOS[name]
    image = decode_image(Path(photo.path).read_bytes(), "image/jpeg", GATE_FRAME)
    return photo, reader.read_plate(image, FORMATS)


@pytest.mark.parametrize("name", ["cn_blue_031.jpg", "cn_blue_089.jpg", "cn_yellow_024.jpg"])
def test_a_clear_photo_is_read_exactly_and_accepted(reader: PlateReader, name: str) -> None:
    photo, reading = read(reader, name)
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


@pytest.mark.parametrize(
    "name",
    [
        "cn_yellow_016.jpg",  # 皖M12288 read by PP-OCR as 皖T12288 with mean confidence 0.92
        "cn_blue_036.jpg",  # 川A82M83 read as 川A82N83 and 川A82M85
    ],
)
def test_a_misread_photo_is_never_accepted(reader: PlateReader, name: str) -> None:
    photo, reading = read(reader, name)
    if reading.plate is not None and reading.doubt is None:  # accepted: it must be right
        assert reading.plate.match.compact == photo.plate


def test_a_misread_two_looks_repeat_is_not_accepted(reader: PlateReader) -> None:
    """The same photo saved again (JPEG quality 95): the quick and the close look both
    read 皖M12288 as 皖T12288, each unsure of the T; agreement alone accepted it."""
    photo = PHOTOS["cn_yellow_016.jpg"]
    saved = io.BytesIO()
    Image.open(photo.path).convert("RGB").save(saved, format="JPEG", quality=95)
    reading = reader.read_plate(decode_image(saved.getvalue(), "image/jpeg", GATE_FRAME), FORMATS)
    if reading.plate is not None and reading.doubt is None:
        assert reading.plate.match.compact == photo.plate


def test_a_learner_plate_is_read_with_its_suffix(reader: PlateReader) -> None:
    photo, reading = read(reader, "cn_yellow_011.jpg")
    assert photo.plate == "渝B3587学"
    assert reading.plate is not None and reading.plate.match.display == "渝B·3587学"
    assert reading.plate.match.format == "cn_special" and reading.doubt is None
    assert reading.colour == "yellow"


def test_plate_colours_are_seen_on_real_photos(reader: PlateReader) -> None:
    for name, colour in (("cn_blue_057.jpg", "blue"), ("cn_yellow_030.jpg", "yellow")):
        _, reading = read(reader, name)
        assert reading.colour == colour, name


@pytest.mark.parametrize(
    "name",
    [
        "cn_yellow_020.jpg",  # low sun: the text detector finds nothing in the frame
        "cn_blue_036.jpg",  # tilted 30 degrees: the detector's loose box read 川A82M85
        "cn_yellow_023.jpg",  # two rows: the detector misses the small top row 粤A
    ],
)
def test_the_colour_look_reads_plates_the_text_looks_miss(reader: PlateReader, name: str) -> None:
    photo, reading = read(reader, name)
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


def test_the_picture_look_reads_a_dark_province_the_tight_box_cut(reader: PlateReader) -> None:
    """浙C01701 on a dark plate: every look's text box reads 浙 at 0.54 at best; the box
    grown into a plate picture and recognised whole reads it surely, and the two looks
    agree."""
    photo, reading = read(reader, "cn_blue_052.jpg")
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


@pytest.mark.parametrize("name", ["cn_blue_060.jpg", "cn_blue_069.jpg"])
def test_a_cameras_plate_picture_is_read_whole(reader: PlateReader, name: str) -> None:
    """The plate cut out of the photo as a gate camera sends it beside the scene: the
    text detector finds nothing in so small a frame, so it is read whole."""
    photo, scene = read(reader, name)
    assert scene.plate is not None
    image = Image.open(photo.path).convert("RGB")
    picture = decode_image(plate_picture(image, scene.plate.box), "image/jpeg", GATE_FRAME)
    reading = reader.read_plate(picture, FORMATS)
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


def test_a_two_row_plate_with_an_unsure_province_goes_to_review(reader: PlateReader) -> None:
    """粤AB2893: the colour look finds the top row, but reads 粤 at 0.33."""
    photo, reading = read(reader, "cn_yellow_022.jpg")
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is not None


@pytest.mark.parametrize(
    "name",
    [
        "cn_yellow_015.jpg",  # 皖F71646: PP-OCR read 联71646; the second reader 皖F71646
        "cn_yellow_016.jpg",  # 皖M12288: PP-OCR unsure of T where the second read M surely
        "cn_blue_048.jpg",  # dusk: no text detected; the plate detector finds it
    ],
)
def test_the_second_reader_settles_small_plates_the_first_misreads(
    reader: PlateReader, name: str
) -> None:
    photo, reading = read(reader, name)
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


def test_a_lime_lit_yellow_plate_is_accepted_when_both_readers_read_it(
    reader: PlateReader,
) -> None:
    """川R35779: a yellow plate that looks lime in the photo; PP-OCR reads 川 as M, the
    second reader reads all seven characters at 0.97."""
    photo, reading = read(reader, "cn_yellow_001.jpg")
    assert reading.colour == "lime"
    assert reading.plate is not None and reading.plate.match.compact == photo.plate
    assert reading.doubt is None


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("cn_blue_097.jpg", "60 % of the size"),  # PP-OCR: 陕 read as 皖 at 0.99
        ("cn_yellow_016.jpg", "JPEG 50"),  # 皖M12288 as 皖G12288, G at 0.46 and 0.74
        ("cn_blue_070.jpg", "60 % of the size"),  # both readers read Q as D, unsurely
        ("cn_yellow_020.jpg", "60 % of the size"),  # 粤 read as 鄂 at 0.95 in another cut
        ("cn_blue_089.jpg", "blurred (radius 1.6)"),  # Z read as 2 at 0.84, one look
        ("cn_blue_089.jpg", "40 % of the light"),  # Z as 2 at 0.76, outvoting Z at 0.6
        ("cn_yellow_019.jpg", "70 % of the size"),  # learner 学 read as 9 at 0.77
        ("cn_yellow_019.jpg", "JPEG 35"),  # 学 as 7, fused with the second reader's 皖
    ],
)
def test_a_harder_copy_is_never_accepted_as_another_plate(
    reader: PlateReader, name: str, copy: str
) -> None:
    """Copies of bench.plate_photos --harder and --more that read a wrong plate at some
    point."""
    photo = PHOTOS[name]
    make = dict(HARDER + MORE)[copy]
    data = make(Image.open(photo.path).convert("RGB"))
    reading = reader.read_plate(decode_image(data, "image/jpeg", GATE_FRAME), FORMATS)
    if reading.plate is not None and reading.doubt is None:
        assert reading.plate.match.compact == photo.plate


def test_a_province_the_second_reader_contradicts_is_reviewed_with_its_read_offered(
    reader: PlateReader,
) -> None:
    """陕AE8F80 at 60 % of its size: PP-OCR's sure 皖 is doubted, and the second
    reader's 陕AE8F80 waits in the review queue as a candidate, one key away."""
    photo = PHOTOS["cn_blue_097.jpg"]
    data = dict(HARDER)["60 % of the size"](Image.open(photo.path).convert("RGB"))
    reading = reader.read_plate(decode_image(data, "image/jpeg", GATE_FRAME), FORMATS)
    assert reading.plate is not None and reading.doubt is not None
    assert "second reader reads character 1 otherwise" in reading.doubt
    assert photo.plate in [match.compact for match in reading.alternatives]


def test_a_learner_plates_suffix_the_second_reader_reads_wins_over_a_digit(
    reader: PlateReader,
) -> None:
    """皖Q0686学 at 80 % of its size: PP-OCR reads the 学 unsurely as a digit, the second
    reader reads 学 surely; the fused plate keeps the suffix and is accepted."""
    photo = PHOTOS["cn_yellow_019.jpg"]
    data = dict(MORE)["80 % of the size"](Image.open(photo.path).convert("RGB"))
    reading = reader.read_plate(decode_image(data, "image/jpeg", GATE_FRAME), FORMATS)
    assert reading.plate is not None and reading.doubt is None
    assert reading.plate.match.compact == "皖Q0686学"


@pytest.mark.parametrize("name", ["cn_blue_035.jpg", "cn_blue_081.jpg"])
def test_a_dark_copy_is_brightened_and_read(reader: PlateReader, name: str) -> None:
    """At 55 % of their light the text detector found no text on these photos; with
    their levels stretched (``frame_levels``) they read exactly, and surely."""
    photo = PHOTOS[name]
    data = dict(HARDER)["55 % of the light"](Image.open(photo.path).convert("RGB"))
    reading = reader.read_plate(decode_image(data, "image/jpeg", GATE_FRAME), FORMATS)
    assert reading.plate is not None and reading.doubt is None
    assert reading.plate.match.compact == photo.plate


def test_the_whole_set_reads_with_no_wrong_plate_accepted(reader: PlateReader) -> None:
    """All 100 photos, as bench.plate_photos reads them: 97 exact on 2026-12-05; the
    floor below leaves room for onnxruntime and OpenCV builds to differ by a photo."""
    exact = wrong = 0
    for photo in PHOTOS.values():
        reading = reader.read_plate(
            decode_image(photo.path.read_bytes(), "image/jpeg", GATE_FRAME), FORMATS
        )
        if reading.plate is not None and reading.doubt is None:
            right = reading.plate.match.compact == photo.plate
            exact += right
            wrong += not right
    assert wrong == 0
    assert exact >= 96
