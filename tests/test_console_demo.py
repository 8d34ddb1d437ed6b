"""The demo in the console: ``sitewarden demo --fast`` (the real command, as in
tests/test_demo.py) with its administrator signed in through the browser. The garage's
lanes show the demo's reads and decisions with their frames and a new car arrives
without a reload; the doors page shows reader decisions arriving live and a door held
open; the overview and attendance show the demo's figures. Every check is against the
API's own answers at the time, never a number known in advance.

Set SITEWARDEN_DOCS_SCREENSHOTS=1 to write docs/console/demo-overview.png,
demo-garage.png, demo-doors.png and demo-attendance.png again.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from sitewarden.demo import site
from sitewarden.demo.garage_frames import available_fonts
from sitewarden.demo.live_site import FAST, NORMAL
from sitewarden.demo.traffic import activity_at
from tests.conftest import free_port
from tests.test_console_foundation import docs_screenshot
from tests.test_demo import DemoProcess, _banner, _signed_in
from tests.test_web import browser, keep_screenshot, submit_sign_in

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

SITE = site.SITE_ID
ZONE = ZoneInfo(site.SITE_TIMEZONE)
PURPOSE = "Gate operation"
PARKING = f"/api/v1/parking/sites/{SITE}"
# What a lane card calls each decision (static/garage.js, KIND).
KIND_WORDS = {
    "parking.entry": "entered",
    "parking.exit": "left",
    "parking.denied": "refused",
    "parking.unpaid_exit": "kept in",
    "plate.read": "read unsure",
    "parking.manual_open": "opened by hand",
}
SAME_DOCUMENT = "window.sitewardenDemoTest === true"  # set once; a reload would drop it
T = TypeVar("T")


class Demo(NamedTuple):
    url: str
    password: str
    admin: httpx.Client  # the demo administrator's API session


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    process = DemoProcess(tmp_path_factory.mktemp("demo") / "data", free_port(), "--fast")
    try:
        url, password = _banner(process.wait_for("Ctrl-C to stop", timeout=120))
        with _signed_in(url, password) as admin:
            yield Demo(url, password, admin)
        assert process.stop(signal.SIGINT) == 0, "".join(process.output)
    finally:
        process.kill()


@pytest.fixture(scope="module")
def page(browser: Browser, demo: Demo) -> Iterator[Page]:
    """The demo administrator, signed in through the form once for the whole module."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    opened = context.new_page()
    opened.goto(demo.url + "/")
    submit_sign_in(opened, "admin", demo.password)
    expect(opened.get_by_role("button", name="Sign out")).to_be_visible()
    yield opened
    context.close()


def eventually(read: Callable[[], T], done: Callable[[T], bool], what: str, wait: float = 60) -> T:
    """``read()`` every second until ``done`` says yes: the demo keeps going."""
    deadline = time.monotonic() + wait
    value = read()
    while not done(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"the demo never showed {what}: {value!r}")
        time.sleep(1)
        value = read()
    return value


def site_time(at: str) -> str:
    """An API time as the pages write it, in the site's timezone, to the second."""
    return datetime.fromisoformat(at).astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")


def shots(page: Page, name: str, tmp_path: Path) -> None:
    docs_screenshot(page, name)  # with SITEWARDEN_DOCS_SCREENSHOTS=1
    keep_screenshot(page, tmp_path / f"{name}.png")


def test_the_fast_demo_keeps_its_peak_pace_in_the_sites_night() -> None:
    night = datetime(2026, 11, 23, 3, 0, tzinfo=ZONE)
    assert FAST.busyness(activity_at(night)) == 1.0  # a test run at any hour sees cars
    assert NORMAL.busyness(activity_at(night)) == 0.15  # the demo itself sleeps at night
    assert NORMAL.busyness(activity_at(datetime(2026, 11, 23, 8, 0, tzinfo=ZONE))) == 1.0


# --- the garage ----------------------------------------------------------------------------
def _lanes(admin: httpx.Client) -> list[dict[str, Any]]:
    answer = admin.get(f"{PARKING}/lanes/status", params={"purpose": PURPOSE, "decisions": 20})
    assert answer.status_code == 200, answer.text
    lanes: list[dict[str, Any]] = answer.json()
    return lanes


