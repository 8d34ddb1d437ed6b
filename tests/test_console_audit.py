"""The audit viewer (/audit) and the doctor page (/doctor) in a real browser against a
real server: an auditor filters to one actor and one action and sees exactly what the
API has; the chain shows verified, then broken once a stored row is rewritten; a period
exported for an inspector reads back as the log has it; viewers and operators are
refused both pages; a critical doctor finding shows a banner to admins only; axe, zh-CN
and a 375 px phone."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.console_words import words
from tests.test_console_foundation import VISIBLE_TEXT, docs_screenshot, untranslated
from tests.test_console_i18n import extracted_messages
from tests.test_web import browser, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py

pytestmark = pytest.mark.slow

PASSWORD = "audit-viewer-test-password-1"
BROWSER_ZONE = "Europe/Berlin"  # the page shows times in the browser's timezone


def new_context(browser: Browser, *, width: int = 1300, **options: Any) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        timezone_id=BROWSER_ZONE,
        accept_downloads=True,
        **options,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


def open_as(page: Page, server: LiveServer, role: Role, path: str) -> str:
    """Sign a user of ``role`` in through the form (created the first time) and open
    ``path``; returns the username."""
    username = f"au-{role.value.replace('_', '-')}"
    page.goto(server.url + path)
    sign_in_user(page, server, username, role, PASSWORD)
    page.goto(server.url + path)
    return username


def audited_actions(server: LiveServer, site_id: str, tag: str) -> None:
    """Four audited requests by two people: a privacy officer records two consents and
    withdraws the first, an admin records one."""
    server.add_site_with_device(site_id, "reader-1", DeviceKind.ACCESS_READER)
    url = f"/api/v1/sites/{site_id}/consents"
    with server.client(Role.PRIVACY_OFFICER) as officer, server.client(Role.ADMIN) as admin:
        made = []
        for who, subject in ((officer, "a"), (officer, "b"), (admin, "c")):
            consent = {
                "subject_id": f"subj-{tag}-{subject}",
                "purpose": "parking",
                "method": "written",
            }
            answer = who.post(url, json=consent)
            assert answer.status_code == 201, answer.text
            made.append(answer.json()["consent_id"])
        answer = officer.post(f"{url}/{made[0]}/withdraw")
        assert answer.status_code == 200, answer.text


def api_entries(server: LiveServer, **filters: str) -> list[dict[str, Any]]:
    """Every entry the API finds for ``filters``, newest first, page by page."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {**filters, "limit": 50}
    with server.client(Role.AUDITOR) as auditor:
        while True:
            answer = auditor.get("/api/v1/audit/entries", params=params)
            assert answer.status_code == 200, answer.text
            found += answer.json()["entries"]
            if answer.json()["next_before"] is None:
                return found
            params["before"] = answer.json()["next_before"]


def expect_in_audit_viewer(
    page: Page, server: LiveServer, actor: str, actions: list[str], subject: str | None = None
) -> None:
    """``page`` (signed in with audit:read) opens the viewer filtered to ``actor`` and each of
    ``actions`` (and ``subject``, one of the entries' targets): each shows at least one row
    of exactly that action, and the chain panel says the chain verified."""
    for action in actions:
        query = {"actor": actor, "action": action, **({"subject": subject} if subject else {})}
        page.goto(f"{server.url}/audit?{urlencode(query)}")
        cells = page.locator("#au-rows td.au-action")
        expect(cells.first).to_have_text(action)
        expect(page.locator("#au-rows td.au-actor").first).to_have_text(actor)
        expect(page.locator("#au-chain")).to_have_attribute("data-state", "ok")
        expect(page.locator("#au-chain-state")).to_have_text(chain_intact(page))


def chain_intact(page: Page) -> re.Pattern[str]:
    """'Intact: entries 1 to N verified.' in the page's language."""
    locale = "zh_CN" if page.locator("html").get_attribute("lang") == "zh-CN" else "en"
    before, after = words(locale)("Intact: entries 1 to {seq} verified.").split("{seq}")
    return re.compile(re.escape(before) + r"[\d,]+" + re.escape(after))


