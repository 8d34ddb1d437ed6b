"""The second plate recogniser (HyperLPR's, from its PyPI wheel) and how its reads are
checked against the first reader's (vision/plate_cross_check.py)."""

from __future__ import annotations

import numpy as np
import pytest
from bench.plate_photos import devsets_folder, load_photos
from PIL import Image

from sitewarden.demo.garage_frames import available_fonts, render_plate
from sitewarden.vision.plate_cross_check import (
    JUDGED_BELOW,
    SHOWN_BELOW,
    FirstText,
    check_second,
    chinese,
    contradicted,
    fused,
)
from sitewarden.vision.plate_formats import BUILT_IN, DEFAULT_FORMATS, PROVINCES, resolve_formats
from sitewarden.vision.plate_second_reader import (
    ALPHABET,
    MODEL_PROVINCES,
    SecondRead,
    SecondReader,
    models_folder,
)

FORMATS = resolve_formats(DEFAULT_FORMATS)
BOX = (10, 10, 110, 40)
PHOTOS = {photo.path.name: photo for photo in load_photos(devsets_folder() / "plates")}
needs_photos = pytest.mark.skipif(not PHOTOS, reason="no plate development set")


def second(text: str, *scores: float) -> SecondRead:
    return SecondRead(text, scores or (0.97,) * len(text), BOX)


def first(text: str, *scores: float) -> FirstText:
    return FirstText(text, scores or (0.99,) * len(text))


def test_the_models_ship_in_the_wheel_and_know_every_province() -> None:
    assert (models_folder() / "SegmenationFree-Inception.caffemodel").stat().st_size > 1_000_000
    assert set(MODEL_PROVINCES) == set(PROVINCES) and len(MODEL_PROVINCES) == 31
    assert len(set(ALPHABET)) == len(ALPHABET)


def test_only_formats_that_start_with_a_province_are_read_by_it() -> None:
    assert [f.name for f in chinese(list(BUILT_IN.values()))] == [
        "cn",
        "cn_ne",
        "cn_ne_large",
        "cn_special",
    ]
    assert chinese(resolve_formats(["uk", "fr"])) == []


def test_a_province_the_first_reader_misread_unsurely_is_filled_in() -> None:
    """川R35779 on a real photo: PP-OCR read the small 川 as M, at 0.29."""
    text, scores = fused(first("MR35779", 0.29, 1, 1, 1, 1, 1, 1), second("川R35779")) or ("", ())
    assert text == "川R35779" and min(scores) >= 0.95


def test_a_province_the_first_reader_lost_is_filled_in() -> None:
    assert fused(first("R35779"), second("川R35779")) == ("川R35779", (0.97,) + (0.99,) * 6)


def test_a_character_only_one_reader_is_sure_of_stands() -> None:
    """川A019W2: PP-OCR read N at 0.48 where the second reader read W surely."""
    read = fused(first("川A019N2", 0.9, 0.98, 0.9, 0.9, 0.9, 0.48, 0.9), second("川A019W2"))
    assert read is not None and read[0] == "川A019W2"


@pytest.mark.parametrize(
    ("first_read", "second_read"),
    [
        (first("浙C01701"), second("赣C01701")),  # both sure of another province
        (first("浙C01701", 0.5, 1, 1, 1, 1, 1, 1), second("赣C01701", 0.8, 1, 1, 1, 1, 1, 1)),
        (first("浙C0"), second("浙C01701")),  # too short to align
        (first("浙C0170M"), second("浙CQ170W")),  # two sure differences
        (FirstText("浙C01701", ()), second("浙C01701")),  # no per-character scores
    ],
)
def test_reads_that_contradict_each_other_are_not_fused(
    first_read: FirstText, second_read: SecondRead
) -> None:
    assert fused(first_read, second_read) is None


def test_fewer_than_five_characters_alike_prove_nothing() -> None:
    assert fused(first("京A1", 0.3, 0.3, 0.3), second("京A1")) is None
    assert fused(first("湘ABCDEF", 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3), second("京A12345")) is None


def test_a_plate_only_the_second_reader_read_goes_to_review() -> None:
    checked = check_second(second("皖QA2825"), [first("皖Q")], FORMATS)
    assert checked is not None and checked.match.compact == "皖QA2825"
    assert checked.doubt is not None and "second reader alone" in checked.doubt
    unsure = second("皖QA2825", SHOWN_BELOW - 0.01, 1, 1, 1, 1, 1, 1)
    assert check_second(unsure, [], FORMATS) is None  # noise: shown to nobody
    assert check_second(second("2015/05/11"), [], FORMATS) is None  # no plate


def test_a_plate_both_readers_support_is_sure() -> None:
    checked = check_second(second("皖F71646"), [first("联71646"), first("F71646")], FORMATS)
    assert checked is not None and checked.doubt is None
    assert checked.match.compact == "皖F71646" and len(checked.char_scores) == 7


