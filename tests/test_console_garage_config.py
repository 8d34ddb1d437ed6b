"""The garage's set-up pages in a real browser (Debian's chromium) against a real server:
a permit added on the lists page lets a car in at the gate; a tariff edited on the
tariffs page previews the very fee the exit gate then asks; a CSV import with one bad row
is refused whole and a good one round-trips through the export; the revenue page shows
the API's figures; a viewer sees masked plates and no buttons to change anything; axe,
Chinese and a 375 px phone on each page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_console_foundation import VISIBLE_TEXT, docs_screenshot, untranslated
from tests.test_console_garage import chinese_problems, decision_text, open_as
from tests.test_console_i18n import extracted_messages
from tests.test_garage_config_api import HEADER, backdate_entry
from tests.test_parking_gates import TARIFF, Garage
from tests.test_web import browser, keep_screenshot, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py

pytestmark = pytest.mark.slow

SHANGHAI = ZoneInfo("Asia/Shanghai")  # add_site_with_device's sites are there
PASSWORD = "garage-config-test-password-1"
SHOTS = Path(os.environ.get("SITEWARDEN_SCREENSHOT_DIR") or "/tmp")
PAGES = ("/garage/lists", "/garage/tariffs", "/garage/revenue")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # A browser far from every site: times must follow the site, not the browser.
    context = browser.new_context(
        viewport={"width": 1300, "height": 900},
        timezone_id="America/New_York",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def wall(moment: datetime) -> str:
    """A datetime-local input's value: the site's wall clock, to the minute."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def as_admin(page: Page, server: LiveServer, path: str, locale: str = "en") -> None:
    open_as(page, server, path, locale)


def site_for(name: str, locale: str) -> str:
    """A site of its own for each language's run of a flow (one server for all)."""
    return f"{name}-{locale.split('_')[0]}"


