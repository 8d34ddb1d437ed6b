"""The accounts pages in headless chromium against a real server: an admin creating a user
with a site scope, who is made to choose a password, enrols a second factor from the QR
code and signs in with a code, in English and in Chinese; resets of a password (the
browser is then sent to the change-password page) and a second factor (audited); an API
key shown once, used, revoked by its owner, and another revoked by an admin on the user's
page, in both languages; signing out everywhere else; a scoped admin seeing only the
users of its sites, and an operator refused /users. Also axe, Chinese and a 375 px phone
for the three pages.

Set SITEWARDEN_DOCS_SCREENSHOTS=1 to write docs/console/users.png, user.png, account.png
and second-factor-qr.png again.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import segno
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sitewarden.accounts.accounts import create_api_key, create_user
from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_console_audit import expect_in_audit_viewer
from tests.test_console_foundation import (
    VISIBLE_TEXT,
    docs_screenshot,
    untranslated,
    watched_page,
)
from tests.test_console_i18n import extracted_messages
from tests.test_web import browser, keep_screenshot, submit_sign_in

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026-acc"
_names = count()
Say = Callable[[str], str]


def _fresh(prefix: str) -> str:
    return f"{prefix}{next(_names)}-{int(time.time()) % 100000}"


def _site(server: LiveServer) -> str:
    site_id = _fresh("acc")
    server.add_site_with_device(site_id, "cam-1", DeviceKind.CAMERA)
    return site_id


def _user(
    server: LiveServer, role: Role, sites: tuple[str, ...] | None, password: str = PASSWORD
) -> tuple[str, str]:
    """A user made in the store with its own password (none to change); (name, id)."""
    name = _fresh(role.value.replace("_", "-") + "-")
    store = server.open_storage()
    try:
        user, _ = create_user(
            store.accounts, store.registry, name, role, password=password, site_scope=sites
        )
    finally:
        store.close()
    return name, user.user_id


class Totp:
    """Codes of one secret, each of a 30-second step not used yet (the server takes each
    step once): waits for the next step when this one was used."""

    def __init__(self, secret: str) -> None:
        self.totp, self.last = pyotp.TOTP(secret), 0

    def code(self) -> str:
        while True:
            now = self.totp.timecode(time.time())
            step = max(now, self.last + 1)
            if step <= now + 1:
                self.last = step
                return self.totp.generate_otp(step)
            time.sleep(0.5)


class Contexts:
    """Browser contexts of one test, all closed after it, also when it fails (an open
    page's alarm stream would keep the shared server from stopping)."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser, self.server, self.opened = browser, server, list[BrowserContext]()

    def __call__(self, cookie: str | None = None, **options: Any) -> BrowserContext:
        locale = options.pop("locale", "en")
        context = self.browser.new_context(viewport={"width": 1300, "height": 900}, **options)
        context.set_default_timeout(10_000)
        cookies = [{"name": "sitewarden_lang", "value": locale, "url": self.server.url}]
        if cookie is not None:
            cookies.append({"name": "sitewarden_session", "value": cookie, "url": self.server.url})
        context.add_cookies(cookies)  # type: ignore[arg-type]
        self.opened.append(context)
        return context


@pytest.fixture
def contexts(browser: Browser, shared_server: LiveServer) -> Iterator[Contexts]:
    opened = Contexts(browser, shared_server)
    yield opened
    for context in opened.opened:
        context.close()


@pytest.fixture(scope="module")
def admin_cookie(shared_server: LiveServer) -> str:
    """The admin's session, signed in once for the module: each sign-in spends a TOTP
    step of its own (30 s)."""
    cookie, _ = shared_server.admin_session()
    return cookie


@pytest.fixture
def admin(contexts: Contexts, admin_cookie: str) -> Page:
    """A tab of the (unscoped) admin, signed in with password and second factor."""
    return contexts(admin_cookie).new_page()


def _login(server: LiveServer, username: str, password: str, code: str | None = None) -> str:
    answer = server.login(username, password, code)
    assert answer.status_code == 200, answer.text
    return str(answer.cookies["sitewarden_session"])


def _enrol_in_browser(page: Page, server: LiveServer, say: Say = words("en")) -> Totp:
    """On the second-factor page: check that its QR code holds the otpauth address shown
    beside it, take the secret from that address, and confirm with a code."""
    expect(page.get_by_role("heading", name=say("Second factor"))).to_be_visible()
    qr = page.locator("svg.totp-qr")
    expect(qr).to_be_visible()
    uri = page.locator("code", has_text="otpauth://").inner_text().strip()
    drawn = qr.locator("path[stroke]").get_attribute("d")
    expected = segno.make(uri, error="m").svg_inline(scale=5, lineclass=None)
    assert f'd="{drawn}"' in expected, "the QR code does not hold the address shown"
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    assert page.locator("#totp-secret").inner_text().strip() == secret
    totp = Totp(secret)
    page.get_by_label(say("Code")).fill(totp.code())
    page.get_by_role("button", name=say("Confirm")).click()
    expect(page).to_have_url(server.url + "/")
    return totp


def _actions(server: LiveServer, action: str, target: str) -> list[dict[str, Any]]:
    return [
        entry
        for entry in server.audit_entries()
        if entry["action"] == action and target in entry["targets"]
    ]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_admin_creates_a_scoped_user_who_must_choose_a_password_and_enrols_totp(
    contexts: Contexts, shared_server: LiveServer, admin_cookie: str, tmp_path: Path, locale: str
) -> None:
    say = words(locale)
    admin = contexts(admin_cookie, locale=locale).new_page()
    site_id, other_site = _site(shared_server), _site(shared_server)
    username = _fresh("guard-")
    admin.goto(shared_server.url + "/users")
    admin.get_by_role("button", name=say("New user")).click()
    dialog = admin.get_by_role("dialog", name=say("New user"))
    dialog.get_by_label(say("Username")).fill(username)
    dialog.get_by_label(say("Role")).select_option("operator")
    dialog.get_by_label(say("Every site, also those added later")).uncheck()
    dialog.get_by_label(re.compile(rf"\({site_id}\)")).check()
    dialog.get_by_role("button", name=say("Create user")).click()
    shown = admin.get_by_role("dialog", name=say("One-time password"))
    expect(shown).to_be_visible()
    expect(shown.locator("#password-user")).to_have_text(username)
    one_time = shown.locator("#one-time-password").inner_text().strip()
    assert len(one_time) >= 12
    keep_screenshot(admin, tmp_path / "accounts-one-time-password.png")
    shown.get_by_role("button", name=say("Close")).click()
    expect(admin.locator("#one-time-password")).to_have_text("")  # kept nowhere
    row = admin.locator(f'#users tr[data-user="{username}"]')
    expect(row).to_contain_text(say("operator"))
    expect(row).to_contain_text(site_id)
    expect(row).not_to_contain_text(other_site)
    expect(row).to_contain_text(say("must change password"))
    expect(row.locator("td").nth(4)).to_have_text(say("off"))
    expect(row).to_contain_text(say("never"))

    page = contexts(locale=locale).new_page()
    page.goto(shared_server.url + "/account")
    submit_sign_in(page, username, one_time, None, say)
    expect(page).to_have_url(shared_server.url + "/account/password")  # before anything else
    page.get_by_label(say("Current password")).fill(one_time)
    page.get_by_label(say("New password")).fill(PASSWORD)
    page.get_by_role("button", name=say("Change password")).click()
    changed = say("password changed; sign in with the new one")
    expect(page.get_by_role("alert")).to_contain_text(changed)
    submit_sign_in(page, username, PASSWORD, None, say)
    page.goto(shared_server.url + "/account")
    expect(page.locator("#fact-sites")).to_have_text(site_id)
    off = say("Off: you sign in with your password only.")
    expect(page.locator("#totp-state")).to_have_text(off)
    page.get_by_role("link", name=say("Set up a second factor (authenticator app)")).click()
    if locale == "en":
        keep_screenshot(page, tmp_path / "accounts-second-factor.png")
        docs_screenshot(page, "second-factor-qr")
    totp = _enrol_in_browser(page, shared_server, say)

    page.get_by_role("button", name=say("Sign out")).click()
    submit_sign_in(page, username, PASSWORD, None, say)  # no code: asked for one
    missing = say("enter the 6-digit code from your authenticator app")
    expect(page.get_by_role("alert")).to_contain_text(missing)
    submit_sign_in(page, username, PASSWORD, totp.code(), say)
    page.goto(shared_server.url + "/account")
    on = say("On: you sign in with a code from your authenticator app.")
    expect(page.locator("#totp-state")).to_have_text(on)

    admin.reload()
    row = admin.locator(f'#users tr[data-user="{username}"]')
    expect(row).to_contain_text(say("active"))
    expect(row.locator("td").nth(4)).to_have_text(say("on"))
    expect(row).not_to_contain_text(say("never"))
    with shared_server.client(Role.ADMIN) as api:
        user_id = next(
            u["user_id"] for u in api.get("/api/v1/users").json() if u["username"] == username
        )
    expect_in_audit_viewer(admin, shared_server, "admin", ["user.create"], user_id)
    expect_in_audit_viewer(
        admin, shared_server, username, ["user.password_change", "user.totp_confirm"], user_id
    )


def test_an_admin_changes_a_users_role_and_sites_resets_and_disables_them(
    contexts: Contexts, shared_server: LiveServer, admin: Page, tmp_path: Path
) -> None:
    site_id, other_site = _site(shared_server), _site(shared_server)
    username, user_id = _user(shared_server, Role.OPERATOR, (site_id,))
    login = shared_server.login(username, PASSWORD)  # the user enrols a second factor, by the API
    session = {"sitewarden_session": login.cookies["sitewarden_session"]}
    with httpx.Client(base_url=shared_server.url, cookies=session) as me:
        csrf = {"x-csrf-token": login.json()["csrf_token"]}
        secret = me.post("/api/v1/me/totp", headers=csrf).json()["secret"]
        confirmed = me.post(
            "/api/v1/me/totp/confirm", json={"code": Totp(secret).code()}, headers=csrf
        )
        assert confirmed.status_code == 204, confirmed.text

    admin.goto(shared_server.url + f"/users/{user_id}")
    expect(admin.locator("#user-name")).to_have_text(username)
    expect(admin.locator("#fact-totp")).to_have_text("on")
    keep_screenshot(admin, tmp_path / "accounts-user.png")
    docs_screenshot(admin, "user")

    admin.get_by_role("button", name="Reset password").click()
    admin.get_by_role("dialog").get_by_role("button", name="Reset password").click()
    shown = admin.get_by_role("dialog", name="One-time password")
    expect(shown).to_be_visible()
    one_time = shown.locator("#one-time-password").inner_text().strip()
    shown.get_by_role("button", name="Close").click()
    expect(admin.locator("#fact-password")).to_have_text("must be changed at the next sign-in")

    admin.get_by_role("button", name="Reset second factor").click()
    admin.get_by_role("dialog").get_by_role("button", name="Reset second factor").click()
    expect(admin.locator("#fact-totp")).to_have_text("off")

    # The one-time password opens a session that may only change it; no code is asked.
    browser_page = contexts().new_page()
    browser_page.goto(shared_server.url + "/events")
    submit_sign_in(browser_page, username, one_time)
    expect(browser_page).to_have_url(shared_server.url + "/account/password")
    expect(browser_page.get_by_role("heading", name="Change password")).to_be_visible()
    browser_page.goto(shared_server.url + "/events")  # any other page leads back to it
    expect(browser_page).to_have_url(shared_server.url + "/account/password")
    reset_cookie = _login(shared_server, username, one_time)
    refused = httpx.get(
        shared_server.url + "/api/v1/events", cookies={"sitewarden_session": reset_cookie}
    )
    assert refused.status_code == 403 and "change your password" in refused.json()["message"]
    assert len(_actions(shared_server, "user.password_reset", user_id)) == 1
    assert len(_actions(shared_server, "user.totp_reset", user_id)) == 1
    entry = _actions(shared_server, "user.totp_reset", user_id)[0]
    assert entry["actor"] == "admin" and entry["role"] == "admin"
    assert one_time not in str(shared_server.audit_entries())

    admin.locator("#edit-role").select_option("viewer")
    admin.get_by_label(re.compile(rf"\({site_id}\)")).uncheck()
    admin.get_by_label(re.compile(rf"\({other_site}\)")).check()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator("#save-state")).to_have_text("Saved.")
    expect(admin.locator("#fact-role")).to_have_text("viewer")
    expect(admin.locator("#fact-sites")).to_have_text(other_site)
    with shared_server.client(Role.ADMIN) as api:
        stored = api.get(f"/api/v1/users/{user_id}").json()
    assert stored["role"] == "viewer" and stored["site_scope"] == [other_site]

    admin.get_by_role("button", name="Disable").click()
    admin.get_by_role("dialog").get_by_role("button", name="Disable").click()
    expect(admin.locator("#user-state")).to_have_text("disabled")
    admin.get_by_role("button", name="Enable").click()
    admin.get_by_role("dialog").get_by_role("button", name="Enable").click()
    expect(admin.locator("#user-state")).to_have_text("active")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_api_key_is_shown_once_works_and_is_refused_once_revoked(
    contexts: Contexts, shared_server: LiveServer, admin_cookie: str, tmp_path: Path, locale: str
) -> None:
    say = words(locale)
    username, user_id = _user(shared_server, Role.OPERATOR, None)
    page = contexts(_login(shared_server, username, PASSWORD), locale=locale).new_page()
    page.goto(shared_server.url + "/account")
    page.get_by_label(say("Name"), exact=True).fill("night report")
    expires = (datetime.now() + timedelta(days=7)).date()
    page.get_by_label(say("Expires (your timezone)")).fill(expires.isoformat())
    page.get_by_label(say("Everything your role may do")).uncheck()
    page.get_by_label("events:read").check()
    page.get_by_role("button", name=say("Create key")).click()
    shown = page.get_by_role("dialog", name=say("New API key"))
    token = shown.locator("#new-key").inner_text().strip()
    assert token.startswith("swk_")
    shown.get_by_role("button", name=say("Close")).click()
    assert token not in page.content()  # shown once: not left in the page
    row = page.locator("#keys tbody tr", has_text="night report")
    expect(row).to_contain_text("events:read")
    expect(row).to_contain_text(str(expires.year))
    expect(row).to_contain_text(say("active"))
    if locale == "en":
        keep_screenshot(page, tmp_path / "accounts-account.png")
        docs_screenshot(page, "account")

    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(shared_server.url + "/api/v1/events", headers=bearer).status_code == 200
    limited = httpx.get(shared_server.url + "/api/v1/alerts", headers=bearer)
    assert limited.status_code == 403  # the key has events:read only
    row.get_by_role("button", name=say("Revoke key {name}").format(name="night report")).click()
    before, after = say("revoked {time}").split("{time}")
    revoked = re.compile(re.escape(before) + ".+" + re.escape(after))
    expect(row).to_contain_text(revoked)
    refused = httpx.get(shared_server.url + "/api/v1/events", headers=bearer)
    assert refused.status_code == 401 and "revoked" in refused.json()["message"]

    # An admin revokes another of the user's keys on the user's page.
    store = shared_server.open_storage()
    try:
        user = store.accounts.get_user(user_id)
        assert user is not None
        _, other_token = create_api_key(store.accounts, user, "day report")
    finally:
        store.close()
    other_bearer = {"Authorization": f"Bearer {other_token}"}
    assert httpx.get(shared_server.url + "/api/v1/me", headers=other_bearer).status_code == 200
    admin = contexts(admin_cookie, locale=locale).new_page()
    admin.goto(f"{shared_server.url}/users/{user_id}")
    theirs = admin.locator("#user-keys tbody tr", has_text="day report")
    expect(theirs).to_contain_text(say("active"))
    expect(admin.locator("#user-keys tbody tr", has_text="night report")).to_contain_text(revoked)
    theirs.get_by_role("button", name=say("Revoke key {name}").format(name="day report")).click()
    expect(theirs).to_contain_text(revoked)
    gone = httpx.get(shared_server.url + "/api/v1/me", headers=other_bearer)
    assert gone.status_code == 401 and "revoked" in gone.json()["message"]
    revocations = _actions(shared_server, "api_key.revoke", user_id)  # by another: user named
    assert [(e["actor"], e["role"]) for e in revocations] == [("admin", "admin")]
    expect_in_audit_viewer(admin, shared_server, username, ["api_key.create", "api_key.revoke"])
    expect_in_audit_viewer(admin, shared_server, "admin", ["api_key.revoke"], user_id)


