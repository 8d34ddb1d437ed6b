"""The garage page's lanes, occupancy and sessions in headless chromium against a real
server, in English and in Chinese: a car entering and leaving shows on its lanes with
its read and is paid from the page; a barred car refused at a lane shows the refusal
and why, its plate masked for a guard and in full for an administrator once a purpose
is stated; the occupancy of the last day is charted with the API's figures in its
table; a viewer sees no plate and no button. Each flow runs in both languages by its
English names (tests/console_words.py), and the Chinese run is checked with axe on the
screens its actions reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_console_garage import (
    DOCS,
    _audit,
    _garage,
    _lane,
    _show_plates,
    chinese_problems,
    decision_text,
    money_text,
    open_as,
)
from tests.test_garage_config_api import backdate_entry
from tests.test_parking_gates import TARIFF
from tests.test_web import browser, keep_screenshot, page

__all__ = ["browser", "page"]  # fixtures shared with tests/test_web.py
pytestmark = pytest.mark.slow


def _filled(template: str, **values: str) -> str:
    """A catalogue string with its ``{name}`` places filled, as common.js's t() does."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_car_entering_and_leaving_shows_on_its_lanes_with_its_read_and_is_paid_from_the_page(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    garage = _garage(shared_server)
    plate = {"en": "浙A·12345", "zh_CN": "浙A·23456"}[locale]
    guard = f"guard-ana-{locale.lower()}"
    open_as(page, shared_server, f"/garage?site={garage.site}", locale, guard)
    expect(page.get_by_role("heading", name=say("Garage"), exact=True)).to_be_visible()
    expect(page.locator("#site-zone")).to_contain_text("Asia/Shanghai")
    _show_plates(page, say("Gate operation"), say)

    entered = garage.read("gate-in", plate, confidence=0.97).json()
    assert entered["open"] is True
    lane_in = _lane(page, "gate-in")
    expect(lane_in.locator(".big-plate")).to_have_text("浙A·***")  # masked for an operator
    expect(lane_in.locator(".decision")).to_have_text(
        decision_text(locale, "entered", "ticketless entry", 97)
    )
    barrier = say("Barrier: {state}")
    expect(lane_in.locator(".gate-state")).to_have_text(_filled(barrier, state=say("open")))
    parked = _filled(say("vehicles parked: {occupied}"), occupied="1")
    expect(page.locator("#occupancy-now")).to_contain_text(parked)
    if locale != "en":  # the English run waits for the 10-second poll of the sessions
        page.get_by_role("button", name=say("Open"), exact=True).click()
    expect(page.locator("#sessions-table tbody tr")).to_have_count(1, timeout=15_000)
    expect(page.locator("#sessions-table tbody tr").first).to_contain_text("浙A·***")

    shut = garage.read("gate-out", plate, confidence=0.95).json()
    assert shut["open"] is False and shut["reason"] == "unpaid"
    five = money_text(locale, 500)
    lane_out = _lane(page, "gate-out")
    expect(lane_out.locator(".decision")).to_have_text(
        decision_text(locale, "kept in", "not paid", 95, five)
    )
    if locale != "en":
        page.get_by_role("button", name=say("Open"), exact=True).click()
    expect(lane_out.locator(".gate-state")).to_have_text(_filled(barrier, state=say("held shut")))
    unpaid = page.locator("#unpaid-table tbody tr")
    expect(unpaid).to_have_count(1, timeout=15_000)
    expect(unpaid.first).to_contain_text(five)
    if locale == "en":
        keep_screenshot(page, DOCS / "garage.png")

    unpaid.first.get_by_role("button", name=say("Record payment")).click()
    expect(page.locator("#pay-what")).to_contain_text(five)
    expect(page.get_by_label(say("Amount"))).to_have_value("5.00")
    page.get_by_label(say("Method")).select_option("qr")
    page.get_by_label(say("Receipt or reference")).fill("qr-7781")
    if locale != "en":
        assert chinese_problems(page) == [], "the payment dialog"
    page.get_by_role("button", name=say("Record payment")).last.click()
    paid = _filled(say("Payment recorded: {amount}"), amount=five)
    expect(page.locator("#garage-status")).to_contain_text(paid)

    left = garage.read("gate-out", plate, confidence=0.96).json()
    assert left["open"] is True and left["reason"] == "paid" and left["fee_minor"] == 500
    expect(lane_out.locator(".decision")).to_have_text(
        decision_text(locale, "left", "paid", 96, five)
    )
    expect(lane_out.locator(".gate-state")).to_have_text(_filled(barrier, state=say("open")))
    page.get_by_role("button", name=say("Closed"), exact=True).click()
    closed = page.locator("#sessions-table tbody tr")
    expect(closed).to_have_count(1)
    expect(closed.first).to_contain_text(say("left") + " · " + say("paid"))
    if locale != "en":
        assert chinese_problems(page) == [], "the lanes and closed sessions after the exit"

    reads = _audit(shared_server, "parking.lanes.read", garage.site)
    # the purpose as the guard chose it, in the page's language
    assert reads and all(entry["purpose"] == "Gate operation" for entry in reads)
    # Plates opened only when a new vehicle appeared, not on every 3-second poll.
    assert len(reads) <= 4, reads