CARD = """card => {
  const text = (selector) => (card.querySelector(selector) || {}).textContent || "";
  return {
    device: card.dataset.device, plate: text(".big-plate"),
    when: text(".latest .muted"), line: text(".latest .decision"),
  };
}"""  # one read of a lane card: the page may redraw it between two reads


def _latest(card: Locator) -> dict[str, str]:
    shown: dict[str, str] = card.evaluate(CARD)
    return shown


def _check_lane_card(card: Locator, admin: httpx.Client) -> None:
    """The card's last decision is one the API answers for that lane (asked just after
    the page was read): its plate, its time, what happened and the read's confidence."""
    shown = _latest(card)
    [lane] = [lane for lane in _lanes(admin) if lane["device_id"] == shown["device"]]
    matches = [
        d
        for d in lane["decisions"]
        if d["plate"] == shown["plate"] and site_time(d["at"]) in shown["when"]
    ]
    assert matches, f"the page shows {shown}, the API {lane['decisions']}"
    decision = matches[0]
    assert shown["line"].startswith(KIND_WORDS[decision["kind"]]), (shown, decision)
    if decision["confidence"] is not None:
        confidence = f"confidence {int(decision['confidence'] * 100 + 0.5)}%"
        assert confidence in shown["line"], (shown, decision)


def test_the_garage_shows_the_demo_lanes_reads_and_frames_and_new_cars_without_reload(
    demo: Demo, page: Page, tmp_path: Path
) -> None:
    lanes = eventually(
        lambda: _lanes(demo.admin),
        lambda lanes: bool(lanes) and all(lane["decisions"] for lane in lanes),
        "a decision at every lane",
    )
    page.goto(f"{demo.url}/garage?site={SITE}")
    page.get_by_label("Show plates for").select_option(PURPOSE)
    page.get_by_role("button", name="Show plates").click()
    page.evaluate("window.sitewardenDemoTest = true")
    cards = page.locator("#lanes li[data-device]")
    expect(cards).to_have_count(len(lanes))
    for lane in lanes:
        card = page.locator(f'#lanes li[data-device="{lane["device_id"]}"]')
        expect(card.locator("h3")).to_have_text(lane["name"])
        expect(card.locator(".gate-state")).to_have_attribute(
            "data-state", re.compile("^(open|closed|held)$")
        )
        expect(card.locator(".big-plate")).not_to_have_text(re.compile("^(•••|—)?$"))
        if available_fonts():  # the cameras post frames (without the font, plate text)
            frame = card.locator(".lane-frame img")
            expect(frame).to_be_visible()
            assert frame.evaluate("image => image.complete && image.naturalWidth > 0")
            expect(card.locator(".lane-frame .plate-box")).to_have_count(1)
        _check_lane_card(card, demo.admin)
    shots(page, "demo-garage", tmp_path)

    # A new car on a lane, on the same page: no reload (the page's marker is still set).
    before = {shown["device"]: shown for shown in (_latest(card) for card in cards.all())}
    moved = eventually(
        lambda: [
            now["device"] for now in map(_latest, cards.all()) if now != before[now["device"]]
        ],
        bool,
        "a new car at a lane without a reload",
    )
    assert page.evaluate(SAME_DOCUMENT)
    _check_lane_card(page.locator(f'#lanes li[data-device="{moved[0]}"]'), demo.admin)


# --- the doors -----------------------------------------------------------------------------
def _doors(admin: httpx.Client) -> dict[str, Any]:
    answer = admin.get(f"/api/v1/access/sites/{SITE}/doors", params={"limit": 200})
    assert answer.status_code == 200, answer.text
    doors: dict[str, Any] = answer.json()
    return doors


def _decision_words(decision: dict[str, Any]) -> str:
    return "granted" if decision["granted"] else "denied: "