def shown_seqs(page: Page) -> list[int]:
    seqs: list[str] = page.eval_on_selector_all("#au-rows tr", "rs => rs.map(r => r.dataset.seq)")
    return [int(s) for s in seqs]


def test_an_auditor_filters_to_one_actor_and_action_and_sees_what_the_api_has(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    audited_actions(shared_server, "aufilter", "filter")
    officer = "privacy_officer-all"  # conftest's user behind client(Role.PRIVACY_OFFICER)

    open_as(page, shared_server, Role.AUDITOR, "/audit")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(page.locator("#au-zone-note")).to_contain_text(BROWSER_ZONE)
    page.get_by_label("Who (user name)").fill(officer)
    page.get_by_label("Action", exact=True).fill("consent.record")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"actor=privacy_officer-all.*action=consent.record"))
    expect(page.locator("#au-rows tr").first).to_be_visible()

    api = api_entries(shared_server, actor=officer, action="consent.record")
    whole_log = [
        e
        for e in shared_server.audit_entries()
        if e["actor"] == officer and e["action"] == "consent.record"
    ]
    assert [e["seq"] for e in api] == [e["seq"] for e in reversed(whole_log)]
    assert len(api) == 2  # this test's two consents: nothing else by that actor and action
    expect(page.locator("#au-rows tr")).to_have_count(len(api))
    assert shown_seqs(page) == [e["seq"] for e in api]
    first = page.locator("#au-rows tr").first
    expect(first.locator(".au-actor")).to_have_text(officer)
    expect(first.locator(".au-role")).to_have_text("privacy_officer")
    expect(first.locator(".au-purpose")).to_have_text("parking")
    expect(first.locator(".au-address")).to_have_text("127.0.0.1")
    keep_screenshot(page, tmp_path / "audit-filtered.png")

    # The filters live in the address: a reload (or a shared link) shows the same entries.
    page.reload()
    expect(page.get_by_label("Who (user name)")).to_have_value(officer)
    expect(page.locator("#au-rows tr")).to_have_count(len(api))
    assert shown_seqs(page) == [e["seq"] for e in api]

    # Whose data: the consent names its subject by reference.
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Whose data (subject or record id)").fill("subj-filter-a")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#au-rows tr .au-action")).to_have_text(
        ["consent.withdraw", "consent.record"]
    )

    # The site: exactly the site's entries, each with its actor's role.
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Site", exact=True).select_option("aufilter")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"site=aufilter"))
    of_site = api_entries(shared_server, site="aufilter")
    assert {e["site_id"] for e in of_site} == {"aufilter"} and len(of_site) >= 4
    expect(page.locator("#au-rows tr")).to_have_count(len(of_site))
    assert shown_seqs(page) == [e["seq"] for e in of_site]
    site_cells = page.locator("#au-rows tr .au-site")  # the site's name where it has one
    expect(site_cells).to_have_text([re.compile("aufilter", re.I)] * len(of_site))
    expect(page.locator("#au-rows tr .au-role")).to_have_text([e["role"] for e in of_site])
    assert {"admin", "privacy_officer"} <= {e["role"] for e in of_site}


