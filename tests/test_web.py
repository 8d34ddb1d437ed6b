"""The web pages in a real browser (Debian's chromium) against a real server."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.demo import site
from sitewarden.demo.simulator import Scenario, Simulator
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
# Set to a folder to keep a copy of the screenshots for a person to look at.
SCREENSHOT_COPY_DIR = os.environ.get("SITEWARDEN_SCREENSHOT_DIR")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in(page: Page, server: LiveServer, password: str) -> None:
    """Sign the admin in through the form, with the TOTP code once enrolled; the first
    time, the pages lead through changing init's password and enrolling the second
    factor, as they would a person.

    Later sign-ins into the same server reuse the admin's session in the new browser
    context: every form sign-in spends a TOTP step of its own, 30 seconds each, so a
    test opening a context per language and width waited minutes. A session that is gone
    (signed out, everywhere else) is replaced through the form."""
    if server.admin_cookies and password == server.admin_password:
        page.context.add_cookies(server.admin_cookies)
        answer = page.goto(server.url + "/")
        if answer is not None and answer.status == 200:
            return
        page.context.clear_cookies()
    page.goto(server.url + "/")
    _fill_sign_in(page, server, password)
    if page.url.endswith("/account/password"):
        expect(page.get_by_role("heading", name="Change password")).to_be_visible()
        page.get_by_label("Current password").fill(server.admin_password)
        page.get_by_label("New password").fill(server.admin_password + "-own")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("alert")).to_contain_text("password changed")
        server.admin_password += "-own"
        server.admin_password_changed = True
        _fill_sign_in(page, server, server.admin_password)
    if page.url.endswith("/account/second-factor"):
        expect(page.get_by_role("heading", name="Second factor")).to_be_visible()
        server.admin_totp = page.locator("#totp-secret").inner_text().strip()
        page.get_by_label("Code").fill(server.totp_code())
        page.get_by_role("button", name="Confirm").click()
        expect(page).to_have_url(server.url + "/")
    if password == server.admin_password:
        server.admin_cookies = [
            cookie for cookie in page.context.cookies() if cookie["name"] != "sitewarden_lang"
        ]


def _fill_sign_in(page: Page, server: LiveServer, password: str) -> None:
    code = server.totp_code() if server.admin_totp and password == server.admin_password else None
    submit_sign_in(page, "admin", password, code)


def submit_sign_in(
    page: Page,
    username: str,
    password: str,
    code: str | None = None,
    say: Callable[[str], str] = str,
) -> None:
    """Fill in the sign-in form the page shows, by its words in the page's language
    (``say``, tests/console_words.py), and send it. When the per-address limit on
    sign-ins answers 429 (every test signs in from 127.0.0.1), wait out its Retry-After
    and send it again: the refusal came before the password or code was checked, so the
    code is still unused. Tests of the limit itself post directly."""
    while True:
        page.get_by_label(say("Username")).fill(username)
        page.get_by_label(say("Password"), exact=True).fill(password)
        if code is not None:
            page.get_by_label(say("Code")).fill(code)
        with page.expect_response(
            lambda answer: answer.request.method == "POST" and answer.url.endswith("/login")
        ) as sent:
            page.get_by_role("button", name=say("Sign in")).click()
        page.wait_for_load_state()
        if sent.value.status != 429:
            return
        time.sleep(float(sent.value.headers.get("retry-after", "1")))


def sign_in_user(page: Page, server: LiveServer, username: str, role: Role, password: str) -> None:
    """Sign in a non-admin user of ``role`` through the form on the page ``page`` shows
    (the sign-in form answers any console address); the user is created with ``password``
    the first time, so no password change is asked for."""
    store = server.open_storage()
    try:
        if store.accounts.get_user_by_name(username) is None:
            create_user(store.accounts, store.registry, username, role, password=password)
    finally:
        store.close()
    submit_sign_in(page, username, password)


def keep_screenshot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path))
    if SCREENSHOT_COPY_DIR:
        shutil.copy(path, Path(SCREENSHOT_COPY_DIR) / f"sitewarden-{path.stem}.png")


def demo_simulator(
    server: LiveServer, seed: int, rate: float = 1
) -> tuple[Simulator, dict[str, str]]:
    """The demo site built on ``server`` (again: it is idempotent) with new device tokens,
    and a simulator posting as its devices (at about ``rate`` events a second when run);
    and the tokens (device id -> token)."""
    store = server.open_storage()
    try:
        site.build_demo_site(store)
        tokens = site.issue_demo_tokens(store)
    finally:
        store.close()
    return Simulator(server.url, tokens, rate=rate, seed=seed), tokens


def send_one_of_everything(simulator: Simulator) -> None:
    """A heartbeat from every device that talks, then one of each scenario, now."""
    now = datetime.now(UTC)
    talking = [d for d in site.DEVICES if d.behaviour is not site.Behaviour.SILENT]
    simulator.send([simulator.traffic.heartbeat(device, now, 60) for device in talking])
    simulator.send([o for s in Scenario for o in simulator.traffic.generate(s, now)])


def test_a_visit_without_signing_in_answers_401_with_the_sign_in_form(
    shared_server: LiveServer, page: Page
) -> None:
    response = page.goto(shared_server.url + "/")

    assert response is not None and response.status == 401
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.locator('#site-nav a[href="/"]')).to_have_count(0)


def test_a_wrong_password_shows_an_error_and_keeps_the_form(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    sign_in(page, shared_server, shared_server.admin_password + "-wrong")

    expect(page.get_by_role("alert")).to_contain_text("wrong username or password")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    keep_screenshot(page, tmp_path / "login-error.png")


def test_signed_in_operator_sees_events_arrive_live_and_devices_online_then_signs_out(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    simulator, _ = demo_simulator(shared_server, seed=21)

    sign_in(page, shared_server, shared_server.admin_password)
    expect(page).to_have_url(shared_server.url + "/")
    expect(page.get_by_role("heading", name="Live events")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("updated")

    send_one_of_everything(simulator)  # after the page loaded: it must show without a reload
    assert simulator.stats().rejected == 0
    smoke = page.locator('#events tr[data-kind="alarm.smoke"]')
    expect(smoke).to_have_count(1, timeout=8_000)
    expect(smoke).to_contain_text("riverside")
    expect(smoke).to_contain_text("critical", ignore_case=True)
    granted = page.locator('#events tr[data-kind="access.granted"]').first
    expect(granted).to_contain_text("credential=")
    keep_screenshot(page, tmp_path / "live.png")

    page.get_by_role("link", name="Devices").click()
    expect(page.get_by_role("heading", name="Devices")).to_be_visible()
    online = page.locator('#devices tr[data-status="online"]')
    expect(online).to_have_count(len(simulator.devices))  # those that talk
    expect(page.locator("#devices tr", has_text="ng-reader-1")).to_contain_text("online")
    expect(page.locator("#devices tr", has_text="plant-pump-2")).to_contain_text("never seen")
    expect(page.locator("#device-summary")).to_contain_text(f"{len(simulator.devices)} online")
    keep_screenshot(page, tmp_path / "devices.png")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(shared_server.url + "/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    response = page.goto(shared_server.url + "/devices")
    assert response is not None and response.status == 401
