"""When a plate read is sure: colour against format, least sure character, agreement
between looks (no model needed: rendered plates and hand-made reads)."""

from __future__ import annotations

import numpy as np
import pytest

from sitewarden.demo.garage_frames import available_fonts, render_plate
from sitewarden.vision.plate_checks import (
    AGREED_SURE,
    CHAR_SURE,
    colour_doubt,
    outvoted,
    plate_colour,
    read_doubt,
    surest_characters,
)
from sitewarden.vision.plate_formats import resolve_formats
from sitewarden.vision.plates import PlateCandidate, TextLine, judge_looks, pick_plate

FORMATS = resolve_formats(["cn", "cn_ne", "cn_ne_large", "cn_special", "uk"])


def plate_pixels(text: str, style: str) -> np.ndarray:
    fonts = available_fonts()
    assert fonts, "fonts-noto-cjk is missing: scripts/apt-install fonts-noto-cjk"
    return np.asarray(render_plate(text, style, fonts[0], height=60))


@pytest.mark.parametrize(
    ("text", "style", "colour"),
    [
        ("浙A·12345", "blue", "blue"),
        ("粤B·D12345", "green", "green"),
        ("苏E·2Y256", "yellow", "yellow"),
        ("AB12 CDE", "white", None),
    ],
)
def test_the_plate_colour_is_its_background(text: str, style: str, colour: str | None) -> None:
    pixels = plate_pixels(text, style)
    height, width = pixels.shape[:2]
    assert plate_colour(pixels, (0, 0, width, height)) == colour


def test_a_green_plate_read_as_seven_characters_is_doubted() -> None:
    assert colour_doubt("cn", "green") is not None
    assert colour_doubt("cn_ne", "blue") is not None
    assert colour_doubt("cn_ne", "green") is None
    assert colour_doubt("cn", None) is None and colour_doubt("uk", "yellow") is None


def test_a_lime_plate_stands_only_when_both_readers_read_it() -> None:
    """Lime is green at its yellowish end: a green plate in a warm frame, or a yellow
    one in a tinted frame (川R35779 on a development photo)."""
    lime = np.full((40, 120, 3), (150, 220, 60), dtype=np.uint8)
    assert plate_colour(lime, (0, 0, 120, 40)) == "lime"
    one_reader = colour_doubt("cn", "lime")
    assert one_reader is not None and "lime" in one_reader
    assert colour_doubt("cn", "lime", both_readers=True) is None
    assert colour_doubt("cn_ne", "lime") is None  # 8 characters: nothing was lost
    assert colour_doubt("cn", "green", both_readers=True) is not None  # green is never cn


def test_an_unsure_character_is_doubted_unless_another_look_agrees() -> None:
    doubt = read_doubt(0.49, 1, None)
    assert doubt is not None and "0.49" in doubt
    assert read_doubt(AGREED_SURE, 2, None) is None
    assert read_doubt(CHAR_SURE, 1, None) is None
    assert read_doubt(0.99, 3, "a green plate cannot be of format cn") is not None


def test_looks_that_share_an_unsure_character_do_not_make_it_sure() -> None:
    # 皖M12288 read 皖T12288 by the quick and the close look, unsure of T both times
    quick, close = [1.0, 0.39, 0.99, 1.0, 1.0, 1.0, 1.0], [1.0, 0.25, 0.99, 1.0, 1.0, 1.0, 1.0]
    assert surest_characters([quick, close]) == 0.39
    assert read_doubt(surest_characters([quick, close]), 2, None) is not None
    # each character sure in one look or the other
    assert surest_characters([[0.5, 0.9, 0.99], [0.9, 0.5, 0.99]]) == 0.9


def line(text: str, scores: list[float], box: tuple[int, int, int, int]) -> TextLine:
    return TextLine(text, sum(scores) / len(scores), box, tuple(scores))


def test_the_least_sure_character_counts_not_the_mean() -> None:
    scores = [0.99, 0.49, 0.99, 0.99, 0.99, 0.99, 0.99]  # mean 0.92
    picked = pick_plate([line("皖T12288", scores, (0, 0, 70, 24))], FORMATS)
    assert picked is not None and picked.confidence > 0.9 and picked.least_sure == 0.49


def test_separators_and_trimmed_borders_keep_scores_aligned() -> None:
    scores = [0.2, 0.9, 0.95, 0.5, 0.97, 0.96, 0.99, 0.98, 0.94]  # J, 川, Q, ·, D, B, 2, 9, 1...
    picked = pick_plate([line("J川Q·DB291", scores, (0, 0, 90, 30))], FORMATS)
    assert picked is not None and picked.match.compact == "川QDB291"
    assert picked.char_scores == (0.9, 0.95, 0.97, 0.96, 0.99, 0.98, 0.94)