def test_an_expired_api_key_is_refused_and_a_past_expiry_is_not_accepted(
    shared_server: LiveServer,
) -> None:
    username, user_id = _user(shared_server, Role.VIEWER, None)
    store = shared_server.open_storage()
    try:
        user = store.accounts.get_user(user_id)
        assert user is not None
        _, token = create_api_key(
            store.accounts, user, "short", expires_at=datetime.now(UTC) + timedelta(seconds=1)
        )
    finally:
        store.close()
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(shared_server.url + "/api/v1/me", headers=bearer).status_code == 200
    time.sleep(1.2)
    expired = httpx.get(shared_server.url + "/api/v1/me", headers=bearer)
    assert expired.status_code == 401 and "expired" in expired.json()["message"]

    login = shared_server.login(username, PASSWORD)
    past = httpx.post(
        shared_server.url + "/api/v1/me/api-keys",
        json={"name": "late", "expires_at": "2020-01-01T00:00:00Z"},
        cookies={"sitewarden_session": login.cookies["sitewarden_session"]},
        headers={"x-csrf-token": login.json()["csrf_token"]},
    )
    assert past.status_code == 422 and "future" in past.json()["message"]


def test_signing_out_everywhere_else_ends_the_other_browsers_session(
    contexts: Contexts, shared_server: LiveServer, tmp_path: Path
) -> None:
    username, user_id = _user(shared_server, Role.VIEWER, None)
    page = contexts().new_page()
    other = contexts(user_agent="Mozilla/5.0 (the other laptop)").new_page()
    for tab in (other, page):
        tab.goto(shared_server.url + "/account")
        submit_sign_in(tab, username, PASSWORD)
        tab.goto(shared_server.url + "/account")
    rows = page.locator("#sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#sessions tr.current")).to_contain_text("this browser")
    expect(page.locator("#sessions tbody")).to_contain_text("the other laptop")
    expect(page.locator("#sessions tbody")).to_contain_text("127.0.0.1")

    page.get_by_role("button", name="Sign out everywhere else").click()
    expect(page.locator("#sessions-state")).to_contain_text("1 other")
    expect(rows).to_have_count(1)
    keep_screenshot(page, tmp_path / "accounts-sessions.png")
    answer = other.goto(shared_server.url + "/account")
    assert answer is not None and answer.status == 401
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    answer = page.goto(shared_server.url + "/account")  # this one goes on
    assert answer is not None and answer.status == 200
    assert len(_actions(shared_server, "user.sessions_end", user_id)) == 1