def test_a_stay_in_a_yen_garage_is_paid_in_whole_yen(shared_server: LiveServer, page: Page) -> None:
    """The yen has no minor unit: 500 due is offered as "500", the amount steps (and
    starts) at one yen so the form takes it, and 500 is recorded, not 50000."""
    garage = _garage(shared_server)
    yen = {**TARIFF, "currency": "JPY"}
    assert garage.admin("PUT", "/garages/garage/tariff", json=yen).status_code == 200
    plate = "浙A·50500"
    assert garage.read("gate-in", plate).json()["open"] is True
    shut = garage.read("gate-out", plate).json()
    assert shut["open"] is False and shut["due_minor"] == 500

    open_as(page, shared_server, f"/garage?site={garage.site}", "en", "guard-yui")
    unpaid = page.locator("#unpaid-table tbody tr")
    expect(unpaid).to_have_count(1)
    expect(unpaid.first).to_contain_text("¥500")
    unpaid.first.get_by_role("button", name="Record payment").click()
    amount = page.get_by_label("Amount")
    expect(amount).to_have_value("500")
    expect(amount).to_have_attribute("step", "1")
    page.get_by_label("Receipt or reference").fill("cash-500")
    page.get_by_role("button", name="Record payment").last.click()
    expect(page.locator("#garage-status")).to_contain_text("Payment recorded: ¥500")

    left = garage.read("gate-out", plate).json()
    assert left["open"] is True and left["fee_minor"] == 500


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_barred_car_refused_at_a_lane_shows_why_masked_for_a_guard_in_full_for_an_admin(
    shared_server: LiveServer, page: Page, browser: Browser, locale: str
) -> None:
    """The guard at a refused barred car sees the refusal and its reason on the lane,
    and which plate it was: masked once the guard states a purpose, in full for a role
    that may see it, each opening audited."""
    say = words(locale)
    garage = _garage(shared_server)
    plate, full = {"en": ("苏E·77701", "苏E77701"), "zh_CN": ("苏E·77702", "苏E77702")}[locale]
    barred = {"plate": plate, "list": "deny", "reason": "stolen"}
    assert garage.admin("POST", "/lists", json=barred).status_code == 201
    refused = garage.read("gate-in", plate, confidence=0.98).json()
    assert refused["open"] is False and refused["reason"] == "deny_list"

    guard = f"guard-ida-{locale.lower()}"
    open_as(page, shared_server, f"/garage?site={garage.site}", locale, guard)
    lane = _lane(page, "gate-in")
    why = decision_text(locale, "refused", "deny list", 98)
    expect(lane.locator(".decision")).to_have_text(why)
    held = _filled(say("Barrier: {state}"), state=say("held shut"))
    expect(lane.locator(".gate-state")).to_have_text(held)
    expect(lane.locator(".big-plate")).to_have_text("•••")  # not opened before a purpose
    _show_plates(page, say("Incident investigation"), say)
    expect(lane.locator(".big-plate")).to_have_text("苏E·***")
    assert full not in page.content()
    if locale != "en":
        assert chinese_problems(page) == [], "the refused lane, plates shown"

    admin = browser.new_context(viewport={"width": 1400, "height": 900})
    admin.set_default_timeout(10_000)
    try:
        other = admin.new_page()
        open_as(other, shared_server, f"/garage?site={garage.site}", locale)
        card = _lane(other, "gate-in")
        expect(card.locator(".decision")).to_have_text(why)
        expect(card.locator(".big-plate")).to_have_text("•••")
        _show_plates(other, say("Incident investigation"), say)
        expect(card.locator(".big-plate")).to_have_text(full)
        if locale == "en":
            keep_screenshot(other, DOCS / "garage-lane-refused.png")
    finally:
        admin.close()
    reads = _audit(shared_server, "parking.lanes.read", garage.site)
    assert {(e["actor"], e["purpose"]) for e in reads} == {
        (guard, "Incident investigation"),  # in English whatever the language on screen
        ("admin", "Incident investigation"),
    }


