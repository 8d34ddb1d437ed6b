"""Free text holds no identifiers or refused categories: the detector's properties and
its use on every free-text field of an event (HTTP and MQTT share the validator)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.intake.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.privacy import free_text
from sitewarden.privacy.free_text import find_all, find_in_text, id_number_valid, luhn_valid
from sitewarden.registry.records import Sender

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LIMITS = IntakeLimits(timedelta(seconds=300), timedelta(days=30), 32)
GATEWAY = Sender("s", "gw", DeviceKind.GATEWAY, "z")
IDS = EventIdFactory()
ID_NUMBER = "11010519491231002X"
IMEI = "490154203237518"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check(raw: Any) -> Any:
    return validate_event(
        raw,
        event_id=IDS.new(),
        sender=GATEWAY,
        received_at=NOW,
        limits=LIMITS,
        find_device=lambda _: None,
    )


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    """Valid Chinese resident ID numbers: region, birth date, sequence, check digit."""
    region = draw(st.integers(110000, 659999))
    born = draw(st.dates(datetime(1900, 1, 1).date(), datetime(2025, 12, 31).date()))
    sequence = draw(st.integers(0, 999))
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@st.composite
def imeis(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=14, max_size=14))
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


# Arbitrary text around a number, kept apart from it by a space as people write.
surrounding = st.text(max_size=40)


@given(id_numbers(), surrounding, surrounding, st.booleans())
def test_valid_id_numbers_are_found_inside_arbitrary_text(
    number: str, before: str, after: str, lower: bool
) -> None:
    text = f"{before} {number.lower() if lower else number} {after}"
    assert "a Chinese resident ID number" in [f.what for f in find_all(text)]


@given(imeis(), surrounding, surrounding)
def test_valid_imeis_are_found_inside_arbitrary_text(imei: str, before: str, after: str) -> None:
    found = find_all(f"{before} {imei} {after}")
    assert "an IMEI number" in [f.what for f in found]
    assert all(f.category == "refused" for f in found if f.what == "an IMEI number")


@given(id_numbers())
def test_an_id_number_with_a_wrong_check_digit_is_no_id_number(number: str) -> None:
    wrong = number[:17] + next(c for c in "0123456789X" if c != number[17])
    assert id_number_valid(number) and not id_number_valid(wrong)


words = st.sampled_from(
    ["gate", "motor", "fault", "north", "entrance", "reset", "paid", "visitor", "at", "the"]
)
ordinary = st.one_of(
    words,
    st.builds("Door {}{}".format, st.integers(1, 99), st.sampled_from("ABCDEF")),
    st.builds("L{}".format, st.integers(1, 20)),
    st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
    st.builds("¥{}.{:02d}".format, st.integers(0, 99_999), st.integers(0, 99)),
    st.builds("CNY {:,}.00".format, st.integers(0, 9_999_999)),
    st.builds("code E{}".format, st.integers(0, 999)),
    st.dates().map(lambda d: d.isoformat()),
    st.integers(0, 9_999_999).map(str),
)


@given(st.lists(st.tuples(words, ordinary), min_size=1, max_size=12))
def test_ordinary_text_passes(parts: list[tuple[str, str]]) -> None:
    # A word between numbers: "130 1000 2000" on its own reads as a phone number.
    text = " ".join(f"{word} {value}" for word, value in parts)
    assert find_in_text(text) is None, text


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("ethnicity: Han", "the refused term 'ethnicity'"),
        ("IMSI 4600…", "the refused term 'imsi'"),
        ("seen aa:bb:cc:dd:ee:0f near lift", "a MAC address"),
        ("watchlist hit at gate", "the refused term 'watchlist hit'"),
        ("IMSI-free: 460001234567891", "an IMSI number"),
        ("visitor 138 1234 5678 called", "a phone number"),
        ("owner +86 13812345678", "a phone number"),
        ("blocked by 浙A·12345", "a licence plate"),
        ("UK car AB12 CDE", "a licence plate"),
        ("French car AB-123-CD", "a licence plate"),
    ],
)
def test_each_kind_of_finding_is_named(text: str, what: str) -> None:
    assert what in [f.what for f in find_all(text)]


@pytest.mark.parametrize(
    ("raw", "field", "what"),
    [
        ({"kind": "door.forced", "note": f"opened by {ID_NUMBER}"}, "note", "resident ID"),
        (
            {"kind": "door.forced", "attributes": {"door": "ethnicity: Han"}},
            "attributes.door",
            "refused term 'ethnicity'",
        ),
        (
            {
                "kind": "access.denied",
                "attributes": {"credential": "badge", "reason": "watchlist hit"},
            },
            "attributes.reason",
            "watchlist",
        ),
        (
            {
                "kind": "access.granted",
                "attributes": {"credential": "badge", "person_ref": "13812345678"},
            },
            "attributes.person_ref",
            "phone number",
        ),
        (
            {"kind": "plate.read", "attributes": {"confidence": 0.9, "lane": "浙A12345"}},
            "attributes.lane",
            "licence plate",
        ),
        (
            {
                "kind": "equipment.fault",
                "attributes": {"equipment": "ap", "message": f"IMEI {IMEI}"},
            },
            "attributes.message",
            "IMEI",
        ),
        (
            {"kind": "camera.object", "attributes": {"label": "car", "zones": ["a", "粤B·D12345"]}},
            "attributes.zones[1]",
            "licence plate",
        ),
    ],
)
def test_free_text_fields_with_identifiers_are_refused_naming_field_not_value(
    raw: dict[str, Any], field: str, what: str
) -> None:
    with pytest.raises(EventRejected) as caught:
        check(raw)
    reason = caught.value.reason
    assert f"field '{field}'" in reason and what in reason
    for value in (ID_NUMBER, IMEI, "13812345678", "浙A12345", "粤B·D12345", "Han"):
        assert value not in reason


def test_ordinary_free_text_is_kept() -> None:
    event = check(
        {
            "kind": "access.denied",
            "note": "Door 3B reader, 08:30, visitor paid ¥12.50",
            "attributes": {"credential": "badge", "door": "Door 3B", "reason": "out of hours"},
        }
    )
    assert event.note.startswith("Door 3B") and event.attributes["door"] == "Door 3B"


def test_identifiers_in_their_sealed_personal_fields_are_still_taken() -> None:
    event = check(
        {
            "kind": "access.granted",
            "attributes": {"credential": "badge"},
            "personal": {"national_id": ID_NUMBER, "phone": "13812345678"},
        }
    )
    assert event.personal == {"national_id": ID_NUMBER, "phone": "13812345678"}


def test_wifi_hashes_are_not_read_as_numbers() -> None:
    hashed = "a" + IMEI + "b" * 16  # hex that holds a Luhn-valid run of 15 digits
    assert find_in_text(hashed) is not None
    event = check(
        {"kind": "wifi.presence", "attributes": {"hashed_ids": [hashed], "salt_date": "2026-11-22"}}
    )
    assert event.attributes["hashed_ids"] == [hashed]


def test_only_clean_texts_are_remembered() -> None:
    assert find_in_text(f"ID {ID_NUMBER}") is not None
    assert find_in_text("Door 7C") is None
    assert f"ID {ID_NUMBER}" not in free_text._CLEAN and "Door 7C" in free_text._CLEAN
