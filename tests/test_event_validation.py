"""Property tests for event validation: refused fields, kinds, times, ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.api.event_routes import decode_cursor, encode_cursor
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory, id_time_ms
from sitewarden.events.kinds import KINDS, RAISED_BY_SITEWARDEN
from sitewarden.events.refused import REFUSED_FIELDS
from sitewarden.intake.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.registry.records import Sender

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LIMITS = IntakeLimits(timedelta(seconds=300), timedelta(days=30), 32)
GATEWAY = Sender("s", "gw", DeviceKind.GATEWAY, "z")
IDS = EventIdFactory()


def check(raw: Any, sender: Sender = GATEWAY) -> Any:
    return validate_event(
        raw,
        event_id=IDS.new(),
        sender=sender,
        received_at=NOW,
        limits=LIMITS,
        find_device=lambda _: None,
    )


json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_arbitrary_objects_are_accepted_or_rejected_with_a_reason(raw: dict[str, Any]) -> None:
    try:
        check(raw)
    except EventRejected as exc:
        assert exc.reason


@given(
    kind=st.sampled_from(sorted(KINDS)),
    field=st.sampled_from(sorted(REFUSED_FIELDS)),
    where=st.sampled_from(["attributes", "personal", "top"]),
    case=st.sampled_from([str.lower, str.upper, str.title]),
)
def test_refused_fields_are_named_wherever_they_are(
    kind: str, field: str, where: str, case: Any
) -> None:
    name = case(field)
    raw: dict[str, Any] = {"kind": kind, "attributes": {}, "personal": {}}
    if where == "top":
        raw[name] = "x"
    else:
        raw[where][name] = "x"
    with pytest.raises(EventRejected, match=f"field '.*{name}' refused"):
        check(raw)


@given(st.timedeltas(min_value=timedelta(seconds=301), max_value=timedelta(days=3000)))
def test_times_beyond_the_skew_limit_are_rejected(ahead: timedelta) -> None:
    with pytest.raises(EventRejected, match="ahead of the server clock"):
        check({"kind": "alarm.smoke", "time": (NOW + ahead).isoformat()})


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=29)))
def test_times_within_limits_are_kept(back: timedelta) -> None:
    event = check({"kind": "alarm.smoke", "time": (NOW - back).isoformat()})
    assert event.occurred_at == NOW - back and event.received_at == NOW


def test_deep_nesting_is_rejected_plainly() -> None:
    deep: Any = "x"
    for _ in range(100):
        deep = {"a": deep}
    with pytest.raises(EventRejected, match="nested deeper than 32"):
        check({"kind": "alarm.smoke", "attributes": deep})


def test_every_kind_has_a_schema_and_a_valid_minimal_event() -> None:
    minimal: dict[str, dict[str, Any]] = {
        "door.held_open": {"open_seconds": 130},
        "plate.read": {"confidence": 0.9},
        "equipment.fault": {"equipment": "lift 2"},
        "occupancy.count": {"count": 12},
        "wifi.presence": {"hashed_ids": ["ab" * 16], "salt_date": "2026-11-22"},
        "access.granted": {"credential": "face"},
        "access.denied": {"credential": "badge"},
        "camera.object": {"label": "person"},
    }
    personal = {
        "plate.read": {"plate": "浙A12345"},
        "parking.entry": {"plate": "粤B·D12345"},
        "parking.exit": {"plate": "粤B·D12345"},
    }
    for kind, spec in KINDS.items():
        if kind in RAISED_BY_SITEWARDEN:
            continue
        event = check(
            {"kind": kind, "attributes": minimal.get(kind, {}), "personal": personal.get(kind)}
        )
        assert event.severity == spec.severity and event.family == spec.family


def test_wifi_presence_takes_hashes_not_raw_macs() -> None:
    with pytest.raises(EventRejected, match="hashed_ids"):
        check(
            {
                "kind": "wifi.presence",
                "attributes": {"hashed_ids": ["aa:bb:cc:dd:ee:ff"], "salt_date": "2026-11-22"},
            }
        )


@given(st.integers(min_value=1, max_value=5000))
def test_event_ids_are_unique_increasing_uuid7(count: int) -> None:
    ids = IDS.new_batch(count)
    assert ids == sorted(ids) and len(set(ids)) == count
    assert all(i.version == 7 for i in ids)
    assert abs(id_time_ms(ids[0]) - datetime.now(UTC).timestamp() * 1000) < 60_000


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    )
)
def test_cursor_round_trips(moment: datetime) -> None:
    event_id = IDS.new()
    assert decode_cursor(encode_cursor((moment, event_id))) == (moment, event_id)


def test_camera_objects_take_what_and_where_never_who() -> None:
    event = check({"kind": "camera.object", "attributes": {"label": "person", "zones": ["hall"]}})
    assert event.attributes == {"label": "person", "zones": ["hall"]} and event.personal is None
    for refused in (
        {"attributes": {"label": "person", "sub_label": "Alice"}},
        {"attributes": {"label": "person"}, "personal": {"person_name": "Alice"}},
        {"attributes": {"label": "Alice"}},
    ):
        with pytest.raises(EventRejected):
            check({"kind": "camera.object", **refused})
