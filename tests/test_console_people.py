"""The people pages in headless chromium against a real server: an admin enrols a person,
records their consent and enrols their face from a photo on the person's page (the
button stays off until consent is recorded), in English and in Chinese (axe-checked
after each step there), or from the browser camera (chromium's fake camera playing
Hopper), the reader then lets the face in; consent withdrawn on the page erases the
template and the reader refuses; badges issued, revoked and reported lost, a person
barred (the page showing why) and a visitor's pass window, each checked at the
reader; rules and holidays from the rules page; an operator sees masked names only and
no buttons, a viewer not the pages at all; axe, a phone's width and Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.demo import face_samples
from tests.conftest import LiveServer
from tests.console_words import LANGUAGES, words
from tests.test_access_faces import FaceSite, jpeg_frame
from tests.test_console_foundation import VISIBLE_TEXT, docs_screenshot, untranslated
from tests.test_console_i18n import extracted_messages
from tests.test_web import (
    CHROMIUM,
    CHROMIUM_ARGS,
    browser,
    keep_screenshot,
    sign_in,
    sign_in_user,
)

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026"
_sites = count()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _site(server: LiveServer) -> FaceSite:
    site = FaceSite(server, f"ppl{next(_sites)}")
    site.rule("residents", "resident")
    site.rule("visitors", "visitor")
    return site


def _as_admin(page: Page, server: LiveServer, path: str, locale: str = "en") -> None:
    sign_in(page, server, server.admin_password)
    page.context.add_cookies([{"name": "sitewarden_lang", "value": locale, "url": server.url}])
    page.goto(server.url + path)


def _as_user(page: Page, server: LiveServer, path: str, role: Role) -> None:
    page.goto(server.url + path)
    sign_in_user(page, server, f"people-{role.value}", role, PASSWORD)
    page.goto(server.url + path)


def _portrait(name: str) -> dict[str, Any]:
    return {
        "name": f"{name}.jpg",
        "mimeType": "image/jpeg",
        "buffer": face_samples.encode(face_samples.portrait(name)),
    }


def _audited(server: LiveServer, site: str, subject: str) -> set[str]:
    return {
        e["action"]
        for e in server.audit_entries()
        if e["site_id"] == site and subject in e["targets"]
    }


def _enrol_on_page(page: Page, name: str, group: str = "resident", locale: str = "en") -> str:
    """Enrol through the list page's form; returns the new person's id from the address."""
    say = words(locale)
    page.get_by_label(say("Name"), exact=True).fill(name)
    page.locator("#new-group").select_option(group)
    page.get_by_role("button", name=say("Enrol"), exact=True).click()
    page.wait_for_url(re.compile(r"/people/[^/]+/[0-9a-f]+$"))
    expect(page.locator("#person-page")).to_have_attribute("data-ready", "1")
    return page.url.rsplit("/", 1)[1]


def _serious(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _fixed(template: str) -> str:
    """The longest fixed part of a message with ``{placeholders}``, to find on a page."""
    return max(re.split(r"\{\w+\}", template), key=len).strip()


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_face_enrolled_with_consent_on_the_page_is_let_in_until_consent_is_withdrawn(
    shared_server: LiveServer, browser_page: Page, tmp_path: Path, locale: str
) -> None:
    say = words(locale)
    checked = locale != "en"  # axe after each step in the Chinese run (English: the axe test)
    site = _site(shared_server)
    page = browser_page
    _as_admin(page, shared_server, f"/people?site={site.site}", locale)
    person_id = _enrol_on_page(page, "Grace Hopper", locale=locale)
    subject = f"p-{person_id}"
    expect(page.get_by_role("heading", name=say("Person"))).to_be_visible()
    expect(page.locator("#no-faces")).to_have_text(say("No face template."))
    if checked:
        assert _serious(page) == [], "the person page"

    # No consent yet: the page keeps enrolment off, and the API refuses it too.
    expect(page.locator("#consent-needed")).to_have_text(
        say("Record the person's consent for access first: enrolment stays off until then.")
    )
    expect(page.get_by_role("button", name=say("Enrol face"))).to_be_disabled()
    expect(page.locator("#face-photos")).to_be_disabled()
    refused = site.enrol(
        person_id, [("photos", ("g.jpg", _portrait("hopper")["buffer"], "image/jpeg"))]
    )
    assert refused.status_code == 403 and "consent" in refused.json()["message"]

    page.locator("#consent-method").select_option("written")
    page.get_by_label(say("Valid until (optional, site's timezone)")).fill("2036-12-31T23:59")
    page.get_by_label(say("The person named above gave this consent themselves.")).check()
    if checked:
        assert _serious(page) == [], "the filled consent form"
    page.get_by_role("button", name=say("Record consent")).click()
    row = page.locator('#consents tr[data-purpose="access"]')
    expect(row).to_contain_text(say("active"))
    expect(row).to_contain_text(say("written, signed"))
    expect(row).to_contain_text("2036")
    expect(page.locator("#consent-needed")).to_be_hidden()
    page.locator("#face-photos").set_input_files([_portrait("hopper")])
    expect(page.locator("#face-state")).to_have_text(say("Photos chosen: {count}.").format(count=1))
    page.get_by_role("button", name=say("Enrol face")).click()
    expect(page.locator("#face-state")).to_have_text(
        say("Face templates enrolled: {count}.").format(count=1), timeout=90_000
    )  # the first enrolment loads the face models
    expect(page.locator("#face-library li")).to_have_count(1)
    expect(page.locator("#face-library li")).to_contain_text(_fixed(say("Template made {when}")))
    expect(page.locator("#face-library")).to_contain_text("Asia/Shanghai")
    assert not re.search(r"\d\.\d{4,}", page.locator("#face-library").inner_text())  # no vector
    if checked:
        assert _serious(page) == [], "the face library after enrolment"
    else:
        keep_screenshot(page, tmp_path / "person-enrolled.png")
        docs_screenshot(page, "person")

    granted = site.face(jpeg_frame("hopper", rotation=5))
    assert granted["granted"] is True and granted["reason"] == "granted", granted

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=say("Withdraw")).click()
    expect(row).to_contain_text(_fixed(say("withdrawn {when}")))
    expect(page.locator("#face-library li")).to_have_count(0)
    expect(page.locator("#no-faces")).to_be_visible()
    expect(page.get_by_role("button", name=say("Enrol face"))).to_be_disabled()
    assert site.templates(person_id) == 0
    refused_face = site.face(jpeg_frame("hopper", rotation=5))
    assert refused_face["granted"] is False, refused_face
    assert {"consent.record", "access.enrol_face", "consent.withdraw"} <= _audited(
        shared_server, site.site, subject
    )


def _y4m_video(path: Path, frames: int = 10) -> Path:
    """Hopper in a 640x480 frame as a YUV4MPEG2 (I420) file for chromium's fake camera."""
    face = face_samples.in_frame(face_samples.portrait("hopper"), (640, 480), face_height=440)
    y, cb, cr = face.convert("YCbCr").split()
    half = (face.width // 2, face.height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{face.width} H{face.height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n".join([b""] + [planes] * frames))
    return path


def test_a_face_taken_with_the_browser_camera_is_enrolled_and_let_in(
    shared_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    video = _y4m_video(tmp_path / "hopper.y4m")
    camera_browser = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(viewport={"width": 1300, "height": 900})
        context.set_default_timeout(15_000)
        context.grant_permissions(["camera"], origin=shared_server.url)
        page = context.new_page()
        site = _site(shared_server)
        _as_admin(page, shared_server, f"/people?site={site.site}")
        person_id = _enrol_on_page(page, "Grace Hopper")
        camera = page.get_by_role("button", name="Use the camera")
        expect(camera).to_be_disabled()  # no consent yet

        page.locator("#consent-method").select_option("written")
        page.get_by_label("The person named above gave this consent themselves.").check()
        page.get_by_role("button", name="Record consent").click()
        expect(page.locator('#consents tr[data-purpose="access"]')).to_contain_text("active")
        camera.click()
        expect(page.locator("#camera-state")).to_contain_text("Camera on")
        expect(page.locator("#camera-view")).to_be_visible()
        page.wait_for_function("() => document.getElementById('camera-view').videoWidth === 640")
        keep_screenshot(page, tmp_path / "person-camera-on.png")
        page.get_by_role("button", name="Take photo").click()
        expect(page.locator("#face-state")).to_contain_text("One photo taken with the camera.")
        expect(page.locator("#camera-view")).to_be_hidden()
        page.get_by_role("button", name="Enrol face").click()
        expect(page.locator("#face-state")).to_contain_text(
            "Face templates enrolled: 1", timeout=90_000
        )
        expect(page.locator("#face-library li")).to_have_count(1)
        assert site.templates(person_id) == 1
        keep_screenshot(page, tmp_path / "person-camera-enrolled.png")

        # The template came from the camera's Hopper: the reader grants her face.
        granted = site.face(jpeg_frame("hopper", rotation=5))
        assert granted["granted"] is True and granted["reason"] == "granted", granted
        assert {"consent.record", "access.enrol_face"} <= _audited(
            shared_server, site.site, f"p-{person_id}"
        )
        context.close()
    finally:
        camera_browser.close()


def test_badges_issued_revoked_and_lost_and_a_bar_take_effect_at_the_reader(
    shared_server: LiveServer, browser_page: Page
) -> None:
    site = _site(shared_server)
    page = browser_page
    _as_admin(page, shared_server, f"/people?site={site.site}")
    person_id = _enrol_on_page(page, "Wang Fang")
    badges = page.locator("#badges tr")

    page.get_by_label("Badge number").fill("PPL-100")
    page.get_by_role("button", name="Issue badge").click()
    expect(badges).to_have_count(1)
    expect(badges.first).to_contain_text("active")
    assert site.badge("PPL-100").json()["granted"] is True
    badges.first.get_by_role("button", name="Revoke").click()
    expect(badges.first).to_have_attribute("data-state", "revoked")
    expect(badges.first).to_contain_text("revoked")
    assert site.badge("PPL-100").json()["reason"] == "revoked"

    page.get_by_label("Badge number").fill("PPL-200")
    page.get_by_role("button", name="Issue badge").click()
    expect(badges).to_have_count(2)
    lost = page.locator('#badges tr[data-state="active"]')
    lost_ref = lost.get_attribute("data-badge")
    assert lost_ref is not None
    lost.get_by_role("button", name="Report lost").click()
    expect(page.locator(f'#badges tr[data-badge="{lost_ref}"]')).to_contain_text("reported lost")
    assert site.badge("PPL-200").json()["granted"] is False

    page.get_by_label("Badge number").fill("PPL-300")
    page.get_by_role("button", name="Issue badge").click()
    expect(badges).to_have_count(3)
    page.get_by_label("Why is this person barred?").fill("Threatened the night guard")
    page.get_by_role("button", name="Bar this person").click()
    expect(page.locator("#person-status")).to_have_text("barred")
    # The reason is personal: sealed on the page until a purpose opens it.
    expect(page.locator("#fact-barred")).to_contain_text("reason sealed: show with purpose")
    assert "Threatened the night guard" not in page.content()
    page.get_by_role("button", name="Show with purpose").click()
    page.locator("#purpose-kind").select_option(index=1)
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#fact-barred")).to_contain_text("admin — Threatened the night guard")
    assert site.badge("PPL-300").json()["reason"] == "barred"
    page.get_by_role("button", name="Lift the bar").click()
    expect(page.locator("#person-status")).to_have_text("not barred")
    assert site.badge("PPL-300").json()["granted"] is True

    # The reloaded page still says which badge was lost and which revoked.
    page.reload()
    expect(page.locator(f'#badges tr[data-badge="{lost_ref}"]')).to_have_attribute(
        "data-state", "lost"
    )
    actions = _audited(shared_server, site.site, f"p-{person_id}")
    assert {"access.enrol", "access.badge.lost", "access.bar", "access.unbar"} <= actions


def test_a_visitor_pass_lets_in_only_within_its_window(
    shared_server: LiveServer, browser_page: Page
) -> None:
    site = _site(shared_server)
    page = browser_page
    _as_admin(page, shared_server, f"/people?site={site.site}")
    page.get_by_label("Badge number (optional)").fill("VIS-7")
    person_id = _enrol_on_page(page, "Ada Visitor", "visitor")
    assert site.badge("VIS-7").json()["granted"] is True
    # The pass ended yesterday (site time): the reader says it expired.
    yesterday = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=1)).strftime("%Y-%m-%d")
    page.get_by_label("Pass valid from (site's timezone)").fill(f"{yesterday}T08:00")
    page.get_by_label("Pass valid until (site's timezone)").fill(f"{yesterday}T18:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#fact-until")).to_contain_text(f"{yesterday} 18:00:00 (Asia/Shanghai)")
    stored = site.admin("GET", f"/people/{person_id}").json()
    assert stored["valid_until"].startswith(f"{yesterday}T10:00:00")  # 18:00 in Shanghai, in UTC
    assert site.badge("VIS-7").json()["reason"] == "expired"
    page.get_by_role("button", name="No time limit").click()
    expect(page.locator("#fact-until")).to_have_text("no limit")
    assert site.badge("VIS-7").json()["granted"] is True

    page.goto(shared_server.url + f"/people?site={site.site}&status=valid&group=visitor")
    expect(page.locator("#people tr")).to_have_count(1)
    expect(page.locator("#people tr").first).to_have_attribute("data-person", person_id)


