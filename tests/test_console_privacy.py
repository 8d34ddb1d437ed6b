"""The privacy centre in a real browser against a real server: a subject's export end to
end (ZIP downloaded and read back, the link expires), an erasure confirmed by a second
person (the person's events no longer open; the audit shows both steps), a consent
withdrawn from the page, the records of processing following the configuration, the
retention page's forecast matching what a run deletes; operators refused; axe, 375 px."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import uuid
import zipfile
from collections.abc import Iterator
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


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
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


def open_request(page: Page, kind: str, field: str, value: str, purpose: str) -> None:
    page.locator("#rq-kind").select_option(kind)
    page.locator("#rq-field").select_option(field)
    page.get_by_label("Value").fill(value)
    page.get_by_label("Purpose (the request's reference)").fill(purpose)
    page.get_by_role("button", name="Open request").click()
    expect(page.locator("#rq-detail")).to_be_visible()


def held(page: Page, category: str) -> str:
    return page.locator(f'#rq-held tr[data-category="{category}"] td').nth(1).inner_text()


def keep(page: Page, name: str, tmp_path: Path) -> None:
    """A full-page screenshot; with SITEWARDEN_CONSOLE_SCREENSHOTS=1, the ones docs/privacy.md
    shows are also written there (256 colours: a third of the bytes)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("SITEWARDEN_CONSOLE_SCREENSHOTS") == "1" and name in DOC_SHOTS:
        DOCS.mkdir(parents=True, exist_ok=True)
        shot = Image.open(path)
        shot.quantize(256, dither=Image.Dither.NONE).save(DOCS / path.name)


