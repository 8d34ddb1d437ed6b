"""The privacy centre in a real browser against a real server: a subject's export end to
end (ZIP downloaded and read back, the link expires), an erasure confirmed by a second
person (the person's events no longer open, in the API or the event explorer; the audit
shows each step), a consent withdrawn from the page (and one shown expired), each in
English and in Chinese; the records of processing following the configuration, the
retention page's forecast matching what a run deletes; operators refused; axe at 375 px,
and in Chinese at desktop width with the pages' dialogs open, light and dark."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.accounts.second_factor import confirm_enrolment, start_enrolment, totp_key
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.retention import run_retention
from sitewarden.privacy.retention_ledger import RetentionLedger, run_recorder
from tests.conftest import LiveServer, device_client, raw_sql
from tests.console_words import LANGUAGES, words
from tests.test_console_audit import expect_in_audit_viewer
from tests.test_console_foundation import VISIBLE_TEXT, untranslated
from tests.test_console_i18n import extracted_messages
from tests.test_web import browser, sign_in, submit_sign_in

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py

pytestmark = pytest.mark.slow

PASSWORD = "privacy-test-password-1"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "privacy"
# Two small "images": JPEG and PNG signatures, the rest random, so each is recognisable.
DOC_SHOTS = {
    "privacy-requests",
    "privacy-erasure",
    "privacy-consents",
    "privacy-retention",
    "privacy-records",
    "privacy-requests-phone-dark",
}
FACE_A = b"\xff\xd8\xff\xe0" + os.urandom(64)
FACE_B = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
FACE_OTHER = b"\xff\xd8\xff\xe0" + os.urandom(64)  # someone else's: must never be exported
Say = Callable[[str], str]
WAIT_MS = 20_000  # generous: the browser tests share two cores with the rest of the suite
WAITING = (
    "Waiting for a second person: another privacy officer or administrator must confirm "
    "this erasure."
)
SECOND_PERSON = (
    "An erasure waits for a second person (another privacy officer or administrator) to confirm it"
)


def speak(page: Page, server: LiveServer, locale: str) -> Say:
    """The page's language from now on (signing in is done in English): its words."""
    page.context.add_cookies([{"name": "sitewarden_lang", "value": locale, "url": server.url}])
    return words(locale)


def tagged(name: str, locale: str) -> str:
    """A site id or value of this language's run: the two runs share one server."""
    return f"{name}-{locale.lower().replace('_', '')}"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def sign_in_officer(page: Page, server: LiveServer, path: str) -> str:
    """A new privacy officer, enrolled in TOTP, signed in through the form; opens ``path``."""
    username = f"po-{uuid.uuid4().hex[:8]}"
    store = server.open_storage()
    try:
        user, _ = create_user(
            store.accounts, store.registry, username, Role.PRIVACY_OFFICER, password=PASSWORD
        )
        key = totp_key(KeyRing.load(server.settings.key_path).kek)
        secret, _ = start_enrolment(store.accounts, user, key)
        totp = pyotp.TOTP(secret)
        step = totp.timecode(datetime.now(UTC)) - 1
        pending = store.accounts.get_user(user.user_id)
        assert pending is not None
        confirm_enrolment(store.accounts, pending, key, totp.generate_otp(step))
    finally:
        store.close()
    page.goto(server.url + path)
    submit_sign_in(page, username, PASSWORD, totp.generate_otp(step + 1))
    page.goto(server.url + path)
    return username


def post_events(server: LiveServer, site_id: str, events: list[dict[str, object]]) -> list[str]:
    token = server.add_site_with_device(
        site_id, f"reader-{uuid.uuid4().hex[:6]}", DeviceKind.ACCESS_READER
    )
    with device_client(server, token) as reader:
        answer = reader.post("/api/v1/events", json=events)
    assert answer.status_code == 200, answer.text
    return [str(i) for i in answer.json()["accepted"]]


def badge_event(badge: str, face: bytes | None = None, name: str = "Li Na") -> dict[str, object]:
    personal: dict[str, object] = {"person_name": name, "badge_id": badge}
    if face is not None:
        personal["face_crop"] = base64.b64encode(face).decode()
    return {"kind": "access.granted", "attributes": {"credential": "badge"}, "personal": personal}


