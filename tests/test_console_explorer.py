"""The event explorer page in a real browser (Debian's chromium) against a real server:
finding an event by time range and text, paging through 10,000 events, live mode with
pause and resume, and the row detail with personal fields masked until opened."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.demo import site
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.registry import service
from tests.conftest import LiveServer, device_client
from tests.test_web import browser, demo_simulator, send_one_of_everything, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py

pytestmark = pytest.mark.slow

SHANGHAI = ZoneInfo("Asia/Shanghai")  # add_site_with_device's sites are there
PASSWORD = "explorer-test-password-1"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "console"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # A browser far from every site: times must follow the site, not the browser.
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, timezone_id="America/New_York"
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in_as(page: Page, server: LiveServer, role: Role, path: str) -> str:
    """Sign a user of ``role`` in through the form (created the first time) and open
    ``path``; returns the username."""
    username = f"ex-{role.value.replace('_', '-')}"
    page.goto(server.url + path)
    sign_in_user(page, server, username, role, PASSWORD)
    page.goto(server.url + path)
    expect(page.get_by_role("heading", name="Events", exact=True)).to_be_visible()
    return username


def rows(page: Page) -> list[str]:
    """The event ids of the rows on show, top to bottom."""
    ids: list[str] = page.eval_on_selector_all("#ex-rows tr", "rs => rs.map(r => r.dataset.id)")
    return ids


def wall(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")


def test_operator_finds_an_event_by_time_range_and_text_in_the_sites_timezone(
    shared_server: LiveServer, page: Page
) -> None:
    token = shared_server.add_site_with_device("exfind", "reader-1", DeviceKind.ACCESS_READER)
    now = datetime.now(UTC).replace(microsecond=0)
    parcel_then = now - timedelta(hours=3)
    posted = [
        {"kind": "access.granted", "time": parcel_then.isoformat(), "note": "parcel for unit 12",
         "attributes": {"credential": "badge"}},
        {"kind": "access.granted", "time": (now - timedelta(minutes=30)).isoformat(),
         "note": "parcel for unit 14", "attributes": {"credential": "badge"}},
        {"kind": "access.denied", "time": (now - timedelta(minutes=20)).isoformat(),
         "note": "expired badge", "attributes": {"credential": "badge"}},
        {"kind": "device.heartbeat", "time": now.isoformat(), "attributes": {"uptime_s": 60}},
    ]  # fmt: skip
    with device_client(shared_server, token) as reader:
        answer = reader.post("/api/v1/events", json=posted)
    assert answer.status_code == 200, answer.text
    first_id = answer.json()["accepted"][0]
    door = shared_server.add_site_with_device(
        "exfind", "door-2", DeviceKind.DOOR_CONTACT, zone_id="lobby"
    )
    with device_client(shared_server, door) as contact:
        held = {"kind": "door.held_open", "attributes": {"open_seconds": 75}}
        assert contact.post("/api/v1/events", json=[held]).status_code == 200

    sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exfind")
    expect(page.locator("#ex-zone-note")).to_have_text("Times in Asia/Shanghai")
    expect(page.locator("#ex-rows tr")).to_have_count(4)  # the heartbeat is telemetry: hidden
    page.get_by_label("Zone").select_option("lobby")
    expect(page.locator("#ex-rows tr")).to_have_count(1)
    expect(page.locator("#ex-rows tr")).to_have_attribute("data-kind", "door.held_open")
    page.get_by_label("Zone").select_option("")
    page.get_by_label("Device").select_option("reader-1")
    expect(page.locator("#ex-rows tr")).to_have_count(3)
    page.get_by_label("Device").select_option("")
    page.get_by_label("Hide telemetry and heartbeats").uncheck()
    expect(page.locator('#ex-rows tr[data-kind="device.heartbeat"]')).to_have_count(1)
    page.get_by_label("Hide telemetry and heartbeats").check()
    page.get_by_label("Severity").select_option("minor")
    expect(page.locator("#ex-rows tr")).to_have_count(2)
    expect(page.locator('#ex-rows tr[data-kind="access.denied"]')).to_contain_text("expired")
    page.get_by_label("Severity").select_option("")

    # Entered as wall-clock times in Shanghai: 3 h 10 min ago until 2 h 50 min ago.
    page.get_by_label("Time range").select_option("custom")
    page.get_by_label("From").fill(wall(parcel_then - timedelta(minutes=10)))
    page.get_by_label("Until").fill(wall(parcel_then + timedelta(minutes=10)))
    page.get_by_label("Text in note").fill("parcel")
    page.get_by_role("button", name="Search").click()

    expect(page.locator("#ex-rows tr")).to_have_count(1)
    row = page.locator("#ex-rows tr")
    expect(row).to_contain_text("parcel for unit 12")
    expect(row).to_have_attribute("data-id", first_id)
    expect(row.locator(".ex-time")).to_have_text(wall(parcel_then).replace("T", " "))
    assert "q=parcel" in page.url and "range=custom" in page.url

    # The address carries the filters: a shared link shows the same, Back the earlier.
    shared = page.url
    page.go_back()
    expect(page.locator("#ex-rows tr")).to_have_count(4)
    page.goto(shared)
    expect(page.locator("#ex-rows tr")).to_have_count(1)
    expect(page.get_by_label("Text in note")).to_have_value("parcel")


def test_the_kind_filter_and_the_range_presets_choose_the_rows_and_the_address(
    shared_server: LiveServer, page: Page
) -> None:
    reader = shared_server.add_site_with_device("exkinds", "reader-1", DeviceKind.ACCESS_READER)
    door = shared_server.add_site_with_device("exkinds", "door-1", DeviceKind.DOOR_CONTACT)
    now = datetime.now(UTC).replace(microsecond=0)

    def event(kind: str, ago: timedelta, note: str) -> dict[str, object]:
        attributes = {"open_seconds": 90} if kind.startswith("door") else {"credential": "badge"}
        return {"kind": kind, "time": (now - ago).isoformat(), "note": note,
                "attributes": attributes}  # fmt: skip

    posted = {
        reader: [
            event("access.granted", timedelta(minutes=5), "granted 5 min ago"),
            event("access.denied", timedelta(minutes=40), "denied 40 min ago"),
            event("access.granted", timedelta(hours=5), "granted 5 h ago"),
            event("access.denied", timedelta(days=3), "denied 3 days ago"),
        ],
        door: [event("door.held_open", timedelta(minutes=10), "held 10 min ago")],
    }
    for token, events in posted.items():
        with device_client(shared_server, token) as device:
            answer = device.post("/api/v1/events", json=events)
        assert answer.status_code == 200, answer.text

    def notes() -> list[str]:
        found: list[str] = page.eval_on_selector_all(
            "#ex-rows tr .ex-summary", "cells => cells.map(c => c.textContent)"
        )
        return sorted(note.split(" · ")[0] for note in found)

    sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exkinds")
    expect(page.locator("#ex-rows tr")).to_have_count(4)  # the last 24 hours
    steps = [  # (control, value chosen, in the address, notes of the rows shown)
        ("Kind", "access", "kind=access", ["denied 40 min ago", "granted 5 h ago",
                                           "granted 5 min ago"]),
        ("Kind", "access.denied", "kind=access.denied", ["denied 40 min ago"]),
        ("Time range", "7d", "range=7d", ["denied 3 days ago", "denied 40 min ago"]),
        ("Kind", "", "range=7d", ["denied 3 days ago", "denied 40 min ago", "granted 5 h ago",
                                  "granted 5 min ago", "held 10 min ago"]),
        ("Time range", "1h", "range=1h", ["denied 40 min ago", "granted 5 min ago",
                                          "held 10 min ago"]),
        ("Time range", "15m", "range=15m", ["granted 5 min ago", "held 10 min ago"]),
    ]  # fmt: skip
    for label, value, address, shown in steps:  # each step changes the number of rows
        page.get_by_label(label, exact=True).select_option(value)
        expect(page).to_have_url(re.compile(re.escape(address)))
        expect(page.locator("#ex-rows tr")).to_have_count(len(shown))
        assert notes() == shown, (label, value)
        if label == "Kind" and not value:
            assert "kind=" not in page.url  # every kind: no parameter

    # Each choice is a step of the address: Back returns to the one before.
    page.go_back()
    expect(page.get_by_label("Time range", exact=True)).to_have_value("1h")
    expect(page.locator("#ex-rows tr")).to_have_count(3)
    page.get_by_label("Time range", exact=True).select_option("24h")  # the default: no parameter
    expect(page.locator("#ex-rows tr")).to_have_count(4)
    assert "range=" not in page.url and "kind=" not in page.url


def test_with_all_sites_each_row_shows_its_own_sites_time(
    shared_server: LiveServer, page: Page
) -> None:
    store = shared_server.open_storage()
    try:
        service.create_site(store.registry, "exberlin", "Berlin office", "Europe/Berlin", 10, 10)
    finally:
        store.close()
    berlin = shared_server.add_site_with_device("exberlin", "reader-b", DeviceKind.ACCESS_READER)
    shanghai = shared_server.add_site_with_device(
        "exshanghai", "reader-s", DeviceKind.ACCESS_READER
    )
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    for token in (berlin, shanghai):
        with device_client(shared_server, token) as reader:
            event = {"kind": "access.granted", "time": at.isoformat(), "note": "same moment",
                     "attributes": {"credential": "qr"}}  # fmt: skip
            assert reader.post("/api/v1/events", json=[event]).status_code == 200

    sign_in_as(page, shared_server, Role.OPERATOR, "/events?q=same+moment")
    expect(page.locator("#ex-zone-note")).to_have_text(
        "Times in each site's own timezone; custom range in UTC"
    )
    expect(page.locator("#ex-rows tr")).to_have_count(2)
    for site_id, zone in (("exberlin", "Europe/Berlin"), ("exshanghai", "Asia/Shanghai")):
        time = page.locator("#ex-rows tr", has_text=site_id).locator(".ex-time")
        expect(time).to_have_text(at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S"))
        expect(time).to_have_attribute("title", zone)


def test_paging_through_10000_events_shows_each_exactly_once(
    shared_server: LiveServer, page: Page
) -> None:
    shared_server.add_site_with_device("exwalk", "reader-1", DeviceKind.ACCESS_READER)
    now = datetime.now(UTC)
    # Four events share each moment, with random ids: the cursor must break ties by id.
    events = [
        Event(
            id=uuid.uuid4(), site_id="exwalk", zone_id="main", device_id="reader-1",
            kind="access.granted", severity=Severity.INFO,
            occurred_at=now - timedelta(hours=2) + timedelta(milliseconds=500 * (n // 4)),
            received_at=now, attributes={"credential": "badge"}, personal=None, note=f"walk {n}",
        )
        for n in range(10_000)
    ]  # fmt: skip
    store = shared_server.open_storage()
    try:
        store.batch.insert_events(events, {})
    finally:
        store.close()
    expected = {str(e.id) for e in events}

    sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exwalk&size=500")
    expect(page.locator("#ex-rows tr")).to_have_count(500)
    seen: list[str] = []
    pages: list[list[str]] = []
    while True:
        shown = rows(page)
        pages.append(shown)
        seen.extend(shown)
        older = page.get_by_role("button", name="Older →")
        if older.is_disabled():
            break
        older.click()
        expect(page.locator("#ex-page")).to_have_text(f"page {len(pages) + 1}")
        expect(page.locator("#ex-rows tr").first).not_to_have_attribute("data-id", shown[0])
    assert len(pages) == 20
    assert len(seen) == 10_000 and set(seen) == expected

    page.get_by_role("button", name="← Newer").click()
    expect(page.locator("#ex-page")).to_have_text("page 19")
    assert rows(page) == pages[18]

    # The API the page uses, at a page size that does not divide the total.
    with shared_server.client(Role.OPERATOR) as operator:
        walked: list[str] = []
        cursor = None
        while True:
            params = {"site": "exwalk", "limit": 333, **({"cursor": cursor} if cursor else {})}
            answer = operator.get("/api/v1/events", params=params).json()
            walked.extend(e["id"] for e in answer["events"])
            cursor = answer["next_cursor"]
            if cursor is None:
                break
    assert len(walked) == 10_000 and set(walked) == expected


def test_live_mode_prepends_new_events_and_pause_holds_them_with_a_count(
    shared_server: LiveServer, page: Page
) -> None:
    token = shared_server.add_site_with_device("exlive", "reader-1", DeviceKind.ACCESS_READER)
    sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exlive&range=15m")
    expect(page.locator("#ex-live-state")).to_have_text("Live: new events appear at the top")

    with device_client(shared_server, token) as reader:
        first = {
            "kind": "access.denied",
            "note": "first arrival",
            "attributes": {"credential": "pin"},
        }
        assert reader.post("/api/v1/events", json=[first]).status_code == 200
        expect(page.locator("#ex-rows tr")).to_have_count(1, timeout=8_000)
        expect(page.locator("#ex-rows tr").first).to_contain_text("first arrival")

        page.get_by_role("button", name="Pause").click()
        expect(page.locator("#ex-live-state")).to_have_text("Paused: new events wait here")
        second = {**first, "note": "second arrival"}
        assert reader.post("/api/v1/events", json=[second]).status_code == 200
        expect(page.locator("#ex-waiting")).to_have_text("1 new event waiting", timeout=8_000)
        expect(page.locator("#ex-rows tr")).to_have_count(1)

    page.get_by_role("button", name="Resume").click()
    expect(page.locator("#ex-rows tr")).to_have_count(2)
    expect(page.locator("#ex-rows tr").first).to_contain_text("second arrival")
    expect(page.locator("#ex-waiting")).to_have_text("")


def _post_person_event(server: LiveServer) -> str:
    token = server.add_site_with_device("exdetail", "reader-1", DeviceKind.ACCESS_READER)
    event = {
        "kind": "access.granted",
        "note": "night entry",
        "attributes": {"credential": "badge", "door": "north"},
        "personal": {"person_name": "Zhang Wei", "badge_id": "B-99812"},
    }
    with device_client(server, token) as reader:
        answer = reader.post("/api/v1/events", json=[event])
    assert answer.status_code == 200, answer.text
    return str(answer.json()["accepted"][0])


@pytest.fixture(scope="module")
def person_event(shared_server: LiveServer) -> str:
    return _post_person_event(shared_server)


def test_a_viewer_sees_personal_fields_hidden_and_no_way_to_open_them(
    shared_server: LiveServer, page: Page, person_event: str
) -> None:
    sign_in_as(page, shared_server, Role.VIEWER, "/events?site=exdetail")
    page.locator(f'#ex-rows tr[data-id="{person_event}"]').click()

    panel = page.locator("#ex-detail")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("night entry")
    expect(panel).to_contain_text("north")
    expect(panel).to_contain_text("your role may not open them")
    expect(panel.get_by_role("button", name="Show with purpose")).to_have_count(0)
    expect(panel).not_to_contain_text("Zhang")
    expect(panel).not_to_contain_text("Z**")


def test_an_operator_opens_personal_fields_masked_with_a_purpose_and_it_is_audited(
    shared_server: LiveServer, page: Page, person_event: str
) -> None:
    username = sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exdetail")
    row = page.locator(f'#ex-rows tr[data-id="{person_event}"]')
    row.focus()
    page.keyboard.press("Enter")  # the keyboard opens the detail too

    panel = page.locator("#ex-detail")
    expect(panel).to_contain_text("sealed and hidden")
    expect(panel).not_to_contain_text("Z**")
    panel.get_by_role("button", name="Show with purpose").click()
    panel.get_by_label("Purpose").select_option("Incident investigation")
    panel.get_by_label("Reference (incident or ticket number)").fill("INC-77")
    panel.get_by_role("button", name="Show", exact=True).click()

    expect(panel).to_contain_text("Z**** W**")  # initials: the operator's role sees masks
    expect(panel).to_contain_text("Shown masked for your role")
    expect(panel).not_to_contain_text("Zhang Wei")
    expect(panel).not_to_contain_text("B-99812")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    with shared_server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit", params={"limit": 1000}).json()["entries"]
    opened = [e for e in entries if e["actor"] == username and person_event in e["targets"]]
    assert [(e["action"], e["purpose"]) for e in opened] == [
        ("events.read", "Incident investigation: INC-77")
    ]


def test_an_admin_opens_personal_fields_in_full_with_a_purpose(
    shared_server: LiveServer, page: Page, person_event: str
) -> None:
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + "/events?site=exdetail")
    page.locator(f'#ex-rows tr[data-id="{person_event}"]').click()
    panel = page.locator("#ex-detail")
    expect(panel).not_to_contain_text("Zhang Wei")
    panel.get_by_role("button", name="Show with purpose").click()
    panel.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Choose a purpose first")
    panel.get_by_label("Purpose").select_option("Access dispute")
    panel.get_by_role("button", name="Show", exact=True).click()

    expect(panel).to_contain_text("Zhang Wei")
    expect(panel).to_contain_text("B-99812")
    expect(panel).to_contain_text("Shown in full")


def test_severity_and_telemetry_filters_of_the_events_api(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("exapi", "door-1", DeviceKind.DOOR_CONTACT)
    posted = [
        {"kind": "door.held_open", "attributes": {"open_seconds": 90}},
        {"kind": "door.held_open", "severity": "critical", "attributes": {"open_seconds": 900}},
        {"kind": "device.heartbeat", "attributes": {}},
    ]
    with device_client(shared_server, token) as door:
        assert door.post("/api/v1/events", json=posted).status_code == 200
    with shared_server.client(Role.VIEWER) as viewer:

        def kinds(**params: str) -> list[tuple[str, str]]:
            answer = viewer.get("/api/v1/events", params={"site": "exapi", **params})
            assert answer.status_code == 200, answer.text
            return [(e["kind"], e["severity"]) for e in answer.json()["events"]]

        assert kinds(severity="major") == [("door.held_open", "critical")]
        assert sorted(kinds(severity="minor")) == [
            ("door.held_open", "critical"),
            ("door.held_open", "minor"),
        ]
        assert len(kinds()) == 3
        assert [k for k, _ in kinds(telemetry="false")] == ["door.held_open"] * 2
        refused = viewer.get("/api/v1/events", params={"severity": "loud"})
    assert refused.status_code == 422
    assert "severity" in refused.text


@pytest.mark.parametrize(
    ("name", "width", "height"), [("explorer", 1400, 900), ("explorer-phone", 375, 812)]
)
def test_explorer_screenshots_fit_the_screen(
    shared_server: LiveServer, browser: Browser, tmp_path: Path, name: str, width: int, height: int
) -> None:
    send_one_of_everything(demo_simulator(shared_server, seed=21)[0])

    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_as(page, shared_server, Role.OPERATOR, f"/events?site={site.SITE_ID}")
        expect(page.locator("#ex-rows tr").first).to_be_visible()
        card = page.locator("#explorer")
        fits = card.evaluate(
            "c => c.scrollWidth <= c.clientWidth && c.getBoundingClientRect().right <= innerWidth"
        )
        assert fits, f"the explorer scrolls sideways at {width} px"
        keep(page, tmp_path / f"{name}.png")
        page.locator('#ex-rows tr[data-kind="access.granted"]').first.click()
        panel = page.locator("#ex-detail")
        panel.get_by_role("button", name="Show with purpose").click()
        expect(panel.get_by_label("Purpose")).to_be_focused()
        assert panel.evaluate("p => p.scrollWidth <= p.clientWidth")
        keep(page, tmp_path / f"{name}-detail.png")
    finally:
        context.close()


def keep(page: Page, path: Path) -> None:
    """A screenshot; with SITEWARDEN_CONSOLE_SCREENSHOTS=1, also docs/console's copy."""
    page.screenshot(path=str(path))
    if os.environ.get("SITEWARDEN_CONSOLE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / path.name).write_bytes(path.read_bytes())


def test_axe_finds_no_serious_or_critical_violation_in_list_or_detail(
    shared_server: LiveServer, page: Page, person_event: str
) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    sign_in_as(page, shared_server, Role.OPERATOR, "/events?site=exdetail")
    expect(page.locator("#ex-rows tr").first).to_be_visible()
    page.locator(f'#ex-rows tr[data-id="{person_event}"]').click()
    page.locator("#ex-detail").get_by_role("button", name="Show with purpose").click()

    results = axe.run(page)
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