def candidate(text: str, least: float) -> PlateCandidate:
    found = pick_plate([line(text, [least] + [0.99] * (len(text) - 1), (0, 0, 60, 20))], FORMATS)
    assert found is not None
    return found


def test_looks_that_agree_make_a_read_sure_and_disagreeing_ones_do_not() -> None:
    grey = np.full((40, 100, 3), 128, dtype=np.uint8)  # no colour: only the reads count
    unsure = judge_looks(grey, [candidate("川A82N83", 0.38), None, candidate("川A82M85", 0.55)])
    assert unsure is not None and unsure.doubt is not None
    agreed = judge_looks(grey, [candidate("苏A85Z95", 0.6), None, candidate("苏A85Z95", 0.7)])
    assert agreed is not None and agreed.doubt is None
    assert agreed.plate.match.compact == "苏A85Z95"
    assert judge_looks(grey, [None, None]) is None


def test_the_same_read_seen_twice_is_one_look_not_two() -> None:
    grey = np.full((40, 100, 3), 128, dtype=np.uint8)
    same = candidate("沪FKQQAT", 0.72)
    judged = judge_looks(grey, [same, same])
    assert judged is not None and judged.doubt is not None
    other_box = PlateCandidate(same.match, same.confidence, (1, 0, 61, 20), same.char_scores)
    judged = judge_looks(grey, [same, other_box])
    assert judged is not None and judged.doubt is None


def test_a_seven_character_read_on_a_green_plate_is_doubted() -> None:
    blue = np.zeros((40, 100, 3), dtype=np.uint8)
    blue[:, :] = (18, 62, 180)
    lost_digit = candidate("粤BD1234", 0.99)  # fits cn, but the plate is blue: fine
    judged = judge_looks(blue, [lost_digit])
    assert judged is not None and judged.colour == "blue" and judged.doubt is None
    green = np.zeros((40, 100, 3), dtype=np.uint8)
    green[:, :] = (120, 210, 140)
    judged = judge_looks(green, [lost_digit])
    assert judged is not None and judged.doubt == "a green plate cannot be of format cn"


def scored(text: str, scores: list[float]) -> PlateCandidate:
    found = pick_plate([line(text, scores, (0, 0, 60, 20))], FORMATS)
    assert found is not None and found.char_scores == tuple(scores)
    return found


def test_a_sure_look_that_other_looks_outvote_is_doubted() -> None:
    """A development photo darkened, then brightened with Pillow's autocontrast: three
    looks read 粤 at under 0.6, the colour look 鄂 at 0.76. Alone the 鄂 read is sure;
    against the others it is not."""
    grey = np.full((40, 100, 3), 128, dtype=np.uint8)
    rest = [1.0, 1.0, 1.0, 1.0, 1.0, 0.84]
    looks = [scored("粤BA103N", [score, *rest]) for score in (0.56, 0.44, 0.47)]
    lone = scored("鄂BA103N", [0.76, *rest])
    assert read_doubt(lone.least_sure, 1, None) is None  # sure on its own
    doubt = outvoted(lone, [*looks, lone])
    assert doubt is not None and "0.76 against 1.47" in doubt
    judged = judge_looks(grey, [*looks, lone])
    assert judged is not None and judged.doubt is not None
    assert judged.plate.match.compact == "粤BA103N"  # three looks, still unsure at 0.56


def test_a_character_that_wins_its_vote_stands() -> None:
    """苏A85Z95 on a development photo: Z at 0.63 and 0.84, against 2 at 0.43 and 7 at
    0.48: the sure look wins the vote and the read is accepted."""
    grey = np.full((40, 100, 3), 128, dtype=np.uint8)
    reads = [
        scored("苏A85Z95", [0.99, 0.99, 1.0, 1.0, 0.63, 1.0, 1.0]),
        scored("苏A85295", [1.0, 0.97, 1.0, 1.0, 0.43, 1.0, 1.0]),
        scored("苏A85Z95", [1.0, 0.98, 1.0, 1.0, 0.84, 1.0, 1.0]),
        scored("苏A85795", [1.0, 0.99, 1.0, 1.0, 0.48, 1.0, 1.0]),
    ]
    judged = judge_looks(grey, reads)
    assert judged is not None and judged.doubt is None
    assert judged.plate.match.compact == "苏A85Z95"
    # a plate elsewhere in the frame (another car) casts no vote
    far = PlateCandidate(reads[1].match, 0.9, (200, 0, 260, 20), (1.0,) * 7)
    assert outvoted(reads[2], [reads[2], far, far]) is None