def test_a_sure_read_whose_province_the_second_reader_surely_reads_otherwise_is_doubted() -> None:
    """陕AE8F80 at 60 % of its size: PP-OCR read 皖 at 0.99, the second reader 陕 at 0.98."""
    doubt = contradicted("皖AE8F80", (0.99,) * 7, second("陕AE8F80", 0.98, *(0.97,) * 6))
    assert doubt is not None and "character 1" in doubt
    assert "陕" not in doubt and "皖" not in doubt  # the reason travels in clear
    assert contradicted("皖AE8F80", (0.99,) * 7, second("陕AE8F80", 0.8, *(0.97,) * 6)) is None


def test_a_character_the_looks_only_agreed_on_is_doubted_when_the_second_reads_it_otherwise() -> (
    None
):
    """皖M12288 at JPEG 50: two looks agreed on G (0.46, 0.74); the second read M at 0.8."""
    scores = (0.99, 0.74, 1, 1, 1, 1, 1)
    assert contradicted("皖G12288", scores, second("皖M12288", 0.98, 0.8, *(0.98,) * 5))
    # a character the first reader read at JUDGED_BELOW or more is not judged
    sure = (0.99, JUDGED_BELOW, 1, 1, 1, 1, 1)
    assert contradicted("皖G12288", sure, second("皖M12288", 0.98, 0.8, *(0.98,) * 5)) is None


def test_a_character_read_under_the_judged_bar_is_doubted_when_the_second_reads_it_otherwise() -> (
    None
):
    """苏A85Z95 blurred (radius 1.6): PP-OCR read Z as 2 at 0.84 in its only look; the
    second reader read Z at 0.93."""
    scores = (0.92, 0.94, 1, 1, 0.84, 1, 1)
    doubt = contradicted("苏A85295", scores, second("苏A85Z95", 0.9, 0.98, 0.97, 0.98, 0.93, 1, 1))
    assert doubt is not None and "character 5" in doubt


def test_a_special_plates_suffix_the_second_reader_sees_is_never_overruled() -> None:
    """皖Q0686学, a learner plate: PP-OCR read 学 as 9 or 7, the second reader 学."""
    learner = second("皖Q0686学", 0.98, 0.55, 0.69, 0.97, 0.97, 0.98, 0.55)
    assert contradicted("皖Q06869", (0.99,) * 7, learner) is not None
    faint = second("皖Q0686学", 0.98, 0.97, 0.97, 0.97, 0.97, 0.98, SHOWN_BELOW - 0.1)
    assert contradicted("皖Q06869", (0.99,) * 7, faint) is None  # too faint to count
    # fusing: the second reader's 学 at 0.57 does not lose to the first reader's 7 at 0.94
    first_read = first("报Q06867", 0.17, 0.37, 0.99, 1, 0.99, 1, 0.94)
    second_read = second("皖Q0686学", 0.97, 0.65, 0.93, 0.96, 0.98, 0.97, 0.57)
    assert fused(first_read, second_read) is None
    checked = check_second(second_read, [first_read], FORMATS)
    assert checked is not None and checked.doubt is not None  # to review, as 皖Q0686学


@pytest.mark.parametrize(
    ("plate", "read"),
    [
        ("皖AE8F80", second("皖AE8F80")),  # alike
        ("琼NDD3370", second("粤NDD3370")),  # green plates: not the second reader's to judge
        ("皖AE8F80", second("AE8F80")),  # another length
        ("皖AE8F80", None),  # nothing read
    ],
)
def test_reads_the_second_reader_does_not_contradict(plate: str, read: SecondRead | None) -> None:
    assert contradicted(plate, (0.99,) * len(plate), read) is None


@needs_photos
def test_the_plate_detector_finds_the_same_boxes_whatever_ran_before() -> None:
    """OpenCV keeps an SSD's prior boxes from the first frame size it ran at: each frame
    size gets its own detector."""
    reader = SecondReader()
    dusk, small = (
        np.asarray(Image.open(PHOTOS[name].path).convert("RGB"))
        for name in ("cn_blue_048.jpg", "cn_blue_070.jpg")
    )
    alone = SecondReader().locate(small)
    assert reader.locate(dusk) == SecondReader().locate(dusk)
    assert reader.locate(small) == alone and alone


def test_the_plate_detector_does_not_run_on_a_frame_too_small_for_it() -> None:
    """On a plate picture squeezed to 32 pixels on a side the detector's rows changed
    from run to run, some with infinite corners (a crash, and a 500 for a frame the API
    accepts); such a frame gets no detector boxes, every time."""
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    plate = render_plate("浙A·12345", "blue", fonts[0]).convert("RGB")
    for size in ((32, 56), (40, 32), (32, 32), (256, 32), (47, 120)):
        pixels = np.asarray(plate.resize(size))
        assert [SecondReader().locate(pixels) for _ in range(4)] == [[]] * 4, size


@needs_photos
@pytest.mark.parametrize(
    ("name", "box"),
    [("cn_yellow_015.jpg", (304, 244, 381, 274)), ("cn_yellow_016.jpg", (256, 167, 328, 193))],
)
def test_it_reads_small_real_plates_the_first_reader_gets_wrong(
    name: str, box: tuple[int, int, int, int]
) -> None:
    pixels = np.asarray(Image.open(PHOTOS[name].path).convert("RGB"))
    read = SecondReader().read(pixels, box)
    assert read is not None and read.text == PHOTOS[name].plate and read.least_sure >= 0.85