def test_a_subject_export_downloads_a_zip_of_their_events_and_images_and_its_link_expires(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    theirs = post_events(
        shared_server, "pvexport", [badge_event("B-EXP-1", FACE_A), badge_event("B-EXP-1", FACE_B)]
    )
    others = post_events(shared_server, "pvexport", [badge_event("B-EXP-2", FACE_A, "Wang Fang")])
    officer = sign_in_officer(page, shared_server, "/privacy/requests?site=pvexport")

    open_request(page, "access", "badge_id", "B-EXP-1", "SAR-2026-114")
    expect(page.locator("#rq-held tbody tr")).not_to_have_count(0)
    assert held(page, "access_events") == "2"
    assert held(page, "face_crops") == "2"
    row = page.locator("#rq-rows tr").first
    expect(row).to_contain_text("Badge")
    expect(row).not_to_contain_text("B-EXP-1")  # the value is never shown or kept
    keep(page, "privacy-requests", tmp_path)

    request_id = row.get_attribute("data-id")
    raw_sql(
        shared_server.settings,
        "UPDATE subject_requests SET due_at = 1 WHERE request_id = ?",
        (request_id,),
    )
    page.reload()
    expect(page.locator(f'#rq-rows tr[data-id="{request_id}"]')).to_contain_text("overdue")
    page.locator(f'#rq-rows tr[data-id="{request_id}"]').get_by_role("button").click()
    expect(page.locator("#rq-detail-due")).to_contain_text("overdue")

    page.get_by_role("button", name="Export as ZIP").click()
    link = page.get_by_role("link", name="Download the export")
    expect(link).to_be_visible()
    answered = page.locator(f'#rq-rows tr[data-id="{request_id}"]')
    expect(answered).to_contain_text("answered")
    expect(answered).not_to_contain_text("overdue")
    with page.expect_download() as waiting:
        link.click()
    archive = zipfile.ZipFile(waiting.value.path())
    exported = json.loads(archive.read("export.json"))
    assert sorted(e["id"] for e in exported["events"]) == sorted(theirs)
    assert not set(others) & {e["id"] for e in exported["events"]}
    assert {e["personal"]["badge_id"] for e in exported["events"]} == {"B-EXP-1"}
    images = {archive.read(name) for name in archive.namelist() if name.startswith("images/")}
    assert images == {FACE_A, FACE_B}
    table = list(csv.DictReader(io.StringIO(archive.read("events.csv").decode())))
    assert sorted(r["id"] for r in table) == sorted(theirs)

    href = link.get_attribute("href")
    assert href is not None
    raw_sql(shared_server.settings, "UPDATE subject_export_links SET expires_at = 0")
    expired = page.request.get(shared_server.url + href)
    assert expired.status == 404
    assert "expired" in expired.text()

    actions = [(e["actor"], e["action"]) for e in shared_server.audit_entries()]
    for action in ("subject_request.open.access", "subject.export", "subject.export.download"):
        assert (officer, action) in actions
    expect_in_audit_viewer(
        page,
        shared_server,
        officer,
        ["subject_request.open.access", "subject.export", "subject.export.download"],
        subject=request_id,
    )


def test_an_erasure_waits_for_a_second_person_and_then_the_events_no_longer_open(
    shared_server: LiveServer, browser: Browser, page: Page, tmp_path: Path
) -> None:
    events = post_events(shared_server, "pverase", [badge_event("B-ERA-1", FACE_A, "Chen Jie")])
    kept = post_events(shared_server, "pverase", [badge_event("B-ERA-2", None, "Zhou Min")])
    first = sign_in_officer(page, shared_server, "/privacy/requests?site=pverase")
    page.get_by_label("An erasure waits for a second person").check()
    page.get_by_label("Days to answer a request").fill("30")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#rq-settings-state")).to_have_text("Saved.")

    open_request(page, "erasure", "badge_id", "B-ERA-1", "ERA-2026-7")
    page.get_by_role("button", name="Erase", exact=True).click()
    page.locator("#rq-erase-dialog").get_by_role("button", name="Erase").click()
    expect(page.locator("#rq-result")).to_contain_text("Waiting for a second person")
    expect(page.get_by_role("button", name="Confirm erasure")).to_be_hidden()
    request_row = page.locator("#rq-rows tr").first
    request_id = request_row.get_attribute("data-id")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(
        f"{shared_server.url}/api/v1/subject-requests/pverase/{request_id}/confirm-erasure",
        headers={"X-CSRF-Token": csrf or ""},
    )
    assert refused.status == 403
    assert "second person" in refused.text()
    with shared_server.client(Role.ADMIN) as admin:
        still = admin.get(f"/api/v1/events/{events[0]}", params={"purpose": "erasure check"})
    assert still.json()["personal_state"] == "sealed"

    second = browser.new_context(viewport={"width": 1400, "height": 900})
    second.set_default_timeout(10_000)
    admin_page = second.new_page()
    try:
        sign_in(admin_page, shared_server, shared_server.admin_password)
        admin_page.goto(shared_server.url + "/privacy/requests?site=pverase")
        admin_page.locator(f'#rq-rows tr[data-id="{request_id}"]').get_by_role("button").click()
        expect(admin_page.locator("#rq-detail-state")).to_contain_text("awaiting a second person")
        admin_page.get_by_role("button", name="Confirm erasure").click()
        expect(admin_page.locator("#rq-result")).to_contain_text("Erased: 1 subjects")
        keep(admin_page, "privacy-erasure", tmp_path)
    finally:
        second.close()

    with shared_server.client(Role.ADMIN) as admin:
        gone = admin.get(f"/api/v1/events/{events[0]}", params={"purpose": "erasure check"})
        other = admin.get(f"/api/v1/events/{kept[0]}", params={"purpose": "erasure check"})
        lookup = admin.post(
            "/api/v1/events/lookup",
            json={"site": "pverase", "field": "badge_id", "value": "B-ERA-1", "purpose": "check"},
        )
    assert gone.json()["personal_state"] == "erased"
    assert "Chen" not in gone.text
    assert other.json()["personal_state"] == "sealed"
    assert lookup.json()["events"] == []
    entries = [e for e in shared_server.audit_entries() if request_id in e["targets"]]
    steps = [(e["actor"], e["action"]) for e in entries]
    assert (first, "subject.erase.asked") in steps
    assert ("admin", "subject.erase.confirmed") in steps
    expect_in_audit_viewer(page, shared_server, first, ["subject.erase.asked"], request_id)
    expect_in_audit_viewer(page, shared_server, "admin", ["subject.erase.confirmed"], request_id)


def test_a_consent_is_withdrawn_from_the_page(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    shared_server.add_site_with_device("pvconsent", "reader-1", DeviceKind.ACCESS_READER)
    subject = f"subj-{uuid.uuid4().hex[:10]}"
    expires = datetime.now(UTC) + timedelta(days=365)
    with shared_server.client(Role.ADMIN) as admin:
        recorded = admin.post(
            "/api/v1/sites/pvconsent/consents",
            json={"subject_id": subject, "purpose": "attendance", "method": "written",
                  "evidence": "FORM-2291", "expires_at": expires.isoformat()},
        )  # fmt: skip
    assert recorded.status_code == 201, recorded.text
    consent_id = recorded.json()["consent_id"]
    officer = sign_in_officer(page, shared_server, "/privacy/consents?site=pvconsent")
    row = page.locator(f'#cs-rows tr[data-id="{consent_id}"]')
    expect(row).to_contain_text("FORM-2291")
    expect(row).to_contain_text("active")
    keep(page, "privacy-consents", tmp_path)

    row.get_by_role("button", name="Withdraw").click()
    page.locator("#cs-dialog").get_by_role("button", name="Withdraw consent").click()
    expect(row).to_have_attribute("data-state", "withdrawn")
    expect(row.get_by_role("button")).to_have_count(0)

    with shared_server.client(Role.ADMIN) as admin:
        listed = admin.get(
            "/api/v1/sites/pvconsent/consents", params={"subject_id": subject}
        ).json()
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
        context.set_default_timeout(10_000)
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


def test_the_privacy_pages_read_in_chinese(shared_server: LiveServer, browser: Browser) -> None:
    post_events(shared_server, "pvexport", [badge_event("B-ZH-1", FACE_A)])
    english = set(extracted_messages())
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in_officer(page, shared_server, "/privacy/requests?site=pvexport")
        open_request(page, "access", "badge_id", "B-ZH-1", "zh check")
        context.add_cookies(
            [{"name": "sitewarden_lang", "value": "zh_CN", "url": shared_server.url}]
        )
        for path, filled in (
            ("/privacy/requests?site=pvexport", "#rq-rows tr"),
            ("/privacy/consents", "#cs-site option"),
            ("/privacy/retention", "#rt-rows tr"),
            ("/privacy/records", ".rc-site"),
        ):
            page.goto(shared_server.url + path)
            expect(page.locator(filled).first).to_be_attached()
            if path.startswith("/privacy/requests"):
                page.locator("#rq-rows tr").first.get_by_role("button").click()
                expect(page.locator("#rq-held tbody tr").first).to_be_visible()
            assert page.locator("html").get_attribute("lang") == "zh-CN"
            left = untranslated(page.evaluate(VISIBLE_TEXT), english)
            assert left == [], f"{path} shows English: {left}"
    finally:
        context.close()
