"""The console's foundation as an admin, in a real browser against a real server: the
Chinese walk with the admin's controls and the detail panels open (an alarm's detail, an
explorer row's detail with its purpose step, a device's admin actions with a dialog open,
a privacy request), the admin-only pages, and dates and numbers by the page's locale.

The operator's walks are in tests/test_console_foundation.py. Set
SITEWARDEN_DOCS_SCREENSHOTS=1 to write these pages' screenshots of docs/console.md again
(the light, dark and phone ones of the privacy pages only then: tests/test_console_privacy.py
checks those pages with axe and at 375 px)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitewarden.demo import site
from sitewarden.demo.people import PersonRole, make_population
from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_console_foundation import (
    DEVICE_PAGE,
    NAV_TOPS,
    UNNAMED_CELLS,
    VISIBLE_TEXT,
    WRITE_DOCS_SCREENSHOTS,
    Console,
    docs_screenshot,
    furnish_demo_site,
    open_context,
    settle,
    untranslated,
    watched_page,
)
from tests.test_console_i18n import extracted_messages
from tests.test_web import (
    browser,  # noqa: F401  (the fixture: Debian's chromium)
    demo_simulator,
    send_one_of_everything,
)

pytestmark = pytest.mark.slow

SHANGHAI = ZoneInfo(site.SITE_TIMEZONE)
# The admin-only pages this walk adds; the audit trail, the doctor and the users' pages
# are walked (Chinese, axe, phone, screenshots) by their own modules.
PRIVACY_PAGES = {
    "/privacy/requests?site=riverside": "#rq-rows tr",
    "/privacy/consents": "#cs-site option",
    "/privacy/retention": "#rt-rows tr",
    "/privacy/records": ".rc-site",
}


@pytest.fixture(scope="module")
def admin_console(shared_server: LiveServer) -> Console:
    """The demo site with alarms, garage and people, and a signed-in admin."""
    simulator, tokens = demo_simulator(shared_server, seed=23)
    send_one_of_everything(simulator)
    person = furnish_demo_site(shared_server, tokens)
    cookie, _ = shared_server.admin_session()
    return Console(shared_server, cookie, set(extracted_messages()), person)


def serious_violations(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def settle_privacy(page: Page, path: str) -> None:
    expect(page.locator(PRIVACY_PAGES[path]).first).to_be_attached()


# One-word labels of the alarm and event lists (a Chinese word has no space; letters only)
# broken over two lines.
BROKEN_WORDS = r"""() => [...document.querySelectorAll(
    '#alarm-console h1, .alarms th, .alarms td.sev, .alarms td.state, .alarms td button,'
    + ' .ex-grid th, .ex-grid td.sev')]
  .filter((el) => el.offsetParent && !el.querySelector('.visually-hidden'))
  .filter((el) => /^[\p{L}\p{N}]+$/u.test(el.textContent.trim()))
  .filter((el) => { const r = document.createRange(); r.selectNodeContents(el);
                    return r.getClientRects().length > 1; })
  .map((el) => el.textContent.trim())"""


def open_alarm(page: Page, say: Callable[[str], str]) -> None:
    settle(page, "/alerts")
    page.locator("#alerts tr").first.click()
    detail = page.locator("#detail")
    expect(detail.get_by_role("button", name=say("Acknowledge"))).to_be_visible()
    expect(detail.locator("#detail-history")).not_to_be_empty()
    assert page.evaluate(BROKEN_WORDS) == []  # the list beside the detail is narrow


def open_event(page: Page, say: Callable[[str], str]) -> None:
    settle(page, "/events")
    page.locator('#ex-rows tr[data-kind="access.granted"]').first.click()
    panel = page.locator("#ex-detail")
    panel.get_by_role("button", name=say("Show with purpose")).click()
    expect(panel.get_by_label(say("Purpose"), exact=True)).to_be_focused()
    assert page.evaluate(BROKEN_WORDS) == []


def open_device_admin(page: Page, say: Callable[[str], str]) -> None:
    settle(page, DEVICE_PAGE)
    expect(page.locator("#edit-name")).not_to_have_value("")
    page.get_by_role("button", name=say("Revoke token")).click()
    expect(page.locator("#revoke-dialog")).to_be_visible()


def open_request(page: Page, say: Callable[[str], str]) -> None:
    page.locator("#rq-kind").select_option("access")
    page.locator("#rq-field").select_option("badge_id")
    staff = make_population(site.POPULATION_SEED).of_role(PersonRole.STAFF)[0]
    page.locator("#rq-value").fill(str(staff.badge_id))  # enrolled by furnish_demo_site
    page.locator("#rq-purpose").fill("SAR-2026-019")
    page.get_by_role("button", name=say("Open request")).click()
    expect(page.locator("#rq-detail")).to_be_visible()
    settle_privacy(page, "/privacy/requests?site=riverside")


# Each panel: the page, how it is opened, and its screenshot's name.
PANELS: list[tuple[str, Callable[[Page, Callable[[str], str]], None], str]] = [
    ("/alerts", open_alarm, "alerts-admin-detail"),
    ("/events", open_event, "events-admin-detail"),
    (DEVICE_PAGE, open_device_admin, "devices-riverside-ng-camera-admin"),
    ("/privacy/requests?site=riverside", open_request, "privacy-requests"),
]


def test_the_admins_panels_and_pages_show_no_english_in_chinese_and_pass_axe(
    browser: Browser,  # noqa: F811
    admin_console: Console,
) -> None:
    say = words("zh_CN")
    context = open_context(browser, admin_console, locale="zh_CN")
    page, watched = watched_page(context)
    found: dict[str, list[str]] = {}
    walk = [*PANELS, *((path, None, None) for path in PRIVACY_PAGES if "requests" not in path)]
    try:
        for path, opened, shot in walk:
            page.goto(admin_console.url(path))
            if opened is None:
                settle_privacy(page, path)
            else:
                opened(page, say)
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            left = untranslated(page.evaluate(VISIBLE_TEXT), admin_console.english)
            if left:
                found[f"{path} English"] = left
            if len(set(page.evaluate(NAV_TOPS))) != 1:
                found[f"{path} navigation"] = ["out of line"]
            if page.evaluate(UNNAMED_CELLS):
                found[f"{path} cells without their column's name"] = page.evaluate(UNNAMED_CELLS)
            bad = serious_violations(page)
            if bad:
                found[f"{path} axe"] = bad
            name = shot or path.strip("/").replace("/", "-")
            docs_screenshot(page, f"{name}-zh-CN")
    finally:
        context.close()  # an alerts page left open keeps its event stream: server won't stop
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
    assert watched.problems == []


def test_the_privacy_pages_screenshots_light_dark_and_phone(
    browser: Browser,  # noqa: F811
    admin_console: Console,
) -> None:
    if not WRITE_DOCS_SCREENSHOTS:
        pytest.skip("writes screenshots only (SITEWARDEN_DOCS_SCREENSHOTS=1)")
    found: dict[str, Any] = {}
    for scheme, width in (("light", 1100), ("dark", 1100), ("light", 375)):
        context = open_context(browser, admin_console, color_scheme=scheme, width=width)
        page, watched = watched_page(context)
        try:
            for path in PRIVACY_PAGES:
                page.goto(admin_console.url(path))
                if "requests" in path:
                    open_request(page, words("en"))
                else:
                    settle_privacy(page, path)
                name = path.split("?")[0].strip("/").replace("/", "-")
                if width == 375:
                    found[f"{path} width"] = page.evaluate("document.documentElement.scrollWidth")
                    docs_screenshot(page, f"{name}-phone")
                else:
                    found[f"{path} {scheme}"] = serious_violations(page)
                    docs_screenshot(page, f"{name}-{scheme}")
        finally:
            context.close()
        assert watched.problems == []
    assert all(v == [] or (isinstance(v, int) and v <= 375) for v in found.values()), found


def test_dates_and_money_follow_the_pages_locale(
    browser: Browser,  # noqa: F811
    admin_console: Console,
) -> None:
    """The tariff page's "saved at" time and a previewed fee: the site's time in each
    language's date order, the amount with the locale's currency sign and grouping."""
    entry = datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI)
    leave = entry + timedelta(days=45, hours=3)
    tariff_url = "/api/v1/parking/sites/riverside/garages/garage"
    with admin_console.server.client() as admin:
        tariff = admin.get(tariff_url + "/tariff").json()
        fee = admin.get(
            tariff_url + "/fee-preview",
            params={"entry_at": entry.isoformat(), "exit_at": leave.isoformat()},
        ).json()
    assert fee["currency"] == "CNY" and fee["fee_minor"] >= 100_000  # grouped: 1,000 or more
    saved = datetime.fromisoformat(tariff["updated_at"]).astimezone(SHANGHAI)
    amount = f"{fee['fee_minor'] / 100:,.2f}"
    expected = {
        "en": (saved.strftime("%Y-%m-%d %H:%M:%S (Asia/Shanghai)"), f"CN¥{amount}"),
        "zh_CN": (saved.strftime("%Y/%m/%d %H:%M:%S (Asia/Shanghai)"), f"¥{amount}"),
    }
    for locale in LANGUAGES:
        context = open_context(browser, admin_console, locale=locale)
        page, watched = watched_page(context)
        try:
            page.goto(admin_console.url("/garage/tariffs?site=riverside"))
            expect(page.locator("#tariffs-page")).to_have_attribute(
                "data-loaded", "riverside/garage"
            )
            when, money = expected[locale]
            expect(page.locator("#tariff-state")).to_contain_text(when)
            page.locator("#preview-entry").fill(entry.strftime("%Y-%m-%dT%H:%M"))
            page.locator("#preview-exit").fill(leave.strftime("%Y-%m-%dT%H:%M"))
            page.get_by_role("button", name=words(locale)("Preview the fee")).click()
            expect(page.locator("#preview-total")).to_have_text(money)
            other = expected["zh_CN" if locale == "en" else "en"]
            assert other[0] not in page.locator("main").inner_text()
            # The garage's "updated" clock is the site's too, as the page says its times are.
            page.goto(admin_console.url("/garage?site=riverside"))
            status = page.locator("#garage-status")
            expect(status).to_have_attribute("data-at", re.compile("."))
            iso, text = status.evaluate("s => [s.dataset.at, s.textContent]")  # one refresh's
            at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(SHANGHAI)
            assert at.strftime("%H:%M:%S") in text, (at, text)
            # The explorer's own clock (the site's wall time) in the same date order.
            page.goto(admin_console.url("/events?site=riverside"))
            order = r"\d{4}/\d\d/\d\d" if locale == "zh_CN" else r"\d{4}-\d\d-\d\d"
            expect(page.locator("#ex-rows .ex-time").first).to_have_text(
                re.compile(rf"^{order} \d\d:\d\d:\d\d$")
            )
        finally:
            context.close()
        assert watched.problems == []