def test_the_doors_show_the_demo_reader_decisions_arriving_live_and_a_door_held_open(
    demo: Demo, page: Page, tmp_path: Path
) -> None:
    eventually(lambda: _doors(demo.admin), lambda doors: bool(doors["doors"]), "a door state")
    page.goto(f"{demo.url}/doors?site={SITE}")
    page.evaluate("window.sitewardenDemoTest = true")
    rows = page.locator("#dr-decision-rows tr[data-event]")
    expect(rows.first).to_be_visible()
    shown = rows.evaluate_all("rows => rows.map(row => row.dataset.event)")
    decisions = {d["event_id"]: d for d in _doors(demo.admin)["decisions"]}
    assert shown and set(shown) <= set(decisions)
    for event_id in shown[:5]:
        decision = decisions[event_id]
        cell = page.locator(f'#dr-decision-rows tr[data-event="{event_id}"] td').last
        expect(cell).to_have_class("granted" if decision["granted"] else "denied")
        expect(cell).to_contain_text(_decision_words(decision))
    # The doors held open or forced: each one the API named when the page was opened.
    states = _doors(demo.admin)["doors"]
    for state in states:
        expect(page.locator("#dr-state-rows")).to_contain_text(state["door"] or state["device_id"])
    expect(page.locator("#dr-state-rows")).to_contain_text(re.compile("held open|forced open"))
    shots(page, "demo-doors", tmp_path)

    # A decision made after the page was read appears on it, without a reload.
    new = eventually(
        lambda: [d for d in _doors(demo.admin)["decisions"] if d["event_id"] not in shown],
        bool,
        "a new reader decision",
    )[-1]
    row = page.locator(f'#dr-decision-rows tr[data-event="{new["event_id"]}"]')
    expect(row.locator("td").last).to_contain_text(_decision_words(new))
    assert page.evaluate(SAME_DOCUMENT)


# --- the overview and attendance ---------------------------------------------------------------
def _overview(admin: httpx.Client) -> dict[str, Any]:
    answer = admin.get(f"/api/v1/sites/{SITE}/overview")
    assert answer.status_code == 200, answer.text
    overview: dict[str, Any] = answer.json()
    return overview


FACTS = """dl => Object.fromEntries([...dl.querySelectorAll("dt")].map(
  dt => [dt.textContent, dt.nextElementSibling.textContent]))"""


def _facts(page: Page, holder: str) -> dict[str, str]:
    facts: dict[str, str] = page.locator(holder).evaluate(FACTS)
    return facts


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_overview_and_attendance_show_the_demo_figures(
    demo: Demo, page: Page, tmp_path: Path
) -> None:
    eventually(
        lambda: _overview(demo.admin),
        lambda o: o["parking"]["entries_today"] > 0 and o["doors"]["denied_today"] > 0,
        "entries and denials today",
    )
    before = _overview(demo.admin)
    page.goto(f"{demo.url}/overview?site={SITE}")
    expect(page.locator("#overview-status")).to_have_attribute("data-at", re.compile("."))
    expect(page.locator("#occupancy-now tr").first).to_be_visible()
    parking, doors = _facts(page, "#parking-facts"), _facts(page, "#door-facts")
    occupancy_rows = page.locator("#occupancy-now tr").count()
    after = _overview(demo.admin)
    # Each figure the page shows lies between the API's answers before and after it.
    for label, key in (("Entries today", "entries_today"), ("Exits today", "exits_today")):
        assert before["parking"][key] <= _number(parking[label]) <= after["parking"][key], label
    for label, key in (("Granted", "granted_today"), ("Denied", "denied_today")):
        assert before["doors"][key] <= _number(doors[label]) <= after["doors"][key], label
    assert _number(parking["Entries today"]) > 0 and _number(doors["Denied"]) > 0
    assert 0 < occupancy_rows <= len(after["occupancy"])
    shots(page, "demo-overview", tmp_path)

    page.goto(f"{demo.url}/attendance?site={SITE}")
    expect(page.locator("#at-summary")).not_to_be_empty()
    query = {
        "since": page.locator("#at-since").input_value(),
        "until": page.locator("#at-until").input_value(),
        "group": page.locator("#at-group").input_value(),
        "late_after": page.locator("#at-late").input_value(),
    }

    def reported() -> set[tuple[str, str]]:
        answer = demo.admin.get(f"/api/v1/access/sites/{SITE}/attendance", params=query)
        assert answer.status_code == 200, answer.text
        return {(day["person_ref"], day["day"]) for day in answer.json()["days"]}

    earlier = eventually(reported, bool, "staff attendance")
    with page.expect_response(lambda answer: "/attendance?" in answer.url):
        page.locator("#at-show").click()
    rows = page.locator("#at-day-rows tr").evaluate_all(
        "rows => rows.map(row => [row.dataset.person, row.dataset.day])"
    )
    later = reported()
    assert earlier <= {(person, day) for person, day in rows} <= later
    shots(page, "demo-attendance", tmp_path)