def test_a_scoped_admin_sees_and_manages_only_users_of_its_sites(
    contexts: Contexts, shared_server: LiveServer
) -> None:
    mine, theirs = _site(shared_server), _site(shared_server)
    scoped_admin, _ = _user(shared_server, Role.ADMIN, (mine,))
    colleague, colleague_id = _user(shared_server, Role.OPERATOR, (mine,))
    stranger, stranger_id = _user(shared_server, Role.OPERATOR, (theirs,))
    everywhere, _ = _user(shared_server, Role.VIEWER, None)

    page = contexts().new_page()
    page.goto(shared_server.url + "/users")
    submit_sign_in(page, scoped_admin, PASSWORD)
    expect(page).to_have_url(shared_server.url + "/account/second-factor")  # admins need it
    _enrol_in_browser(page, shared_server)
    page.goto(shared_server.url + "/users")
    expect(page.locator(f'#users tr[data-user="{colleague}"]')).to_be_visible()
    for hidden in (stranger, everywhere, "admin"):
        expect(page.locator(f'#users tr[data-user="{hidden}"]')).to_have_count(0)
    page.get_by_role("button", name="New user").click()
    dialog = page.get_by_role("dialog", name="New user")
    expect(dialog.get_by_label("Every site, also those added later")).to_have_count(0)
    expect(dialog.locator(".site-checks input")).to_have_count(1)
    expect(dialog.get_by_label(re.compile(rf"\({mine}\)"))).to_be_visible()

    answer = page.goto(shared_server.url + f"/users/{stranger_id}")
    assert answer is not None and answer.status == 404
    page.goto(shared_server.url + f"/users/{colleague_id}")
    expect(page.locator("#user-name")).to_have_text(colleague)

    with shared_server.client(Role.ADMIN, sites=(mine,)) as api:
        assert api.post(f"/api/v1/users/{stranger_id}/password-reset").status_code == 404
        assert api.post(f"/api/v1/users/{stranger_id}/totp-reset").status_code == 404
        assert api.post(f"/api/v1/users/{colleague_id}/totp-reset").status_code == 204
    assert _actions(shared_server, "user.password_reset", stranger_id) == []


