"""Picking the plate among the text a model found (no model needed here)."""

from __future__ import annotations

from sitewarden.vision.plate_formats import BUILT_IN, resolve_formats
from sitewarden.vision.plates import TextLine, pick_plate

FORMATS = resolve_formats(["cn", "cn_ne", "uk"])


def line(
    text: str, confidence: float = 0.95, box: tuple[int, int, int, int] = (0, 0, 300, 60)
) -> TextLine:
    return TextLine(text, confidence, box)


def test_the_surest_line_that_fits_a_format_wins() -> None:
    picked = pick_plate(
        [line("PARKING", 0.99), line("浙A·12345", 0.9), line("浙A·12346", 0.7)], FORMATS
    )
    assert picked is not None and picked.match.display == "浙A·12345"


def test_a_border_stroke_read_as_a_character_is_trimmed_but_nothing_else() -> None:
    picked = pick_plate([line("J川Q·DB2911")], FORMATS)
    assert picked is not None and picked.match.display == "川Q·DB2911" and picked.match.fixes == 1
    assert pick_plate([line("X川Q·DB2911")], FORMATS) is None
    assert pick_plate([line("JIIY·QTAYR")], FORMATS) is None


def test_a_two_row_plate_is_joined() -> None:
    top = line("浙A", box=(100, 100, 200, 150))
    bottom = line("12345", box=(80, 160, 230, 220))
    picked = pick_plate([top, bottom], FORMATS)
    assert picked is not None and picked.match.display == "浙A·12345"


def test_a_two_row_plate_whose_row_boxes_overlap_is_joined() -> None:
    top = line("赣J", box=(548, 464, 644, 528))  # as detected on a rendered lorry plate
    bottom = line("83378", box=(469, 512, 723, 617))
    picked = pick_plate([top, bottom], FORMATS)
    assert picked is not None and picked.match.display == "赣J·83378"
    assert picked.box == (469, 464, 723, 617)


def test_text_far_apart_is_not_joined_into_a_plate() -> None:
    assert (
        pick_plate(
            [line("浙A", box=(0, 0, 50, 40)), line("12345", box=(900, 600, 1000, 640))], FORMATS
        )
        is None
    )


def test_every_built_in_format_is_known() -> None:
    assert resolve_formats(list(BUILT_IN))