def test_rules_and_holidays_from_the_rules_page_show_on_the_person_page(
    shared_server: LiveServer, browser_page: Page
) -> None:
    site = _site(shared_server)
    page = browser_page
    _as_admin(page, shared_server, f"/access/rules?site={site.site}")
    expect(page.locator("#rules tr")).to_have_count(2)
    page.get_by_label("Rule id").fill("staff-weekdays")
    page.locator("#rule-group").select_option("staff")
    page.locator("#rule-zone").select_option("lobby")
    window = page.locator(".window-row").first
    window.locator(".start").fill("07:30")
    window.locator(".end").fill("19:00")
    page.get_by_role("button", name="Add a window").click()
    second = page.locator(".window-row").nth(1)
    for day in ("mon", "tue", "wed", "thu", "fri"):
        second.locator(f'input[value="{day}"]').uncheck()
    second.locator('input[value="sat"]').check()
    second.locator(".start").fill("22:00")
    second.locator(".end").fill("06:00")
    page.get_by_role("button", name="Save rule").click()
    rule = page.locator('#rules tr[data-rule="staff-weekdays"]')
    expect(rule).to_contain_text("Mon, Tue, Wed, Thu, Fri 07:30–19:00; Sat 22:00–06:00")
    stored = site.admin("GET", "/rules").json()
    [saved] = [r for r in stored if r["rule_id"] == "staff-weekdays"]
    assert saved["zone_id"] == "lobby" and saved["windows"][1] == {
        "days": [5],
        "start": "22:00",
        "end": "06:00",
    }
    page.get_by_label("Day", exact=True).fill("2027-01-01")
    page.get_by_label("Name", exact=True).fill("New Year")
    page.get_by_role("button", name="Add holiday").click()
    expect(page.locator("#holidays tr")).to_have_count(1)
    assert site.admin("GET", "/holidays").json() == [{"day": "2027-01-01", "name": "New Year"}]
    docs_screenshot(page, "access-rules")

    person = site.person("Li Lei", "staff")
    page.goto(shared_server.url + f"/people/{site.site}/{person['person_id']}")
    expect(page.locator("#rules tr")).to_have_count(1)
    expect(page.locator("#rules tr").first).to_contain_text("staff-weekdays")

    page.goto(shared_server.url + f"/access/rules?site={site.site}")
    page.once("dialog", lambda dialog: dialog.accept())
    rule.get_by_role("button", name="Delete").click()
    expect(rule).to_have_count(0)
    assert "staff-weekdays" not in {r["rule_id"] for r in site.admin("GET", "/rules").json()}