def wait_loaded(page: Page, root: str) -> None:
    expect(page.locator(f"#{root}")).to_have_attribute("data-loaded", re.compile("."))


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_permit_added_on_the_page_lets_the_car_in_at_the_gate(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    site = site_for("gcp-permit", locale)
    plate, typed = {"en": ("沪C·66666", "沪C66666"), "zh_CN": ("沪C·66677", "沪C66677")}[locale]
    garage = Garage(shared_server, site)
    as_admin(page, shared_server, f"/garage/lists?site={site}", locale)
    wait_loaded(page, "lists-page")
    expect(page.locator("#rules-summary")).to_have_text(say("No list entries or permits yet."))
    expect(page.locator("#site-timezone")).to_contain_text("Asia/Shanghai")
    now = datetime.now(UTC)
    page.get_by_label(say("Type")).select_option("permit")
    page.get_by_label(say("Plate"), exact=True).fill(plate)
    page.locator("#rule-garage").select_option("garage")
    page.get_by_label(say("Permit kind")).select_option("resident")
    page.get_by_label(say("Valid from (site's time)")).fill(wall(now - timedelta(hours=1)))
    page.get_by_label(say("Valid until (site's time)")).fill(wall(now + timedelta(days=30)))
    page.locator("#rule-reason").fill("new resident, flat 12")
    page.get_by_role("button", name=say("Add"), exact=True).click()
    row = page.locator("#rules tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(plate[:3] + "***")
    expect(row).to_contain_text(say("Resident"))
    expect(row).to_have_attribute("data-state", "active")
    if locale == "en":
        keep_screenshot(page, SHOTS / "garage-lists-permit.png")

    decision = garage.read("gate-in", typed, confidence=0.99).json()
    assert decision["open"] is True and decision["reason"] == "permit"
    rule_id = row.get_attribute("data-id")
    created = [e for e in shared_server.audit_entries() if rule_id in e["targets"]]
    assert [(e["action"], e["purpose"]) for e in created] == [
        ("parking.vehicle_rules.create", "new resident, flat 12")
    ]  # read before the edit below, which adds its own entry

    row.get_by_role("button", name=say("Edit")).click()
    expect(page.get_by_label(say("Plate"), exact=True)).to_be_disabled()
    expect(page.get_by_label(say("Valid from (site's time)"))).to_have_value(
        wall(now - timedelta(hours=1))
    )  # the stored window, back on the site's wall clock
    page.get_by_label(say("Permit kind")).select_option("staff")
    page.get_by_label(say("Valid until (site's time)")).fill(wall(now + timedelta(days=7)))
    page.locator("#rule-reason").fill("now a caretaker")
    page.get_by_role("button", name=say("Save changes")).click()
    expect(row).to_contain_text(say("Staff"))
    shown = "%Y-%m-%d %H:%M" if locale == "en" else "%Y/%m/%d %H:%M"  # Intl's, by language
    until = (now + timedelta(days=7)).astimezone(SHANGHAI).strftime(shown)
    expect(row).to_contain_text(until)
    [stored] = garage.admin("GET", "/vehicle-rules").json()
    assert stored["permit_kind"] == "staff"
    assert stored["valid_until"].startswith(
        (now + timedelta(days=7)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    )

    row.get_by_role("button", name=say("Expire")).click()
    page.locator("#reason-input").fill("moved out")
    page.locator("#confirm-reason").click()
    expect(row).to_have_attribute("data-state", "expired")
    expect(row.get_by_role("button", name=say("Expire"))).to_be_disabled()
    expect(row).to_contain_text(say("expired"))
    if locale != "en":
        assert chinese_problems(page) == [], "the lists after the permit expired"

    # The lane where the permit let the car in says so.
    page.goto(f"{shared_server.url}/garage?site={site}")
    lane = page.locator('#lanes li[data-device="gate-in"]')
    expect(lane.locator(".decision")).to_have_text(decision_text(locale, "entered", "permit", 99))
    if locale != "en":
        assert chinese_problems(page) == [], "the lane the permit opened"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_tariff_edited_on_the_page_previews_the_fee_the_gate_then_asks(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    site = site_for("gcp-tariff", locale)
    plate = {"en": "浙A·12321", "zh_CN": "浙A·12432"}[locale]
    garage = Garage(shared_server, site)
    as_admin(page, shared_server, f"/garage/tariffs?site={site}", locale)
    wait_loaded(page, "tariffs-page")
    expect(page.locator("#tariff-hourly")).to_have_value("5.00")  # Garage's own tariff
    page.get_by_label(say("Per started hour"), exact=True).fill("8.00")
    page.get_by_label(say("Night rate per started hour (empty: none)")).fill("3.00")
    page.get_by_label(say("Night starts (site's time)")).fill("22:00")
    page.get_by_label(say("Night ends (site's time)")).fill("07:00")
    page.get_by_label(say("Daily cap (empty: none)")).fill("60.00")
    page.get_by_role("button", name=say("Save tariff")).click()
    expect(page.locator("#save-state")).to_have_text(say("Saved."))
    saved = garage.admin("GET", "/garages/garage/tariff").json()
    assert (saved["hourly_minor"], saved["night_hourly_minor"], saved["daily_cap_minor"]) == (
        800,
        300,
        6000,
    )

    session = garage.read("gate-in", plate).json()["session_id"]
    entry = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=27, minutes=30)
    backdate_entry(shared_server, session, entry)
    asked = garage.read("gate-out", plate).json()
    assert asked["open"] is False and asked["due_minor"] > 0

    left = datetime.now(UTC)
    page.get_by_label(say("Entry (site's time)")).fill(wall(entry))
    page.get_by_label(say("Exit (site's time)")).fill(wall(left))
    page.get_by_role("button", name=say("Preview the fee")).click()
    total = page.locator("#preview-total")
    expect(total).to_have_attribute("data-minor", str(asked["due_minor"]))
    # The hours of a 27½-hour stay start on two or three days in Shanghai, by the hour
    # the test runs; the form takes the exit to the minute.
    until = left.replace(second=0, microsecond=0)
    starts = (entry + timedelta(hours=k) for k in range(40))
    days = len({s.astimezone(SHANGHAI).date() for s in starts if s < until})
    expect(page.locator("#preview-days tbody tr")).to_have_count(days)
    expect(page.locator("#preview-notes")).to_contain_text(
        say("The stay crosses midnight: each calendar day is counted, and capped, on its own.")
    )
    if locale == "en":
        keep_screenshot(page, SHOTS / "garage-tariffs-preview.png")
        docs_screenshot(page, "garage-tariffs-preview")
    else:
        assert chinese_problems(page) == [], "the tariff's preview"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_the_preview_of_a_stay_over_the_clock_change_notes_it_and_the_cap_where_it_bit(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    """In Berlin the clocks went back at 03:00 on 25 October 2026: a stay from 20:00 to
    10:00 the next morning is 15 hours, not the 14 the clock shows. 8.00 an hour with a
    cap of 33.00 a day: four hours the first evening (32.00, under the cap), eleven
    started hours the next day (88.00, capped to 33.00)."""
    say = words(locale)
    site = site_for("gcp-dst", locale)
    garage = Garage(shared_server, site)
    with shared_server.client() as admin:
        moved = admin.patch(f"/api/v1/sites/{site}", json={"timezone": "Europe/Berlin"})
        assert moved.status_code == 200, moved.text
    tariff = {**TARIFF, "hourly_minor": 800, "daily_cap_minor": 3300}
    assert garage.admin("PUT", "/garages/garage/tariff", json=tariff).status_code == 200
    fee = garage.admin(
        "GET",
        "/garages/garage/fee-preview",
        params={"entry_at": "2026-10-24T18:00:00Z", "exit_at": "2026-10-25T09:00:00Z"},
    ).json()
    assert fee["fee_minor"] == 3200 + 3300 and fee["clock_change_minutes"] != 0

    as_admin(page, shared_server, f"/garage/tariffs?site={site}", locale)
    wait_loaded(page, "tariffs-page")
    expect(page.locator("#site-timezone")).to_contain_text("Europe/Berlin")
    page.get_by_label(say("Entry (site's time)")).fill("2026-10-24T20:00")
    page.get_by_label(say("Exit (site's time)")).fill("2026-10-25T10:00")
    page.get_by_role("button", name=say("Preview the fee")).click()
    expect(page.locator("#preview-total")).to_have_attribute("data-minor", str(fee["fee_minor"]))
    notes = page.locator("#preview-notes li")
    clocks = say(
        "The clocks change during this stay ({minutes} min): hours are billed as time that "
        "passed, not as the clock shows."
    ).replace("{minutes}", str(fee["clock_change_minutes"]))
    stay = say("Stay of {hours} h {minutes} min.").replace("{hours}", "15")
    expect(notes).to_have_text(
        [
            stay.replace("{minutes}", "0"),
            say("The stay crosses midnight: each calendar day is counted, and capped, on its own."),
            say("The daily cap applies on at least one day."),
            clocks,
        ]
    )
    days = page.locator("#preview-days tbody tr")
    expect(days).to_have_count(2)
    expect(days.nth(0)).not_to_have_class("capped")
    expect(days.nth(1)).to_have_class("capped")
    expect(days.nth(1).locator("td").nth(1)).to_have_text("11")  # 00:00 to 10:00, 11 hours
    expect(days.nth(1).locator("td").nth(4)).to_contain_text(say("capped"))
    if locale != "en":
        assert chinese_problems(page) == [], "the preview over the clock change"


def test_a_yen_tariff_is_typed_stored_and_previewed_in_whole_yen(
    shared_server: LiveServer, page: Page
) -> None:
    """The yen has no minor unit: hourly_minor 500 is 500 yen, typed and shown as "500"
    (not "5.00", and "500" typed is not stored as 50000), the amounts step by one yen,
    and a fee is previewed as yen without decimals."""
    garage = Garage(shared_server, "gcp-yen")
    yen = {**TARIFF, "currency": "JPY", "hourly_minor": 400, "daily_cap_minor": 3000}
    assert garage.admin("PUT", "/garages/garage/tariff", json=yen).status_code == 200

    as_admin(page, shared_server, "/garage/tariffs?site=gcp-yen")
    wait_loaded(page, "tariffs-page")
    hourly = page.get_by_label("Per started hour", exact=True)
    expect(hourly).to_have_value("400")
    expect(page.get_by_label("Daily cap (empty: none)")).to_have_value("3000")
    expect(page.get_by_label("Lost ticket")).to_have_value("8000")
    expect(hourly).to_have_attribute("step", "1")
    hourly.fill("500")
    page.get_by_role("button", name="Save tariff").click()
    expect(page.locator("#save-state")).to_have_text("Saved.")
    saved = garage.admin("GET", "/garages/garage/tariff").json()
    assert (saved["currency"], saved["hourly_minor"], saved["daily_cap_minor"]) == (
        "JPY",
        500,
        3000,
    )
    page.reload()
    wait_loaded(page, "tariffs-page")
    expect(hourly).to_have_value("500")

    page.get_by_label("Entry (site's time)").fill("2026-12-04T09:00")
    page.get_by_label("Exit (site's time)").fill("2026-12-04T11:30")
    page.get_by_role("button", name="Preview the fee").click()
    total = page.locator("#preview-total")
    expect(total).to_have_attribute("data-minor", "1500")  # three hours started
    expect(total).to_have_text("¥1,500")
    expect(page.locator("#preview-days tbody tr td").nth(3)).to_have_text("¥1,500")


def test_a_csv_with_a_bad_row_is_refused_whole_and_a_good_one_round_trips(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    garage = Garage(shared_server, "gcp-csv")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "deny,京A·12345,garage,,gate damage,,\n"
        + "permit,京A·23456,garage,resident,,2026-12-01T00:00:00Z,\n",
        encoding="utf-8",
    )
    good = (
        HEADER
        + "allow,京A·12345,garage,,contractor van,2026-12-01T00:00:00Z,2027-01-01T00:00:00Z\n"
        + "deny,京A·34567,,,gate damage,,\n"
        + "permit,京A·45678,garage,staff,,2026-12-01T00:00:00Z,2027-01-01T00:00:00Z\n"
    )
    good_file = tmp_path / "good.csv"
    good_file.write_text(good, encoding="utf-8")

    as_admin(page, shared_server, "/garage/lists?site=gcp-csv")
    wait_loaded(page, "lists-page")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.locator("#import-reason").fill("monthly update")
    page.get_by_role("button", name="Import", exact=True).click()
    problems = page.locator("#import-problem-list li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_have_attribute("data-line", "3")
    expect(problems.first).to_contain_text("valid_from and valid_until")
    expect(page.locator("#import-problems-title")).to_contain_text("Nothing was imported")
    keep_screenshot(page, SHOTS / "garage-lists-import-refused.png")
    assert garage.admin("GET", "/vehicle-rules").json() == []

    page.get_by_label("CSV file").set_input_files(str(good_file))
    page.locator("#import-reason").fill("monthly update")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-state")).to_have_text("Imported 3 rows.")
    expect(page.locator("#import-problems")).to_be_hidden()
    expect(page.locator("#rules tr")).to_have_count(3)

    page.locator("#export-purpose").select_option(index=1)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == good
    page.evaluate("window.scrollTo(0, 0)")
    docs_screenshot(page, "garage-lists")


def test_the_revenue_page_shows_the_apis_figures_and_its_csv(
    shared_server: LiveServer, page: Page
) -> None:
    garage = Garage(shared_server, "gcp-revenue")
    for number, plate in enumerate(("鲁B·20001", "鲁B·20002", "鲁B·20003")):
        session = garage.read("gate-in", plate).json()["session_id"]
        payment = {
            "amount_minor": 1250 + number,
            "currency": "CNY",
            "method": "card",
            "reference": f"p-{number}",
        }
        with shared_server.client(Role.OPERATOR) as till:
            assert (
                till.post(f"/api/v1/parking/sessions/{session}/payments", json=payment).status_code
                == 201
            )
    as_admin(page, shared_server, "/garage/revenue?site=gcp-revenue")
    wait_loaded(page, "revenue-page")
    expect(page.locator("#site-timezone")).to_contain_text("Asia/Shanghai")
    now = datetime.now(UTC)
    days = garage.admin(
        "GET",
        "/revenue",
        params={
            "since": (now - timedelta(days=31)).isoformat(),
            "until": (now + timedelta(days=1)).isoformat(),
        },
    ).json()
    expected = sum(d["amount_minor"] for d in days)
    assert expected == 3753
    total = page.locator(".revenue-total")
    expect(total).to_have_attribute("data-minor", str(expected))
    [day] = days
    expect(page.locator(f'#revenue-table tr[data-start="{day["day"]}"]')).to_have_attribute(
        "data-minor", str(day["amount_minor"])
    )
    page.get_by_role("button", name="Per month").click()
    expect(page.locator("#revenue-page")).to_have_attribute(
        "data-loaded", re.compile("period=month")
    )
    expect(total).to_have_attribute("data-minor", str(expected))
    href = page.locator("#revenue-csv").get_attribute("href")
    assert href is not None and "period=month" in href
    with shared_server.client(Role.ADMIN) as admin:
        periods = admin.get(href.replace("/revenue/export", "/revenue/periods")).json()
        csv = admin.get(href).text
    assert sum(p["amount_minor"] for p in periods) == expected
    page_rows = page.locator("#revenue-table tbody tr")
    expect(page_rows).to_have_count(len(periods))
    assert [line.split(",")[2] for line in csv.splitlines()[1:]] == [
        str(p["amount_minor"]) for p in periods
    ]
    keep_screenshot(page, SHOTS / "garage-revenue.png")
    docs_screenshot(page, "garage-revenue")

    page.get_by_role("button", name="Per week").click()
    expect(page.locator("#revenue-page")).to_have_attribute(
        "data-loaded", re.compile("period=week")
    )
    expect(page.get_by_role("button", name="Per week")).to_have_attribute("aria-pressed", "true")
    expect(total).to_have_attribute("data-minor", str(expected))
    href = page.locator("#revenue-csv").get_attribute("href")
    assert href is not None and "period=week" in href
    with shared_server.client(Role.ADMIN) as admin:
        weeks = admin.get(href.replace("/revenue/export", "/revenue/periods")).json()
    [week] = weeks  # the three payments of today, in this week from its Monday
    assert date.fromisoformat(week["start"]).weekday() == 0 and week["amount_minor"] == expected
    table = [
        (row.get_attribute("data-start"), int(row.get_attribute("data-minor") or "-1"))
        for row in page.locator("#revenue-table tbody tr").all()
    ]
    assert table == [(w["start"], w["amount_minor"]) for w in weeks]
    drawn = page.evaluate(
        "() => { const chart = Chart.getChart(document.getElementById('revenue-chart'));"
        " return chart ? {labels: chart.data.labels, data: chart.data.datasets.map((d) => d.data),"
        " width: chart.width} : null; }"
    )
    assert drawn is not None, "no chart on the canvas"
    [bars] = drawn["data"]  # one currency
    assert len(drawn["labels"]) >= 12 and drawn["width"] > 100  # 84 days of weeks, gaps as 0
    assert dict(zip(drawn["labels"], bars, strict=True)) == {
        **dict.fromkeys(drawn["labels"], 0),
        week["start"]: expected / 100,
    }


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_viewer_sees_masked_plates_and_no_button_to_change_anything(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    site = site_for("gcp-viewer", locale)
    garage = Garage(shared_server, site)
    plate = {"en": "苏E·54321", "zh_CN": "苏E·54312"}[locale]
    body = {"type": "deny", "plate": plate, "reason": "unpaid twice"}
    assert garage.admin("POST", "/vehicle-rules", json=body).status_code == 201
    viewer = f"gcp-viewer-{locale.lower()}"
    open_as(page, shared_server, f"/garage/lists?site={site}", locale, viewer, Role.VIEWER)
    wait_loaded(page, "lists-page")
    row = page.locator("#rules tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("苏E·***")
    expect(row).to_contain_text(say("Deny list"))
    expect(row).not_to_contain_text(plate[-5:])
    expect(page.locator("#rules button")).to_have_count(0)
    expect(page.locator("#rule-form")).to_have_count(0)
    expect(page.locator("#import-form")).to_have_count(0)
    expect(page.get_by_role("button", name=say("Show plates in full"))).to_have_count(0)
    if locale == "en":
        keep_screenshot(page, SHOTS / "garage-lists-viewer.png")
    else:
        assert chinese_problems(page) == [], "the lists for a viewer"

    page.goto(f"{shared_server.url}/garage/tariffs?site={site}")
    wait_loaded(page, "tariffs-page")
    expect(page.locator("#tariff-hourly")).to_have_value("5.00")
    expect(page.locator("#tariff-hourly")).to_have_attribute("readonly", "")
    expect(page.get_by_role("button", name=say("Save tariff"))).to_have_count(0)
    expect(page.get_by_role("button", name=say("Preview the fee"))).to_be_enabled()


def test_the_pages_pass_axe_light_and_dark_read_in_chinese_and_fit_a_phone(
    shared_server: LiveServer, browser: Browser
) -> None:
    garage = Garage(shared_server, "gcp-look")
    now = datetime.now(UTC)
    for rule in (
        {"type": "deny", "plate": "苏E·54321", "reason": "unpaid twice"},
        {"type": "permit", "plate": "沪C·88888", "permit_kind": "staff", "zone_id": "garage",
         "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=9)).isoformat(),
         "reason": "staff car"},
    ):  # fmt: skip
        assert garage.admin("POST", "/vehicle-rules", json=rule).status_code == 201
    english = set(extracted_messages())
    roots = {"/garage/lists": "lists-page", "/garage/tariffs": "tariffs-page",
             "/garage/revenue": "revenue-page"}  # fmt: skip
    found: dict[str, list[str]] = {}
    for locale, scheme, width in (("en", "light", 1100), ("en", "dark", 1100),
                                  ("zh_CN", "light", 375)):  # fmt: skip
        context = browser.new_context(
            viewport={"width": width, "height": 800},
            color_scheme=scheme,  # type: ignore[arg-type]
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in_user_at(page, shared_server)  # the form in English, then the language
        context.add_cookies(
            [{"name": "sitewarden_lang", "value": locale, "url": shared_server.url}]
        )
        for path in PAGES:
            page.goto(f"{shared_server.url}{path}?site=gcp-look")
            wait_loaded(page, roots[path])
            if path == "/garage/lists":
                expect(page.locator("#rules tr")).to_have_count(2)
            results = Axe().run(page)
            bad = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[f"{locale} {scheme} {path}"] = bad
            name = path.strip("/").replace("/", "-")
            if locale == "zh_CN":
                assert page.locator("html").get_attribute("lang") == "zh-CN"
                left = untranslated(page.evaluate(VISIBLE_TEXT), english)
                assert left == [], f"{path} shows English: {left}"
                width_now = page.evaluate("document.documentElement.scrollWidth")
                assert width_now <= 375, f"{path} is {width_now} px wide"
                keep_screenshot(page, SHOTS / f"{name}-phone-zh.png")
                docs_screenshot(page, f"{name}-operator-zh-CN-phone")
            else:
                keep_screenshot(page, SHOTS / f"{name}-{scheme}.png")
                docs_screenshot(page, f"{name}-operator-{scheme}")
        context.close()
    assert found == {}, found


def sign_in_user_at(page: Page, server: LiveServer) -> None:
    """An operator (masked plates, no changes) signed in through the form."""
    page.goto(server.url + "/garage/lists")
    sign_in_user(page, server, "gcp-operator", Role.OPERATOR, PASSWORD)