def open_request(
    page: Page, kind: str, field: str, value: str, purpose: str, say: Say = words("en")
) -> None:
    page.locator("#rq-kind").select_option(kind)
    page.locator("#rq-field").select_option(field)
    page.get_by_label(say("Value")).fill(value)
    page.get_by_label(say("Purpose (the request's reference)")).fill(purpose)
    page.get_by_role("button", name=say("Open request")).click()
    expect(page.locator("#rq-detail")).to_be_visible()


def held(page: Page, category: str) -> str:
    return page.locator(f'#rq-held tr[data-category="{category}"] td').nth(1).inner_text()


def keep(page: Page, name: str, tmp_path: Path, locale: str = "en") -> None:
    """A full-page screenshot; with SITEWARDEN_CONSOLE_SCREENSHOTS=1, the ones docs/privacy.md
    shows (English ones) are also written there (256 colours: a third of the bytes)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    shown = name in DOC_SHOTS and locale == "en"
    if os.environ.get("SITEWARDEN_CONSOLE_SCREENSHOTS") == "1" and shown:
        DOCS.mkdir(parents=True, exist_ok=True)
        shot = Image.open(path)
        shot.quantize(256, dither=Image.Dither.NONE).save(DOCS / path.name)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_subject_export_downloads_a_zip_of_their_events_and_images_and_its_link_expires(
    shared_server: LiveServer, page: Page, tmp_path: Path, locale: str
) -> None:
    site, badge = tagged("pvexport", locale), tagged("B-EXP-1", locale)
    theirs = post_events(
        shared_server, site, [badge_event(badge, FACE_A), badge_event(badge, FACE_B)]
    )
    others = post_events(
        shared_server, site, [badge_event(tagged("B-EXP-2", locale), FACE_OTHER, "Wang Fang")]
    )
    officer = sign_in_officer(page, shared_server, f"/privacy/requests?site={site}")
    say = speak(page, shared_server, locale)
    page.reload()

    open_request(page, "access", "badge_id", badge, "SAR-2026-114", say)
    expect(page.locator("#rq-held tbody tr")).not_to_have_count(0)
    assert held(page, "access_events") == "2"
    assert held(page, "face_crops") == "2"
    row = page.locator("#rq-rows tr").first
    expect(row).to_contain_text(say("Badge"))
    expect(row).not_to_contain_text(badge)  # the value is never shown or kept
    keep(page, "privacy-requests", tmp_path, locale)

    request_id = row.get_attribute("data-id")
    raw_sql(
        shared_server.settings,
        "UPDATE subject_requests SET due_at = 1 WHERE request_id = ?",
        (request_id,),
    )
    page.reload()
    expect(page.locator(f'#rq-rows tr[data-id="{request_id}"]')).to_contain_text(say("overdue"))
    page.locator(f'#rq-rows tr[data-id="{request_id}"]').get_by_role("button").click()
    expect(page.locator("#rq-detail-due")).to_contain_text(say("overdue"))

    page.get_by_role("button", name=say("Export as ZIP")).click()
    link = page.get_by_role("link", name=say("Download the export"))
    expect(link).to_be_visible()
    answered = page.locator(f'#rq-rows tr[data-id="{request_id}"]')
    expect(answered).to_contain_text(say("answered"))
    expect(answered).not_to_contain_text(say("overdue"))
    with page.expect_download() as waiting:
        link.click()
    archive = zipfile.ZipFile(waiting.value.path())
    exported = json.loads(archive.read("export.json"))
    assert sorted(e["id"] for e in exported["events"]) == sorted(theirs)
    assert not set(others) & {e["id"] for e in exported["events"]}
    assert {e["personal"]["badge_id"] for e in exported["events"]} == {badge}
    images = {archive.read(name) for name in archive.namelist() if name.startswith("images/")}
    assert images == {FACE_A, FACE_B}  # and not FACE_OTHER, the other person's
    table = list(csv.DictReader(io.StringIO(archive.read("events.csv").decode())))
    assert sorted(r["id"] for r in table) == sorted(theirs)

    href = link.get_attribute("href")
    assert href is not None
    raw_sql(
        shared_server.settings,
        "UPDATE subject_export_links SET expires_at = 0 WHERE request_id = ?",
        (request_id,),
    )
    expired = page.request.get(shared_server.url + href)
    assert expired.status == 404
    assert "expired" in expired.text()

    actions = [(e["actor"], e["action"]) for e in shared_server.audit_entries()]
    for action in ("subject_request.open.access", "subject_request.held", "subject.export",
                   "subject.export.download"):  # fmt: skip
        assert (officer, action) in actions
    expect_in_audit_viewer(
        page,
        shared_server,
        officer,
        ["subject_request.open.access", "subject.export", "subject.export.download"],
        subject=request_id,
    )


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_erasure_waits_for_a_second_person_and_then_the_events_no_longer_open(
    shared_server: LiveServer, browser: Browser, page: Page, tmp_path: Path, locale: str
) -> None:
    site, badge = tagged("pverase", locale), tagged("B-ERA-1", locale)
    events = post_events(shared_server, site, [badge_event(badge, FACE_A, "Chen Jie")])
    kept = post_events(
        shared_server, site, [badge_event(tagged("B-ERA-2", locale), None, "Zhou Min")]
    )
    first = sign_in_officer(page, shared_server, f"/privacy/requests?site={site}")
    say = speak(page, shared_server, locale)
    page.reload()
    page.get_by_label(say(SECOND_PERSON)).check()
    page.get_by_label(say("Days to answer a request")).fill("30")
    page.get_by_role("button", name=say("Save settings")).click()
    expect(page.locator("#rq-settings-state")).to_have_text(say("Saved."))

    open_request(page, "erasure", "badge_id", badge, "ERA-2026-7", say)
    page.get_by_role("button", name=say("Erase"), exact=True).click()
    page.locator("#rq-erase-dialog").get_by_role("button", name=say("Erase")).click()
    expect(page.locator("#rq-result")).to_have_text(say(WAITING))
    expect(page.get_by_role("button", name=say("Confirm erasure"))).to_be_hidden()
    request_row = page.locator("#rq-rows tr").first
    request_id = request_row.get_attribute("data-id")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(
        f"{shared_server.url}/api/v1/subject-requests/{site}/{request_id}/confirm-erasure",
        headers={"X-CSRF-Token": csrf or ""},
    )
    assert refused.status == 403
    assert "second person" in refused.text()
    with shared_server.client(Role.ADMIN) as admin:
        still = admin.get(f"/api/v1/events/{events[0]}", params={"purpose": "erasure check"})
    assert still.json()["personal_state"] == "sealed"

    second = browser.new_context(viewport={"width": 1400, "height": 900})
    second.set_default_timeout(WAIT_MS)
    admin_page = second.new_page()
    try:
        sign_in(admin_page, shared_server, shared_server.admin_password)
        speak(admin_page, shared_server, locale)
        admin_page.goto(shared_server.url + f"/privacy/requests?site={site}")
        admin_page.locator(f'#rq-rows tr[data-id="{request_id}"]').get_by_role("button").click()
        expect(admin_page.locator("#rq-detail-state")).to_contain_text(
            say("awaiting a second person")
        )
        admin_page.get_by_role("button", name=say("Confirm erasure")).click()
        erased = say("Erased: {subjects} subjects, {events} events made unreadable.")
        expect(admin_page.locator("#rq-result")).to_have_text(erased.format(subjects=1, events=1))
        keep(admin_page, "privacy-erasure", tmp_path, locale)
        expect_erased_in_the_explorer(admin_page, shared_server, say, site, events[0], kept[0])
    finally:
        second.close()

    with shared_server.client(Role.ADMIN) as admin:
        gone = admin.get(f"/api/v1/events/{events[0]}", params={"purpose": "erasure check"})
        other = admin.get(f"/api/v1/events/{kept[0]}", params={"purpose": "erasure check"})
        lookup = admin.post(
            "/api/v1/events/lookup",
            json={"site": site, "field": "badge_id", "value": badge, "purpose": "check"},
        )
        export = admin.post(
            "/api/v1/subjects/export",
            json={"site": site, "field": "badge_id", "value": badge, "purpose": "check"},
        )
    assert export.status_code == 404 and "no subject" in export.json()["message"]  # none held
    assert gone.json()["personal_state"] == "erased"
    assert "Chen" not in gone.text
    assert other.json()["personal_state"] == "sealed"
    assert lookup.json()["events"] == []
    entries = [e for e in shared_server.audit_entries() if request_id in e["targets"]]
    steps = [(e["actor"], e["action"]) for e in entries]
    assert (first, "subject_request.open.erasure") in steps
    assert (first, "subject.erase.asked") in steps
    assert ("admin", "subject.erase.confirmed") in steps
    for actor, action in (
        (first, "subject_request.open.erasure"),
        (first, "subject.erase.asked"),
        ("admin", "subject.erase.confirmed"),
    ):
        expect_in_audit_viewer(page, shared_server, actor, [action], request_id)


def expect_erased_in_the_explorer(
    page: Page, server: LiveServer, say: Say, site: str, erased: str, kept: str
) -> None:
    """In the event explorer (/events), the erased event says its personal fields were
    erased and offers no 'Show with purpose'; the other person's event, sealed, still does."""
    page.goto(f"{server.url}/events?site={site}")
    panel = page.locator("#ex-detail")
    page.locator(f'#ex-rows tr[data-id="{erased}"]').click()
    expect(panel).to_contain_text(say("Personal fields were erased (subject request)."))
    expect(panel.get_by_role("button", name=say("Show with purpose"))).to_be_hidden()
    expect(panel).not_to_contain_text("Chen")
    page.keyboard.press("Escape")
    page.locator(f'#ex-rows tr[data-id="{kept}"]').click()
    expect(panel.get_by_role("button", name=say("Show with purpose"))).to_be_visible()
    page.keyboard.press("Escape")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_consent_is_withdrawn_from_the_page(
    shared_server: LiveServer, page: Page, tmp_path: Path, locale: str
) -> None:
    site = tagged("pvconsent", locale)
    shared_server.add_site_with_device(site, "reader-1", DeviceKind.ACCESS_READER)
    subject, lapsed = f"subj-{uuid.uuid4().hex[:10]}", f"subj-{uuid.uuid4().hex[:10]}"
    now = datetime.now(UTC)
    expires = now + timedelta(days=365)
    with shared_server.client(Role.ADMIN) as admin:
        recorded = admin.post(
            f"/api/v1/sites/{site}/consents",
            json={"subject_id": subject, "purpose": "attendance", "method": "written",
                  "evidence": "FORM-2291", "expires_at": expires.isoformat()},
        )  # fmt: skip
        ended = admin.post(
            f"/api/v1/sites/{site}/consents",
            json={"subject_id": lapsed, "purpose": "parking", "method": "written",
                  "given_at": (now - timedelta(days=40)).isoformat(),
                  "expires_at": (now - timedelta(days=10)).isoformat()},
        )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    assert ended.status_code == 201, ended.text
    consent_id = recorded.json()["consent_id"]
    officer = sign_in_officer(page, shared_server, f"/privacy/consents?site={site}")
    say = speak(page, shared_server, locale)
    page.reload()
    row = page.locator(f'#cs-rows tr[data-id="{consent_id}"]')
    expect(row).to_contain_text("FORM-2291")
    expect(row).to_contain_text(say("active"))
    expect(row).to_contain_text(str(expires.year))  # the expiry column
    expired = page.locator(f'#cs-rows tr[data-id="{ended.json()["consent_id"]}"]')
    expect(expired).to_have_attribute("data-state", "expired")
    expect(expired).to_contain_text(say("expired"))
    expect(expired.get_by_role("button")).to_have_count(0)
    keep(page, "privacy-consents", tmp_path, locale)

    expect(row.get_by_role("button")).to_have_text(say("Withdraw"))
    row.get_by_role("button").click()
    page.locator("#cs-dialog").get_by_role("button", name=say("Withdraw consent")).click()
    expect(row).to_have_attribute("data-state", "withdrawn")
    before, after = say("withdrawn {time}").split("{time}")
    expect(row).to_contain_text(re.compile(re.escape(before) + ".+" + re.escape(after)))
    expect(row.get_by_role("button")).to_have_count(0)

    with shared_server.client(Role.ADMIN) as admin:
        listed = admin.get(f"/api/v1/sites/{site}/consents", params={"subject_id": subject}).json()
    assert listed[0]["withdrawn_at"] is not None
    withdrawn = [e for e in shared_server.audit_entries() if e["action"] == "consent.withdraw"]
    assert any(consent_id in e["targets"] for e in withdrawn)
    expect_in_audit_viewer(page, shared_server, officer, ["consent.withdraw"], consent_id)