def test_the_chain_shows_verified_then_broken_after_a_stored_row_is_rewritten(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    audited_actions(live_server, "auchain", "chain")
    open_as(page, live_server, Role.AUDITOR, "/audit")
    chain = page.locator("#au-chain")
    expect(chain).to_have_attribute("data-state", "ok")
    expect(page.locator("#au-chain-state")).to_contain_text("Intact: entries 1 to")
    keep_screenshot(page, tmp_path / "audit-chain-ok.png")

    store = live_server.open_storage()
    try:
        with store.db.transaction() as conn:
            conn.execute("UPDATE audit_log SET purpose = ? WHERE seq = ?", ("nothing to see", 2))
    finally:
        store.close()

    page.reload()
    page.get_by_role("button", name="Verify the whole chain now").click()
    expect(chain).to_have_attribute("data-state", "broken")
    expect(page.locator("#au-chain-state")).to_contain_text("BROKEN at entry 2")
    expect(page.locator("#au-chain-state")).to_contain_text("was altered")
    keep_screenshot(page, tmp_path / "audit-chain-broken.png")
    docs_screenshot(page, "audit-chain-broken")
    with live_server.client(Role.AUDITOR) as auditor:
        state = auditor.get("/api/v1/audit/verify").json()  # broken: walked in full again
    assert state["ok"] is False and state["broken_seq"] == 2 and state["full"] is True


def berlin_input(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(BROWSER_ZONE)).strftime("%Y-%m-%dT%H:%M:%S")


def test_an_exported_period_reads_back_as_the_log_has_it(
    shared_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    auditor = open_as(page, shared_server, Role.AUDITOR, "/audit")
    expect(page.locator("#au-chain")).to_have_attribute("data-state", "ok")
    # The period starts on the next whole second, after this auditor's own sign-in entry.
    since = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (since - datetime.now(UTC)).total_seconds()) + 0.1)
    audited_actions(shared_server, "auexport", "export")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    time.sleep(max(0.0, (until - datetime.now(UTC)).total_seconds()) + 0.1)  # exports after it
    case = f"inspection case {uuid.uuid4().hex[:6]}"

    page.get_by_label("From").fill(berlin_input(since))
    page.get_by_label("Until").fill(berlin_input(until))
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#au-rows tr")).to_have_count(4)
    page.get_by_label("Format").select_option("jsonl")
    page.get_by_label("Purpose (who asked, which case)").fill(case)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.endswith(".jsonl")
    exported = [json.loads(line) for line in path.read_text().splitlines()]
    expect(page.locator("#au-export-state")).to_contain_text("recorded in the audit trail")

    period = [
        e for e in shared_server.audit_entries() if since <= datetime.fromisoformat(e["at"]) < until
    ]
    assert len(period) == 4  # this test's four audited requests
    fields = ("seq", "actor", "role", "action", "site_id", "targets", "purpose", "request_id")
    assert [{k: e[k] for k in fields} for e in exported] == [
        {k: e[k] for k in fields} for e in period
    ]
    assert [datetime.fromisoformat(e["at"]) for e in exported] == [
        datetime.fromisoformat(e["at"]) for e in period
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["mac"]) for e in exported)

    # The same period as CSV, through the API.
    with shared_server.client(Role.AUDITOR) as api:
        answer = api.get(
            "/api/v1/audit/export",
            params={"since": since.isoformat(), "until": until.isoformat(), "purpose": case},
        )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [int(r["seq"]) for r in rows] == [e["seq"] for e in period]
    assert [r["targets"] for r in rows] == [" ".join(e["targets"]) for e in period]

    # Each export is itself in the audit trail, with its purpose and period.
    recorded = [
        e
        for e in shared_server.audit_entries()
        if e["action"] == "audit.export" and case == e["purpose"]
    ]
    assert [e["actor"] for e in recorded] == [auditor, "auditor-all"]
    assert f"since={since.isoformat()}" in recorded[0]["targets"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
def test_viewers_and_operators_are_refused_both_pages_and_the_api(
    shared_server: LiveServer, page: Page, role: Role
) -> None:
    open_as(page, shared_server, role, "/audit")
    for path in ("/audit", "/doctor"):
        response = page.goto(shared_server.url + path)
        assert response is not None and response.status == 403, path
    expect(page.locator('#site-nav a[href="/audit"]')).to_have_count(0)
    expect(page.locator('#site-nav a[href="/doctor"]')).to_have_count(0)
    with shared_server.client(role) as client:
        for url in (
            "/api/v1/audit/entries",
            "/api/v1/audit/verify",
            "/api/v1/audit/actions",
            "/api/v1/audit/export?purpose=curious",
        ):
            assert client.get(url).status_code == 403, url


def test_an_auditor_may_read_the_audit_trail_but_not_the_doctor(
    shared_server: LiveServer, page: Page
) -> None:
    open_as(page, shared_server, Role.AUDITOR, "/audit")
    expect(page.locator('#site-nav a[href="/audit"]')).to_have_count(1)
    expect(page.locator('#site-nav a[href="/doctor"]')).to_have_count(0)
    response = page.goto(shared_server.url + "/doctor")
    assert response is not None and response.status == 403


def test_a_critical_doctor_finding_shows_a_banner_to_admins_only(
    live_server: LiveServer, browser: Browser, tmp_path: Path
) -> None:
    keys = live_server.settings.key_path
    admin_context = new_context(browser)
    admin = admin_context.new_page()
    sign_in(admin, live_server, live_server.admin_password)
    admin.goto(live_server.url + "/doctor")
    expect(admin.locator("#doctor-rows tr").first).to_be_visible()
    expect(admin.locator('#doctor-rows tr[data-level="critical"]')).to_have_count(0)
    expect(admin.locator("#doctor-banner")).to_have_count(0)

    operator_context = new_context(browser)
    operator = operator_context.new_page()
    try:
        os.chmod(keys, 0o777)  # anyone may swap a key now: critical
        admin.goto(live_server.url + "/doctor")  # checks afresh (and refreshes the banner's cache)
        critical = admin.locator('#doctor-rows tr[data-level="critical"]')
        expect(critical).to_have_count(1)
        expect(critical).to_contain_text("writable by others")
        expect(critical).to_contain_text(f"chmod 700 {keys}")
        keep_screenshot(admin, tmp_path / "doctor-critical.png")
        docs_screenshot(admin, "doctor-critical")

        admin.goto(live_server.url + "/events")
        banner = admin.locator("#doctor-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Critical problems found by the doctor: 1.")
        banner.get_by_role("link", name="See the doctor's findings and how to fix them").click()
        expect(admin).to_have_url(live_server.url + "/doctor")
        keep_screenshot(admin, tmp_path / "doctor-banner.png")

        open_as(operator, live_server, Role.OPERATOR, "/events")
        expect(operator.get_by_role("heading", name="Events", exact=True)).to_be_visible()
        expect(operator.locator("#doctor-banner")).to_have_count(0)
    finally:
        os.chmod(keys, 0o700)
    admin.goto(live_server.url + "/doctor")
    expect(admin.locator('#doctor-rows tr[data-level="critical"]')).to_have_count(0)
    admin.goto(live_server.url + "/events")
    expect(admin.locator("#doctor-banner")).to_have_count(0)
    operator_context.close()
    admin_context.close()


@pytest.fixture(scope="module")
def sessions(shared_server: LiveServer, browser: Browser) -> dict[str, list[Any]]:
    """Cookies of a signed-in auditor and admin, for contexts of any size and theme."""
    audited_actions(shared_server, "aulook", "look")
    found: dict[str, list[Any]] = {}
    for who in ("auditor", "admin"):
        context = new_context(browser)
        signing = context.new_page()
        if who == "admin":
            sign_in(signing, shared_server, shared_server.admin_password)
        else:
            open_as(signing, shared_server, Role.AUDITOR, "/audit")
        found[who] = [c for c in context.cookies() if c["name"] == "sitewarden_session"]
        context.close()
    return found


PAGES = {"/audit": "auditor", "/doctor": "admin"}


def settled(server: LiveServer, context: BrowserContext, path: str) -> Page:
    page = context.new_page()
    page.goto(server.url + path)
    if path == "/audit":
        expect(page.locator("#au-rows tr").first).to_be_visible()
        expect(page.locator("#au-chain")).to_have_attribute("data-state", "ok")
    else:
        expect(page.locator("#doctor-rows tr").first).to_be_visible()
    return page


def session_context(
    browser: Browser, server: LiveServer, cookies: list[Any], locale: str, **options: Any
) -> BrowserContext:
    context = new_context(browser, **options)
    lang = {"name": "sitewarden_lang", "value": locale, "url": server.url}
    context.add_cookies([*cookies, lang])
    return context


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violation(
    shared_server: LiveServer, browser: Browser, sessions: dict[str, list[Any]], color_scheme: str
) -> None:
    found = {}
    for locale in ("en", "zh_CN"):
        for path, who in PAGES.items():
            context = session_context(
                browser, shared_server, sessions[who], locale, color_scheme=color_scheme
            )
            page = settled(shared_server, context, path)
            bad = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in Axe().run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[f"{locale} {path}"] = bad
            if locale == "en":
                docs_screenshot(page, f"{path.strip('/')}-{color_scheme}")
            context.close()
    assert found == {}


def test_the_pages_show_no_english_ui_string_in_chinese(
    shared_server: LiveServer, browser: Browser, sessions: dict[str, list[Any]]
) -> None:
    english = set(extracted_messages())
    for path, who in PAGES.items():
        context = session_context(browser, shared_server, sessions[who], "zh_CN")
        page = settled(shared_server, context, path)
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        left = untranslated(page.evaluate(VISIBLE_TEXT), english)
        assert left == [], f"{path} shows English: {left}"
        docs_screenshot(page, f"{path.strip('/')}-zh-CN")
        context.close()


def test_the_pages_fit_a_375_px_phone(
    shared_server: LiveServer, browser: Browser, sessions: dict[str, list[Any]], tmp_path: Path
) -> None:
    widths = {}
    for locale in ("zh_CN", "en"):
        for path, who in PAGES.items():
            context = session_context(browser, shared_server, sessions[who], locale, width=375)
            page = settled(shared_server, context, path)
            widths[f"{locale} {path}"] = page.evaluate("document.documentElement.scrollWidth")
            if locale == "en":
                keep_screenshot(page, tmp_path / f"{path.strip('/')}-phone.png")
                docs_screenshot(page, f"{path.strip('/')}-phone")
            context.close()
    assert max(widths.values()) <= 375, widths


def test_the_verify_api_walks_new_entries_only_until_asked_for_the_whole_chain(
    shared_server: LiveServer,
) -> None:
    with shared_server.client(Role.AUDITOR) as auditor:
        whole = auditor.get("/api/v1/audit/verify", params={"full": "true"}).json()
        audited_actions(shared_server, "auverify", "verify")
        again = auditor.get("/api/v1/audit/verify").json()
    assert whole["ok"] and whole["full"]
    assert again["ok"] and not again["full"]
    assert again["checked"] >= whole["checked"] + 4
    assert again["full_at"] == whole["full_at"]
    assert httpx.get(shared_server.url + "/api/v1/audit/verify").status_code == 401


def test_a_reader_scoped_to_one_site_finds_and_exports_only_its_sites_entries(
    shared_server: LiveServer,
) -> None:
    audited_actions(shared_server, "auscope-a", "scope-a")
    audited_actions(shared_server, "auscope-b", "scope-b")
    params = {"action": "consent.record", "limit": 500}
    with (
        shared_server.client(Role.AUDITOR) as everyone,
        shared_server.client(Role.AUDITOR, sites=("auscope-a",)) as scoped,
    ):
        every_site = {
            e["site_id"]
            for e in everyone.get("/api/v1/audit/entries", params=params).json()["entries"]
        }
        own = {
            e["site_id"]
            for e in scoped.get("/api/v1/audit/entries", params=params).json()["entries"]
        }
        exported = scoped.get(
            "/api/v1/audit/export", params={**params, "format": "jsonl", "purpose": "scope check"}
        )
        other = scoped.get("/api/v1/audit/entries", params={"site": "auscope-b"})
    assert {"auscope-a", "auscope-b"} <= every_site
    assert own == {"auscope-a"}
    assert {json.loads(line)["site_id"] for line in exported.text.splitlines()} == {"auscope-a"}
    assert other.status_code == 404  # another site does not exist for it