def test_the_occupancy_of_the_last_day_is_charted_with_the_apis_figures_in_its_table(
    shared_server: LiveServer, page: Page
) -> None:
    garage = _garage(shared_server)
    early = garage.read("gate-in", "晋A·10001", confidence=0.99).json()["session_id"]
    backdate_entry(shared_server, early, datetime.now(UTC) - timedelta(hours=3, minutes=10))
    garage.read("gate-in", "晋A·10002", confidence=0.99)
    open_as(page, shared_server, f"/garage?site={garage.site}", "en", "guard-olga")
    rows = page.locator("#occupancy-table tbody tr")
    expect(rows.last).to_contain_text("2")
    now = datetime.now(UTC)
    series = garage.admin(
        "GET",
        "/garages/garage/occupancy",
        params={
            "since": (now - timedelta(hours=24)).isoformat(),
            "until": now.isoformat(),
            "step_minutes": 30,
        },
    ).json()
    figures = [point["occupied"] for point in series]
    assert figures[-1] == 2 and figures.count(0) > 40 and 1 in figures  # the early car first
    page.get_by_text("The same figures as a table").click()
    expect(rows).to_have_count(len(figures))
    shown = [int(text) for text in rows.locator("td:nth-child(3)").all_inner_texts()]
    assert shown == figures
    [now_in] = garage.admin("GET", "/occupancy").json()
    expect(rows.first.locator("td").nth(1)).to_have_text(now_in["name"])
    drawn = page.evaluate(
        "() => { const chart = Chart.getChart(document.getElementById('occupancy-chart'));"
        " return chart ? {data: chart.data.datasets.map((d) => d.data),"
        " width: chart.width, height: chart.height} : null; }"
    )
    assert drawn is not None, "no chart on the canvas"
    assert drawn["data"] == [figures] and drawn["width"] > 100 and drawn["height"] > 50


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_viewer_sees_no_plate_and_no_buttons(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    garage = _garage(shared_server)
    plate = {"en": "浙A·12345", "zh_CN": "浙A·34567"}[locale]
    garage.read("gate-in", plate, confidence=0.99)
    garage.read("gate-out", plate, confidence=0.99)  # unpaid: kept in
    viewer = f"viewer-fay-{locale.lower()}"
    open_as(page, shared_server, f"/garage?site={garage.site}", locale, viewer, Role.VIEWER)
    hidden = say("Plates are hidden for your role.")
    expect(page.locator("#plates-hidden-note")).to_have_text(hidden)
    expect(_lane(page, "gate-in").locator(".big-plate")).to_have_text("•••")
    expect(_lane(page, "gate-out").locator(".decision")).to_have_text(
        decision_text(locale, "kept in", "not paid", 99, money_text(locale, 500))
    )
    expect(page.locator("#unpaid-table tbody tr")).to_have_count(1)
    expect(page.locator("#sessions-table tbody tr")).to_have_count(1)
    expect(page.locator("#sessions-table tbody tr").first).to_contain_text("•••")
    assert plate[-5:] not in page.content() and "浙A" not in page.content()
    expect(page.get_by_role("button", name=say("Open by hand"))).to_have_count(0)
    expect(page.get_by_role("button", name=say("Record payment"))).to_have_count(0)
    expect(page.get_by_role("button", name=say("Show plates"))).to_have_count(0)
    expect(page.locator('#site-nav a[href="/garage/reviews"]')).to_have_count(0)
    if locale != "en":
        assert chinese_problems(page) == [], "the garage page for a viewer"
    assert page.goto(shared_server.url + "/garage/reviews").status == 403  # type: ignore[union-attr]
    assert _audit(shared_server, "parking.lanes.read", garage.site) == []
