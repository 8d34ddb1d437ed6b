"""Plate text: normal forms, formats and positional O/0, I/1 fixes (property tests)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.errors import InvalidInput
from sitewarden.identifiers import normalise_plate
from sitewarden.vision.plate_formats import (
    BUILT_IN,
    CLASSES,
    DEFAULT_FORMATS,
    PROVINCES,
    check_pattern,
    compact_plate,
    fit,
    match_plate,
    resolve_formats,
)

ALL = resolve_formats(list(BUILT_IN))
CHINESE = resolve_formats(list(DEFAULT_FORMATS))


def plates_of(name: str) -> st.SearchStrategy[str]:
    """Valid compact plates of one built-in format."""
    fmt = BUILT_IN[name]
    return st.tuples(*(st.sampled_from(allowed) for allowed in fmt.classes)).map("".join)


any_plate = st.sampled_from(sorted(BUILT_IN)).flatmap(
    lambda name: plates_of(name).map(lambda p: (name, p))
)


@given(any_plate)
def test_a_valid_plate_reads_as_itself_with_no_fixes(case: tuple[str, str]) -> None:
    name, plate = case
    found = fit(plate, BUILT_IN[name])
    assert found is not None and found.compact == plate and found.fixes == 0
    assert normalise_plate(found.display) == plate


@given(any_plate, st.sampled_from(["", " ", "·", "-", "•", "."]), st.booleans())
def test_separators_case_and_full_width_do_not_change_the_reading(
    case: tuple[str, str], separator: str, full_width: bool
) -> None:
    name, plate = case
    text = separator.join(plate).lower()
    if full_width:
        text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
    found = fit(compact_plate(text), BUILT_IN[name])
    assert found is not None and found.compact == plate


@given(plates_of("cn"), st.data())
def test_chinese_plates_get_o_and_i_read_back_as_digits(plate: str, data: st.DataObject) -> None:
    # Chinese plates have no I or O, so an OCR "O" or "I" after the city letter is 0 or 1.
    spoiled = list(plate)
    for index in range(2, len(plate)):
        if plate[index] in "01" and data.draw(st.booleans()):
            spoiled[index] = {"0": "O", "1": "I"}[plate[index]]
    found = match_plate("".join(spoiled), CHINESE)
    assert found is not None and found.compact == plate
    assert found.fixes == sum(a != b for a, b in zip(spoiled, plate, strict=True))


@given(plates_of("uk"))
def test_latin_formats_fix_confusions_only_where_the_position_needs_it(plate: str) -> None:
    spoiled = plate[:2] + plate[2:4].replace("0", "O").replace("1", "I") + plate[4:]
    found = match_plate(spoiled, resolve_formats(["uk"]))
    assert found is not None and found.compact == plate


@given(st.text(max_size=24))
def test_any_text_either_fits_a_format_exactly_or_is_no_plate(text: str) -> None:
    found = match_plate(text, ALL)
    if found is None:
        return
    fmt = BUILT_IN[found.format]
    assert len(found.compact) == len(fmt.classes)
    assert all(c in allowed for c, allowed in zip(found.compact, fmt.classes, strict=True))
    assert match_plate(found.display, ALL) == found  # reading is idempotent


@given(st.text(max_size=24))
def test_compact_form_is_idempotent_and_has_no_marks(text: str) -> None:
    once = compact_plate(text)
    assert compact_plate(once) == once
    assert all(unicodedata.category(c)[0] not in "PSZC" for c in once)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浙A·12345", "浙A·12345"),
        ("浙A12345", "浙A·12345"),
        ("浙Ａ－１２３４５", "浙A·12345"),
        ("浙A·I2O45", "浙A·12045"),
        ("粤B·D12345", "粤B·D12345"),
        ("粤B·12345D", "粤B·12345D"),
        ("|京C·8F7K2|", "京C·8F7K2"),
        ("ab12 cde", "AB12 CDE"),
        ("AB-123-CD", "AB-123-CD"),
        ("AB-I23-CD", "AB-123-CD"),
    ],
)
def test_known_reads(text: str, expected: str) -> None:
    found = match_plate(text, ALL)
    assert found is not None and found.display == expected


@pytest.mark.parametrize("text", ["", "hello", "浙A·1234", "浙A·123456X", "A浙·12345", "ZZ"])
def test_text_that_fits_no_format_is_no_plate(text: str) -> None:
    assert match_plate(text, ALL) is None


def test_province_class_is_chinese_provinces_only() -> None:
    assert set(CLASSES["P"]) == set(PROVINCES) and len(PROVINCES) == 31


def test_site_formats_are_checked() -> None:
    assert check_pattern("nl", "LL-DDD-L").display("AB123C") == "AB-123-C"
    with pytest.raises(InvalidInput):
        check_pattern("bad", "LL?DD")
    with pytest.raises(InvalidInput):
        resolve_formats(["cn", "atlantis"])
