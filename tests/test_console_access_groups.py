"""Named access groups in the console, in headless chromium against a real server, in
English and Chinese: an admin puts a resident in the group tower-a on the person's
page, makes a rule for tower-a at the tower-a zone on the rules page (the chooser
offers the site's named groups), and the tower-a reader lets the resident in while
the tower-b one refuses them; a rule for a new group name typed in is saved too. The
pages stay axe clean and translated in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_access_groups import TowerSite
from tests.test_console_foundation import DOCS_SCREENSHOTS, VISIBLE_TEXT, untranslated
from tests.test_console_i18n import extracted_messages
from tests.test_console_people import _serious, browser_page
from tests.test_web import browser, keep_screenshot, sign_in

__all__ = ["browser", "browser_page"]  # fixtures shared with test_web and test_console_people
pytestmark = pytest.mark.slow


def _chinese_is_clean(page: Page, locale: str) -> None:
    if locale != "zh_CN":
        return
    assert _serious(page) == []
    assert untranslated(page.evaluate(VISIBLE_TEXT), set(extracted_messages())) == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_person_put_in_a_group_on_the_page_is_let_in_by_the_groups_rule(
    shared_server: LiveServer, browser_page: Page, locale: str
) -> None:
    say = words(locale)
    site = TowerSite(shared_server, f"agc-{locale.lower().replace('_', '-')}")
    badge = f"AGC-{locale}"
    person = site.person("Zhou Min", badges=[badge])
    page = browser_page
    sign_in(page, shared_server, shared_server.admin_password)
    page.context.add_cookies(
        [{"name": "sitewarden_lang", "value": locale, "url": shared_server.url}]
    )

    page.goto(shared_server.url + f"/people/{site.site}/{person['person_id']}")
    expect(page.locator("#person-page")).to_have_attribute("data-ready", "1")
    expect(page.locator("#fact-groups")).to_have_text(say("none"))
    page.get_by_label(say("Access groups, separated by commas")).fill("tower-a, gym")
    page.get_by_role("button", name=say("Save access groups")).click()
    expect(page.locator("#fact-groups")).to_have_text("gym, tower-a")
    shown = site.admin("GET", f"/people/{person['person_id']}").json()
    assert shown["groups"] == ["gym", "tower-a"]
    assert site.decide(badge, "tower-a")["reason"] == "not_permitted"  # no rule yet
    _chinese_is_clean(page, locale)

    page.goto(shared_server.url + f"/access/rules?site={site.site}")
    expect(page.locator("#rules-page")).to_have_attribute("data-loaded", "1")
    chooser = page.get_by_label(say("Applies to"))
    expect(chooser.locator("#named-groups option")).to_have_text(["gym", "tower-a"])
    page.get_by_label(say("Rule id")).fill("tower-a-door")
    chooser.select_option("tower-a")
    page.locator("#rule-zone").select_option("tower-a")
    window = page.locator(".window-row").first
    for box in window.locator(".days input").all():
        box.check()
    window.locator(".start").fill("00:00")
    window.locator(".end").fill("24:00")
    page.get_by_role("button", name=say("Save rule")).click()
    expect(page.locator('#rules tr[data-rule="tower-a-door"]')).to_contain_text("tower-a")

    granted = site.decide(badge, "tower-a")
    assert (granted["granted"], granted["rule_id"]) == (True, "tower-a-door")
    refused = site.decide(badge, "tower-b")
    assert (refused["granted"], refused["reason"]) == (False, "not_permitted")

    # A name no one uses yet is typed in; it becomes one of the chooser's groups.
    page.get_by_label(say("Rule id")).fill("night-shift-door")
    chooser.select_option(label=say("New access group…"))
    page.get_by_label(say("Name of the new access group")).fill("night-shift")
    page.locator("#rule-zone").select_option("tower-b")
    page.get_by_role("button", name=say("Save rule")).click()
    expect(page.locator('#rules tr[data-rule="night-shift-door"]')).to_contain_text("night-shift")
    expect(chooser).to_have_value("night-shift")
    saved = {r["rule_id"]: r["group"] for r in site.admin("GET", "/rules").json()}
    assert saved == {"tower-a-door": "tower-a", "night-shift-door": "night-shift"}
    _chinese_is_clean(page, locale)

    page.goto(shared_server.url + f"/people/{site.site}/{person['person_id']}")
    expect(page.locator("#rules tr")).to_have_count(1)
    expect(page.locator("#rules tr").first).to_contain_text("tower-a-door")
    offered = page.locator("#known-groups option")  # the site's groups, a rule's new one too
    expect(offered).to_have_count(3)
    assert [o.get_attribute("value") for o in offered.all()] == ["gym", "night-shift", "tower-a"]
    if locale == "en":
        page.locator("#fact-groups").scroll_into_view_if_needed()
        keep_screenshot(page, DOCS_SCREENSHOTS / "person-access-groups.png")