def test_the_records_of_processing_follow_the_configuration(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shared_server.add_site_with_device("pvrecords", "reader-1", DeviceKind.ACCESS_READER)
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + "/privacy/records")
    card = page.locator('.rc-site[data-site="pvrecords"]')
    expect(card).to_be_visible()
    expect(card.locator(".rc-recipients")).not_to_contain_text("203.0.113")
    expect(card.locator('tr[data-category="plate_reads"]')).to_contain_text(
        f"{shared_server.settings.retention_days['plate_reads']:g} days"
    )

    with shared_server.client(Role.ADMIN) as admin:
        created = admin.post(
            "/api/v1/webhooks",
            json={"url": "https://8.8.4.4:8443/hooks/sw", "site_id": "pvrecords"},
        )
    assert created.status_code == 201, created.text
    page.reload()
    expect(card.locator(".rc-recipients")).to_contain_text("https://8.8.4.4:8443")
    expect(card.locator(".rc-recipients")).to_contain_text("for this site")
    expect(card.locator(".rc-keys")).to_contain_text("kek")
    keep(page, "privacy-records", tmp_path)

    with page.expect_download() as waiting:
        page.get_by_role("link", name="Export as Markdown").click()
    markdown = Path(waiting.value.path()).read_text()
    assert "## Pvrecords (`pvrecords`)" in markdown
    assert "webhook: https://8.8.4.4:8443 (this site)" in markdown
    assert "/hooks/sw" not in markdown  # the receiving host, not its path


