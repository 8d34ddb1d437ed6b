"""The console's foundation in a real browser against a real server: Chinese with no
English UI string left, light and dark themes, 375 px phones, HTML 404/403 pages, errors
that stay until dismissed, buttons by permission, and axe-core's accessibility checks.

Set SITEWARDEN_DOCS_SCREENSHOTS=1 to write the screenshots of docs/console.md again.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sitewarden.accounts.accounts import create_api_key, create_user
from sitewarden.accounts.roles import Permission, Role
from sitewarden.demo import site
from sitewarden.demo.access_setup import ACCESS, CONSENTS, RULES, SETUP_PURPOSE
from sitewarden.demo.admin_api import AdminApi
from sitewarden.demo.garage_setup import configure_garage, permit_holders
from sitewarden.demo.people import PersonRole, make_population
from sitewarden.events.kinds import KINDS
from tests.conftest import LiveServer, device_client
from tests.test_console_i18n import extracted_messages
from tests.test_web import (
    browser,  # noqa: F401  (the fixture: Debian's chromium)
    demo_simulator,
    send_one_of_everything,
)

pytestmark = pytest.mark.slow

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "console"
WRITE_DOCS_SCREENSHOTS = os.environ.get("SITEWARDEN_DOCS_SCREENSHOTS") == "1"
GUARD, GUARD_PASSWORD = "guard-kim", "night-shift-2026-kim"
# Every signed-in page: each must show no English UI string in Chinese, pass axe and fit
# a phone. The console fixture gives the later pages something to show (PERSON_PAGE:
# the first person it enrols; FORBIDDEN_PAGE: the 403 page, an operator manages no users).
DEVICE_PAGE = "/devices/riverside/ng-camera"  # one device's page, of the demo site
PERSON_PAGE = "/people/riverside/{person}"
FORBIDDEN_PAGE = "/users"
TRANSLATED_PAGES = [
    "/overview",
    "/",
    "/alerts",
    "/events",
    "/devices",
    DEVICE_PAGE,
    "/plan",
    "/attendance",
    "/doors",
    "/garage/lists",
    "/garage/tariffs",
    "/garage/revenue",
    "/garage",
    "/garage/reviews",
    "/people",
    PERSON_PAGE,
    "/access/rules",
    "/account/password",
    "/account/second-factor",
    "/no-such-page",
    FORBIDDEN_PAGE,
    "/account",
]
ALL_PAGES = TRANSLATED_PAGES
ERROR_PAGES = ("/no-such-page", FORBIDDEN_PAGE)  # their 404 and 403 are no page's fault
# Screenshots are named after the path ("/garage/lists" -> garage-lists-light.png); where
# another module writes that name (keep_screenshot, docs_screenshot), another name.
SHOT_NAMES = {
    "/": "live",
    PERSON_PAGE: "person-operator",  # person-phone.png: tests/test_console_people.py
    FORBIDDEN_PAGE: "forbidden",  # users-*.png: tests/test_console_accounts.py
    "/account": "account-operator",  # account-*.png: tests/test_console_accounts.py
    "/garage": "garage-operator",  # garage-phone.png: tests/test_console_garage.py
    "/garage/reviews": "garage-reviews-operator",  # garage-reviews-phone.png: the same
}
# Latin letters in text a person reads: English left untranslated. Acronyms (TOTP) and
# what is marked as data (translate="no": ids, names, kinds, times) are not UI text; nor,
# in an attribute (aria-label, title), a word with a digit in it.
LATIN_WORD = re.compile(r"[A-Za-z]*[a-z][A-Za-z]*")
# Event kinds are identifiers an operator types (the kind filter's example): data too.
KIND_WORDS = {word for kind in KINDS for word in kind.split(".")}

VISIBLE_TEXT = r"""() => {
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== "hidden";
  const isData = (el) => !!el.closest('[translate="no"], [lang="en"], script, style');
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    const text = node.textContent.trim();
    if (text && el && visible(el) && !isData(el)) found.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], [alt]")) {
    if (isData(el)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt"]) {
      // An attribute cannot mark part of itself translate="no": a word with a digit in it
      // (an id, a plate, a reference) is data there.
      const value = (el.getAttribute(name) || "").replace(/\S*\d\S*/g, "").trim();
      if (value) found.push(value);
    }
  }
  found.push(document.title.replace(" · sitewarden", ""));
  return found;
}"""
# On a phone each cell is named by its column (app.css): a name taller than its cell
# would run over the next one.
CRAMPED_NAMES = """() => [...document.querySelectorAll('.grid td[data-label]')]
  .filter((td) => td.offsetParent
    && parseFloat(getComputedStyle(td, '::before').height) > td.getBoundingClientRect().height)
  .map((td) => td.dataset.label)"""
# Cells of a table with a header that are not named by their column (common.js), also in
# tables a page adds later: on a phone they would be values without a name.
UNNAMED_CELLS = """() => [...document.querySelectorAll('table.grid')]
  .filter((table) => table.tHead && table.offsetParent)
  .flatMap((table) => [...table.querySelectorAll('tbody td')].filter((td) => !td.dataset.label)
    .map(() => table.id || table.className))"""
# Where the navigation's entries and menus sit: one line, whatever a page's own CSS does.
NAV_TOPS = """() => [...document.querySelectorAll('#site-nav > a, #site-nav > .nav-menu > summary')]
  .map((entry) => Math.round(entry.getBoundingClientRect().top))"""


@dataclass
class Console:
    """The shared server with a demo site, its events, and a signed-in guard."""

    server: LiveServer
    session: str
    english: set[str] = field(default_factory=set)  # every msgid of the catalogue
    person: str = ""  # the id of a person enrolled on the demo site

    def url(self, path: str) -> str:
        return self.server.url + path.format(person=self.person)


@pytest.fixture(scope="module")
def console(shared_server: LiveServer) -> Console:
    simulator, tokens = demo_simulator(shared_server, seed=19)
    store = shared_server.open_storage()
    try:
        create_user(store.accounts, store.registry, GUARD, Role.OPERATOR, password=GUARD_PASSWORD)
    finally:
        store.close()
    send_one_of_everything(simulator)
    person = furnish_demo_site(shared_server, tokens)
    answer = shared_server.login(GUARD, GUARD_PASSWORD)
    answer.raise_for_status()
    session = answer.cookies["sitewarden_session"]
    return Console(shared_server, session, set(extracted_messages()), person)


def furnish_demo_site(server: LiveServer, tokens: dict[str, str]) -> str:
    """What the later pages show, through the API as the demo's set-up does: the garage's
    lanes, tariff, permits and lists; access rules and four people with badges; gate reads
    (one unsure, for the review queue) and badges at a reader (attendance). Returns the
    first person's id."""
    population = make_population(site.POPULATION_SEED)
    chosen = population.of_role(PersonRole.STAFF)[:2] + population.of_role(PersonRole.RESIDENT)[:2]
    with httpx.Client(base_url=server.url, timeout=60) as client:
        admin = AdminApi(client, server.api_key_for(Role.ADMIN))
        configure_garage(admin, population)
        for rule_id, rule in RULES.items():
            admin.put(f"{ACCESS}/rules/{rule_id}", rule)
        known = {
            shown["national_id"]: shown
            for shown in admin.get(f"{ACCESS}/people", params={"purpose": SETUP_PURPOSE})
        }
        ids = []
        for person in chosen:
            shown = known.get(person.national_id)
            if shown is None:
                body = {
                    "name": person.name,
                    "group": person.role.value,
                    "badges": [person.badge_id],
                    "national_id": person.national_id,
                    "phone": person.phone,
                }
                shown = admin.post(f"{ACCESS}/people", body)
                consent = {
                    "subject_id": shown["subject_id"],
                    "purpose": "access",
                    "method": "written",
                }
                admin.post(CONSENTS, consent)
            ids.append(shown["person_id"])
    visitors = population.visitor_plates
    reads = [
        ("garage-lpr-in", permit_holders(population)[0][0], 0.99),
        ("garage-lpr-in", visitors[0], 0.98),
        ("garage-lpr-out", visitors[1], 0.5),  # unsure: the review queue
    ]
    for lane, plate, confidence in reads:
        with device_client(server, tokens[lane]) as camera:
            read = camera.post(
                f"/api/v1/gates/{lane}/reads", json={"plate": plate, "confidence": confidence}
            )
        assert read.status_code == 200, read.text
    with device_client(server, tokens["ng-reader-1"]) as reader:
        for person in chosen:
            swipe = {"badge_id": person.badge_id, "direction": "in"}
            decided = reader.post("/api/v1/readers/ng-reader-1/decide", json=swipe)
            assert decided.status_code == 200, decided.text
    return str(ids[0])