def test_an_operator_sees_masked_names_only_and_a_viewer_not_the_pages(
    shared_server: LiveServer, browser_page: Page
) -> None:
    site = _site(shared_server)
    person = site.person("Grace Hopper", badges=["OP-1"], phone="13800138000")
    page = browser_page
    _as_user(page, shared_server, f"/people?site={site.site}", Role.OPERATOR)
    row = page.locator(f'#people tr[data-person="{person["person_id"]}"]')
    expect(row).to_contain_text("sealed")
    for name in ("Enrol", "Issue badge", "Bar this person"):
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
    page.get_by_role("button", name="Show names with purpose").click()
    page.locator("#purpose-kind").select_option(index=1)
    page.get_by_label("Reference (incident or ticket number)").fill("INC-77")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(row).to_contain_text("G**** H*****")
    docs_screenshot(page, "people")

    page.goto(shared_server.url + f"/people/{site.site}/{person['person_id']}")
    expect(page.locator("#fact-name")).to_have_text("sealed")
    page.get_by_role("button", name="Show with purpose").click()
    page.locator("#purpose-kind").select_option(index=1)
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#fact-name")).to_have_text("G**** H*****")
    expect(page.locator("#fact-phone")).not_to_contain_text("13800138000")
    assert "Hopper" not in page.content() and "13800138000" not in page.content()
    for name in ("Enrol face", "Issue badge", "Revoke", "Record consent", "Save changes"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    reads = [
        e
        for e in shared_server.audit_entries()
        if e["action"] == "access.people.read" and f"p-{person['person_id']}" in e["targets"]
    ]
    assert len(reads) == 2 and reads[0]["purpose"].endswith("INC-77")
    assert all(e["role"] == "operator" for e in reads)

    viewer_page = page.context.browser.new_page()  # type: ignore[union-attr]
    _as_user(viewer_page, shared_server, "/people", Role.VIEWER)
    expect(viewer_page.locator("#people")).to_have_count(0)
    expect(viewer_page.locator('#site-nav a[href="/people"]')).to_have_count(0)
    response = viewer_page.goto(shared_server.url + f"/people/{site.site}/{person['person_id']}")
    assert response is not None and response.status == 403
    assert "Hopper" not in viewer_page.content()
    viewer_page.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_people_pages_pass_axe_fit_a_phone_and_speak_chinese(
    shared_server: LiveServer, browser: Browser, scheme: str
) -> None:
    site = _site(shared_server)
    person = site.person("Grace Hopper", badges=["AX-1"])
    paths = {
        f"/people?site={site.site}": "#people tr",
        f"/people/{site.site}/{person['person_id']}": "#badges tr",
        f"/access/rules?site={site.site}": "#rules tr",
    }
    english = set(extracted_messages())
    found: dict[str, Any] = {}
    for locale, width in (("en", 1300), ("en", 375), ("zh_CN", 1300)):
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        page = context.new_page()
        sign_in(page, shared_server, shared_server.admin_password)
        context.add_cookies(
            [{"name": "sitewarden_lang", "value": locale, "url": shared_server.url}]
        )
        for path, ready in paths.items():
            page.goto(shared_server.url + path)
            expect(page.locator(ready).first).to_be_visible()
            if width == 375:
                found[f"width {path}"] = page.evaluate("document.documentElement.scrollWidth")
                if scheme == "light" and "rules" not in path:
                    docs_screenshot(
                        page, ("person" if "/people/" in path else "people-list") + "-phone"
                    )
                continue
            if locale == "zh_CN":
                expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
                left = untranslated(page.evaluate(VISIBLE_TEXT), english)
                if left:
                    found[f"zh {path}"] = left
                continue
            violations = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in Axe().run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if violations:
                found[f"axe {path}"] = violations
        context.close()
    assert all(isinstance(v, int) and v <= 375 for v in found.values()), found