def test_the_retention_page_counts_what_the_next_run_deletes_and_shows_the_run(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    token = shared_server.add_site_with_device("pvretain", "door-1", DeviceKind.DOOR_CONTACT)
    old = datetime.now(UTC) - timedelta(
        days=shared_server.settings.retention_days["heartbeats"] + 2
    )
    beats = [
        {
            "kind": "device.heartbeat",
            "time": (old - timedelta(minutes=i)).isoformat(),
            "attributes": {},
        }
        for i in range(3)
    ]
    with device_client(shared_server, token) as door:
        answer = door.post("/api/v1/events", json=beats)
    assert answer.status_code == 200, answer.text

    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + "/privacy/retention")
    due_cell = page.locator('#rt-rows tr[data-category="heartbeats"] td').nth(2)
    expect(due_cell).not_to_have_text("")
    due = int(due_cell.inner_text().replace(",", ""))
    assert due >= 3
    expect(page.locator("#rt-policy")).to_contain_text("Device heartbeats: destroyed")

    store = shared_server.open_storage()
    try:
        started = datetime.now(UTC)
        report = run_retention(
            store.events, store.access_media, shared_server.settings.retention_days
        )
        run_recorder(RetentionLedger(store.db), "cli")(started, datetime.now(UTC), report)
    finally:
        store.close()
    assert report.deleted["heartbeats"] == due

    page.reload()
    expect(page.locator('#rt-rows tr[data-category="heartbeats"] td').nth(2)).to_have_text("0")
    first_run = page.locator("#rt-run-rows tr").first
    expect(first_run).to_contain_text("the command line")
    expect(first_run).to_contain_text(f"Device heartbeats: {due}")
    zone = page.evaluate("new Intl.DateTimeFormat().resolvedOptions().timeZone")
    expect(first_run.locator("td").first).to_contain_text(f"({zone})")  # says whose clock
    expect(page.locator("#rt-counted")).to_contain_text(f"({zone})")
    keep(page, "privacy-retention", tmp_path)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_operators_and_viewers_are_refused_the_privacy_centre(
    shared_server: LiveServer, browser: Browser, role: Role
) -> None:
    from tests.test_web import sign_in_user

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(shared_server.url + "/privacy/requests")
        sign_in_user(page, shared_server, f"pv-{role.value}", role, PASSWORD)
        for path in (
            "/privacy",
            "/privacy/requests",
            "/privacy/consents",
            "/privacy/retention",
            "/privacy/records",
        ):
            response = page.goto(shared_server.url + path)
            assert response is not None and response.status == 403, path
        expect(page.locator('#site-nav a[href="/privacy"]')).to_have_count(0)
    finally:
        context.close()
    with shared_server.client(role) as client:
        assert client.get("/api/v1/subject-requests").status_code == 403
        assert client.get("/api/v1/records-of-processing").status_code == 403
        opened = client.post(
            "/api/v1/subject-requests",
            json={
                "site": "pvexport",
                "kind": "access",
                "field": "badge_id",
                "value": "x",
                "purpose": "nosy",
            },
        )
        assert opened.status_code == 403