def test_an_operator_gets_403_on_users_and_cannot_reset_anyone(
    contexts: Contexts, shared_server: LiveServer
) -> None:
    username, _ = _user(shared_server, Role.OPERATOR, None)
    _, someone = _user(shared_server, Role.VIEWER, None)
    page = contexts(_login(shared_server, username, PASSWORD)).new_page()
    answer = page.goto(shared_server.url + "/users")
    assert answer is not None and answer.status == 403
    expect(page.locator('#site-nav a[href="/users"]')).to_have_count(0)
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    answer = page.goto(shared_server.url + f"/users/{someone}")
    assert answer is not None and answer.status == 403
    with shared_server.client(Role.OPERATOR) as api:
        assert api.post(f"/api/v1/users/{someone}/password-reset").status_code == 403
        assert api.post(f"/api/v1/users/{someone}/totp-reset").status_code == 403
    with shared_server.client(Role.ADMIN) as api:  # never one's own: the account page is
        me = api.get("/api/v1/me").json()["user_id"]
        own = api.post(f"/api/v1/users/{me}/password-reset")
        assert own.status_code == 422 and "account page" in own.json()["message"]


def _settle(page: Page, path: str) -> None:
    if path == "/users":
        expect(page.locator("#users tbody tr").first).to_be_visible()
    elif path == "/account":
        expect(page.locator("#sessions tbody tr").first).to_be_visible()
    else:
        expect(page.locator("#user-name")).not_to_be_empty()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_accounts_pages_pass_axe_speak_chinese_and_fit_a_phone(
    contexts: Contexts, shared_server: LiveServer, admin_cookie: str, color_scheme: str
) -> None:
    site_id = _site(shared_server)
    _, user_id = _user(shared_server, Role.OPERATOR, (site_id,))
    cookie = admin_cookie
    paths = ["/users", f"/users/{user_id}", "/account"]
    english = set(extracted_messages())
    found: dict[str, Any] = {}
    for locale, width in (("en", 1300), ("zh_CN", 1300), ("zh_CN", 375), ("en", 375)):
        context = contexts(cookie, locale=locale, color_scheme=color_scheme)
        page, watched = watched_page(context)
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(shared_server.url + path)
            _settle(page, path)
            where = f"{locale} {width} {path}"
            shot = {"/users": "users", "/account": "account"}.get(path, "user")
            if width == 375:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > 375:
                    found[where] = f"scrolls sideways: {scroll} px"
                if locale == "en" and color_scheme == "light":
                    docs_screenshot(page, f"{shot}-phone")
                continue
            violations = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in Axe().run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if violations:
                found[where] = violations
            if locale == "zh_CN":
                left = untranslated(page.evaluate(VISIBLE_TEXT), english)
                if left:
                    found[where] = f"English: {left}"
                if color_scheme == "light":
                    docs_screenshot(page, f"{shot}-zh-CN")
            else:
                docs_screenshot(page, f"{shot}-{color_scheme}")
        assert watched.problems == [], watched.problems
    assert found == {}