@dataclass
class Watched:
    """What a page did wrong while it was open: CSP violations, console errors, 4xx/5xx."""

    problems: list[str] = field(default_factory=list)


def open_context(
    launched: Browser,
    console: Console,
    *,
    locale: str = "en",
    width: int = 1100,
    height: int = 720,
    color_scheme: Any = "light",
    signed_in: bool = True,
) -> BrowserContext:
    context = launched.new_context(
        viewport={"width": width, "height": height}, color_scheme=color_scheme
    )
    context.set_default_timeout(10_000)
    cookies = [{"name": "sitewarden_lang", "value": locale, "url": console.server.url}]
    if signed_in:
        cookies.append(
            {"name": "sitewarden_session", "value": console.session, "url": console.server.url}
        )
    context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def watched_page(context: BrowserContext) -> tuple[Page, Watched]:
    page, watched = context.new_page(), Watched()
    page.on(  # a failed load is reported with its address by the response handler
        "console",
        lambda m: (
            watched.problems.append(m.text)
            if m.type in ("error", "warning") and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            watched.problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith(ERROR_PAGES)
            else None
        ),
    )
    return page, watched


def settle(page: Page, path: str) -> None:
    """Wait until the page's script has filled it in."""
    if path == "/":
        expect(page.locator("#events tr").first).to_be_visible()
    elif path == "/devices":
        expect(page.locator("#devices tr").first).to_be_visible()
        expect(page.locator("#device-summary")).not_to_be_empty()
    elif path == "/overview":
        expect(page.locator("#overview-status")).to_have_attribute("data-at", re.compile("."))
    elif path == DEVICE_PAGE:
        expect(page.locator("#activity-table tbody tr").first).to_be_attached()
        expect(page.locator("#device-events tbody tr").first).to_be_visible()
    elif path == "/plan":
        expect(page.locator("#plan-holder .plan-device").first).to_be_visible()
    elif path == "/alerts":
        expect(page.locator("#alert-status")).not_to_contain_text("…")
    elif path == "/events":
        expect(page.locator("#ex-rows tr").first).to_be_visible()
    elif path == "/attendance":
        expect(page.locator("#at-summary")).not_to_be_empty()
    elif path == "/doors":
        expect(page.locator("#dr-live")).not_to_be_empty()
    elif path == "/garage":
        expect(page.locator("#garage-status")).to_have_attribute("data-at", re.compile("."))
    elif path == "/garage/reviews":
        expect(page.locator("#review-count")).to_have_attribute("data-at", re.compile("."))
    elif path.startswith("/garage/"):
        expect(page.locator(".garage-page[data-loaded]")).to_have_count(1)
    elif path == "/account":
        expect(page.locator("#sessions tbody tr").first).to_be_visible()
    elif path in ("/people", "/access/rules"):
        expect(page.locator("[data-loaded='1']")).to_have_count(1)
    elif path == PERSON_PAGE:
        expect(page.locator("#badges tr").first).to_be_visible()


