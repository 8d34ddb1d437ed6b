"""Trial lookups cannot undo masking: masks show nothing that narrows a search, each
operator has an hourly lookup quota (429 with Retry-After), and a burst of lookups
raises a ``security.lookup_burst`` alert. Devices cannot raise that kind themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.api.ratelimit import LookupQuota, RateLimited
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.ids import EventIdFactory
from sitewarden.intake.validation import EventRejected, IntakeLimits, validate_event
from sitewarden.privacy.masking import mask_personal
from sitewarden.registry.records import Sender
from tests.conftest import LiveServer, device_client

NATIONAL_ID = "11010519491231002X"


@given(st.text("0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_masked_id_numbers_badges_and_phones_show_no_character(body: str, last: str) -> None:
    masked = mask_personal({"national_id": body + last, "badge_id": body, "phone": body[:11]})
    assert masked == {"national_id": "***", "badge_id": "***", "phone": "***"}


@pytest.mark.parametrize(
    ("plate", "shown"),
    [("浙A·12345", "浙A·***"), ("粤B·D12345", "粤B·***"), ("AB12 CDE", "AB·***")],
)
def test_masked_plates_show_the_region_and_nothing_of_the_serial(plate: str, shown: str) -> None:
    assert mask_personal({"plate": plate}) == {"plate": shown}


def test_the_quota_refuses_past_its_hourly_count_and_says_when_to_retry() -> None:
    quota = LookupQuota(per_hour=3, burst_count=0, burst_window_s=60)
    for at in (0.0, 10.0, 20.0):
        quota.take("ann", now=1000 + at)
    with pytest.raises(RateLimited) as caught:
        quota.take("ann", now=1030)
    assert caught.value.retry_after == 3570 and "lookup_quota_per_hour" in caught.value.message
    quota.take("bob", now=1030)  # per operator
    quota.take("ann", now=4601)  # the first lookup has left the hour


def test_a_burst_is_reported_once_a_window() -> None:
    quota = LookupQuota(per_hour=0, burst_count=3, burst_window_s=60)
    reported = [quota.take("ann", now=float(at)) for at in range(8)]
    assert reported == [None, None, 3, None, None, None, None, None]
    assert quota.take("ann", now=100.0) is None  # the window moved on: two in it now
    assert quota.take("ann", now=101.0) is None
    assert quota.take("ann", now=102.0) == 3


def test_devices_cannot_send_lookup_burst_events() -> None:
    with pytest.raises(EventRejected, match="raised by sitewarden itself"):
        validate_event(
            {
                "kind": "security.lookup_burst",
                "attributes": {"operator": "ann", "lookups": 20, "window_s": 60},
            },
            event_id=EventIdFactory().new(),
            sender=Sender("s", "gw", DeviceKind.GATEWAY, None),
            received_at=datetime.now(UTC),
            limits=IntakeLimits(timedelta(seconds=300), timedelta(days=30), 32),
            find_device=lambda _: None,
        )


def test_trial_lookups_hit_the_quota_and_raise_a_burst_alert(
    configured_server: Callable[[str], LiveServer],
) -> None:
    server = configured_server("lookup_quota_per_hour = 5\nlookup_burst_count = 3")
    token = server.add_site_with_device("trials", "gw", DeviceKind.GATEWAY)
    person = {"national_id": NATIONAL_ID}
    event = {"kind": "access.granted", "attributes": {"credential": "badge"}, "personal": person}
    with device_client(server, token) as device:
        assert device.post("/api/v1/events", json=[event]).status_code == 200
    guesses = [NATIONAL_ID[:16] + f"{n:02d}" for n in range(10)]
    answers = []
    with server.client() as admin:
        for guess in guesses:
            body = {"site": "trials", "field": "national_id", "value": guess, "purpose": "trial"}
            answers.append(admin.post("/api/v1/events/lookup", json=body))
        alerts = admin.get("/api/v1/alerts", params={"site": "trials"}).json()["alerts"]
        raised = admin.get(
            "/api/v1/events", params={"site": "trials", "kind": "security.lookup_burst"}
        ).json()["events"]
        me = admin.get("/api/v1/me").json()["username"]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 5
    refused = answers[5]
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    assert "lookup quota reached" in refused.json()["message"]
    assert [a["rule_id"] for a in alerts] == ["lookup-burst"]
    assert alerts[0]["title"] == "Burst of plate or ID lookups"
    assert [e["attributes"]["operator"] for e in raised] == [me]