@pytest.mark.parametrize(
    "path", ["/privacy/requests", "/privacy/consents", "/privacy/retention", "/privacy/records"]
)
def test_each_privacy_page_fits_a_phone_and_axe_finds_nothing_serious_in_light_or_dark(
    shared_server: LiveServer, browser: Browser, tmp_path: Path, path: str
) -> None:
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    post_events(shared_server, "pvexport", [badge_event("B-AXE-1", FACE_A)])
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport={"width": 375, "height": 812}, color_scheme=scheme)
        context.set_default_timeout(WAIT_MS)
        page = context.new_page()
        try:
            sign_in_officer(page, shared_server, path + "?site=pvexport")
            page.wait_for_load_state("networkidle")
            if path == "/privacy/requests":
                open_request(page, "access", "badge_id", "B-AXE-1", "axe check")
                expect(page.locator("#rq-held tbody tr")).not_to_have_count(0)
            fits = page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            assert fits, f"{path} scrolls sideways at 375 px ({scheme})"
            name = path.strip("/").replace("/", "-")
            keep(page, f"{name}-phone-{scheme}", tmp_path)
            results = axe.run(page)
            serious = [
                (v["id"], [n["target"] for n in v["nodes"]])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], (scheme, serious)
        finally:
            context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_privacy_pages_read_in_chinese_and_pass_axe_with_their_dialogs_open(
    shared_server: LiveServer, browser: Browser, scheme: str
) -> None:
    """At desktop width, in Chinese: each page, the export's link shown and the erase and
    withdrawal confirmations open, shows no English UI string and no serious axe finding."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    site, badge = f"pvzh-{scheme}", f"B-ZH-{scheme}"
    post_events(shared_server, site, [badge_event(badge, FACE_A)])
    with shared_server.client(Role.ADMIN) as admin:
        subject = f"subj-zh-{scheme}-7"  # an id has digits: data in the dialog's aria-label
        consent = {"subject_id": subject, "purpose": "access", "method": "written"}
        recorded = admin.post(f"/api/v1/sites/{site}/consents", json=consent)
    assert recorded.status_code == 201, recorded.text
    english = set(extracted_messages())
    found: dict[str, object] = {}
    context = browser.new_context(
        viewport={"width": 1400, "height": 900},
        color_scheme="dark" if scheme == "dark" else "light",
        accept_downloads=True,
    )
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()

    def check(where: str) -> None:
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        left = untranslated(page.evaluate(VISIBLE_TEXT), english)
        if left:
            found[f"{where}: English"] = left
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]])
            for v in axe.run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[f"{where}: axe"] = serious

    try:
        sign_in_officer(page, shared_server, f"/privacy/requests?site={site}")
        say = speak(page, shared_server, "zh_CN")
        page.reload()
        open_request(page, "access", "badge_id", badge, "zh check", say)
        expect(page.locator("#rq-held tbody tr").first).to_be_visible()
        check("requests")
        page.get_by_role("button", name=say("Export as ZIP")).click()
        expect(page.get_by_role("link", name=say("Download the export"))).to_be_visible()
        check("requests, the export's link shown")
        open_request(page, "erasure", "badge_id", badge, "zh erasure", say)
        page.get_by_role("button", name=say("Erase"), exact=True).click()
        expect(page.locator("#rq-erase-dialog")).to_be_visible()
        check("requests, the erase confirmation open")
        page.locator("#rq-erase-dialog").get_by_role("button", name=say("Cancel")).click()

        page.goto(f"{shared_server.url}/privacy/consents?site={site}")
        page.locator(f'#cs-rows tr[data-id="{recorded.json()["consent_id"]}"] button').click()
        expect(page.locator("#cs-dialog")).to_be_visible()
        check("consents, the withdrawal open")
        for path, filled in (
            ("/privacy/retention", "#rt-rows tr"),
            ("/privacy/records", ".rc-site"),
        ):
            page.goto(shared_server.url + path)
            expect(page.locator(filled).first).to_be_attached()
            check(path)
    finally:
        context.close()
    assert found == {}