def shot_name(path: str) -> str:
    return SHOT_NAMES.get(path) or path.strip("/").replace("/", "-")


def docs_screenshot(page: Page, name: str) -> None:
    if WRITE_DOCS_SCREENSHOTS:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = Image.open(BytesIO(page.screenshot()))  # 256 colours: a third of the bytes
        shot.quantize(256, dither=Image.Dither.NONE).save(DOCS_SCREENSHOTS / f"{name}.png")


def untranslated(texts: list[str], english: set[str]) -> list[str]:
    left = []
    for text in texts:
        words = [w for w in LATIN_WORD.findall(text) if not w.isupper() and w not in KIND_WORDS]
        if text in english or words:
            left.append(text)
    return left


def test_chinese_pages_show_no_english_ui_string(browser: Browser, console: Console) -> None:  # noqa: F811
    context = open_context(browser, console, locale="zh_CN")
    page, watched = watched_page(context)
    for path in TRANSLATED_PAGES:
        page.goto(console.url(path))
        settle(page, path)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        left = untranslated(page.evaluate(VISIBLE_TEXT), console.english)
        assert left == [], f"{path} shows English: {left}"
        assert len(set(page.evaluate(NAV_TOPS))) == 1, f"{path}: the navigation is out of line"
        assert page.evaluate(UNNAMED_CELLS) == [], path
        docs_screenshot(page, f"{shot_name(path)}-zh-CN")
    # The scripts' strings arrive translated too.
    page.goto(console.server.url + "/devices")
    expect(page.locator("#device-summary")).to_contain_text("台在线")
    expect(page.locator('#devices tr[data-status="online"]').first).to_contain_text("在线")
    context.close()

    signed_out = open_context(browser, console, locale="zh_CN", signed_in=False)
    page, _ = watched_page(signed_out)
    page.goto(console.server.url + "/login")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    left = untranslated(page.evaluate(VISIBLE_TEXT), console.english)
    assert left == [], f"/login shows English: {left}"
    docs_screenshot(page, "login-zh-CN")
    signed_out.close()
    assert watched.problems == []


def test_the_language_link_switches_and_the_cookie_keeps_the_choice(
    browser: Browser,  # noqa: F811
    console: Console,
) -> None:
    context = open_context(browser, console, locale="en")
    page, _ = watched_page(context)
    page.goto(console.server.url + "/devices")
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()

    page.get_by_role("link", name="中文").click()
    expect(page.get_by_role("heading", name="设备")).to_be_visible()
    page.get_by_role("link", name="实时事件").click()
    expect(page.get_by_role("heading", name="实时事件")).to_be_visible()
    # The site's timezone, labelled, in the Chinese date order.
    expect(page.locator("#events tr").first).to_contain_text(re.compile(r"\d{4}/\d\d/\d\d .*\("))
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="Live events")).to_be_visible()
    context.close()


def test_the_language_follows_accept_language_until_one_is_chosen(console: Console) -> None:
    url = console.server.url + "/login"
    assert '<html lang="en"' in httpx.get(url).text
    chinese = httpx.get(url, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-CN"' in chinese.text and "用户名" in chinese.text

    chosen = httpx.get(url + "?lang=en", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en"' in chosen.text
    assert chosen.cookies["sitewarden_lang"] == "en"
    kept = httpx.get(url, headers={"Accept-Language": "zh-CN"}, cookies=chosen.cookies)
    assert '<html lang="en"' in kept.text
    # The switch keeps where the sign-in form leads afterwards.
    returning = httpx.get(url + "?next=%2Fdevices")
    assert 'href="?next=%2Fdevices&amp;lang=zh_CN"' in returning.text


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(
    browser: Browser,  # noqa: F811
    console: Console,
    color_scheme: str,
) -> None:
    """Every page, the alerts page too. Also: the strict CSP blocks nothing (no inline
    script), no console error, and nothing answers 404 (the favicon among them)."""
    found: dict[str, list[str]] = {}
    for locale in ("en", "zh_CN"):
        context = open_context(browser, console, locale=locale, color_scheme=color_scheme)
        page, watched = watched_page(context)
        for path in [*ALL_PAGES, "/login"]:
            page.goto(console.url(path))
            settle(page, path)
            results = Axe().run(page)
            bad = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[f"{locale} {path}"] = bad
            if locale == "en":
                docs_screenshot(page, f"{shot_name(path)}-{color_scheme}")
        context.close()
        assert watched.problems == [], watched.problems
    assert found == {}


def test_the_theme_toggle_switches_and_is_kept(browser: Browser, console: Console) -> None:  # noqa: F811
    context = open_context(browser, console, color_scheme="light")
    page, _ = watched_page(context)
    page.goto(console.server.url + "/devices")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")

    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.locator("html").get_attribute("data-theme") == "dark"
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark != light
    page.reload()  # rendered dark by the server from the cookie: no flash of light
    assert page.locator("html").get_attribute("data-theme") == "dark"
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    assert page.locator("html").get_attribute("data-theme") == "light"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == light
    context.close()

    system_dark = open_context(browser, console, color_scheme="dark")
    page, _ = watched_page(system_dark)
    page.goto(console.server.url + "/devices")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark
    system_dark.close()


def test_every_page_fits_a_375_px_phone_without_sideways_scroll(
    browser: Browser,  # noqa: F811
    console: Console,
) -> None:
    widths: dict[str, int] = {}
    cramped: dict[str, list[str]] = {}
    for locale in ("zh_CN", "en"):
        context = open_context(browser, console, locale=locale, width=375, height=740)
        page, _ = watched_page(context)
        for path in ALL_PAGES:
            page.goto(console.url(path))
            settle(page, path)
            widths[f"{locale} {path}"] = page.evaluate("document.documentElement.scrollWidth")
            if page.evaluate(CRAMPED_NAMES):
                cramped[f"{locale} {path}"] = page.evaluate(CRAMPED_NAMES)
            if locale == "en":
                docs_screenshot(page, f"{shot_name(path)}-phone")
        if locale != "en":
            context.close()  # an alerts page left open keeps its event stream: server won't stop
    assert max(widths.values()) <= 375, widths
    assert cramped == {}

    # The navigation folds behind the menu button and opens from it.
    page.goto(console.server.url + "/")
    expect(page.get_by_role("link", name="Devices")).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="Devices").click()
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    context.close()

    signed_out = open_context(browser, console, width=375, height=740, signed_in=False)
    page, _ = watched_page(signed_out)
    page.goto(console.server.url + "/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    docs_screenshot(page, "login-phone")
    signed_out.close()


def test_keyboard_reaches_skip_link_then_navigation(browser: Browser, console: Console) -> None:  # noqa: F811
    context = open_context(browser, console)
    page, _ = watched_page(context)
    page.goto(console.server.url + "/devices")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Overview", exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


def test_an_error_stays_until_dismissed_even_after_a_good_refresh(
    browser: Browser,  # noqa: F811
    console: Console,
) -> None:
    context = open_context(browser, console)
    page, _ = watched_page(context)
    page.goto(console.server.url + "/")
    settle(page, "/")
    page.get_by_label("Kind").fill("no.such.kind")
    page.get_by_label("Kind").press("Enter")
    banner = page.locator("#error-banners").get_by_role("alert")  # not the alarm banner
    expect(banner).to_contain_text("unknown kind 'no.such.kind'")
    expect(banner).to_contain_text("times", timeout=6_000)  # 2 s polls: counted, not stacked
    assert banner.count() == 1

    page.get_by_label("Kind").fill("")
    page.get_by_label("Kind").press("Enter")
    expect(page.locator("#live-status")).to_contain_text("updated")
    page.wait_for_timeout(2_500)  # another refresh, which works
    expect(banner).to_contain_text("unknown kind")
    docs_screenshot(page, "error-banner")
    banner.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#error-banners").get_by_role("alert")).to_have_count(0)
    context.close()


def test_unknown_console_paths_answer_the_html_404_page_and_api_paths_json(
    console: Console,
) -> None:
    url, jar = console.server.url, {"sitewarden_session": console.session}

    for path in ("/no-such-page", "/devices/", "/account/nothing"):
        page = httpx.get(url + path, cookies=jar)
        assert page.status_code == 404, path
        assert page.headers["content-type"].startswith("text/html")
        assert "Page not found" in page.text and 'href="/devices"' in page.text  # the layout
    signed_out = httpx.get(url + "/no-such-page", headers={"Accept-Language": "zh-CN"})
    assert signed_out.status_code == 404 and "页面不存在" in signed_out.text
    assert "/logout" not in signed_out.text  # no navigation without a session

    api = httpx.get(url + "/api/v1/no-such-thing", cookies=jar)
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    assert httpx.get(url + "/static/no-such.js").headers["content-type"] == "application/json"


def test_favicon_is_an_svg_icon(console: Console) -> None:
    for path in ("/favicon.ico", "/static/favicon.svg"):
        icon = httpx.get(console.server.url + path)
        assert icon.status_code == 200
        assert icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")


def test_a_page_the_role_may_not_open_answers_the_html_403_page(console: Console) -> None:
    store = console.server.open_storage()
    try:
        user, _ = create_user(store.accounts, store.registry, "events-script", Role.OPERATOR)
        _, token = create_api_key(store.accounts, user, "events only", (Permission.EVENTS_READ,))
    finally:
        store.close()
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "zh-CN"}

    refused = httpx.get(console.server.url + "/devices", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "无权访问" in refused.text and "registry:read" in refused.text
    allowed = httpx.get(console.server.url + "/", headers=headers)
    assert allowed.status_code == 200
    assert 'href="/devices"' not in allowed.text  # the navigation offers only what it may open


def test_pages_know_what_the_role_may_do(console: Console) -> None:
    def permissions(role: Role) -> list[str]:
        with console.server.client(role) as client:
            page = client.get("/")
        block = re.search(r'id="operator-permissions">(.*?)</script>', page.text)
        assert block is not None
        return list(json.loads(block.group(1)))

    viewer, operator = permissions(Role.VIEWER), permissions(Role.OPERATOR)
    assert "events:read" in viewer and "alerts:handle" not in viewer
    assert "alerts:handle" in operator and "users:manage" not in operator


def test_a_wrong_password_is_told_in_the_readers_language(console: Console) -> None:
    with httpx.Client(base_url=console.server.url, headers={"Accept-Language": "zh-CN"}) as web:
        form = web.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token is not None
        refused = web.post(  # the form's cookie is Secure: httpx keeps it off plain http
            "/login",
            data={"username": GUARD, "password": "not-the-password", "login_csrf": token[1]},
            headers={"Cookie": f"sitewarden_login={token[1]}"},
        )
    assert refused.status_code == 401
    assert "用户名或密码错误" in refused.text and "wrong username" not in refused.text


def test_the_hidden_purpose_step_is_translated_too(console: Console) -> None:
    """The purpose list is a shared macro: rendered in the page's language (imported with
    the page's context), though hidden until the operator asks to open personal fields."""
    cookies = {"sitewarden_session": console.session, "sitewarden_lang": "zh_CN"}
    page = httpx.get(console.server.url + "/events", cookies=cookies)
    assert page.status_code == 200
    select = re.search(r'<select id="ex-purpose-kind">(.*?)</select>', page.text, re.S)
    assert select is not None
    assert "选择用途" in select[1] and "事件调查" in select[1]
    assert untranslated(re.findall(r">([^<]+)<", select[1]), console.english) == []
