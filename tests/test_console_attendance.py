"""The attendance page in headless chromium against a real server, in English and in
Chinese: a month of staff passes posted through a reader's device API, shown per day
with late days and missing punches marked, exported through the page's links as XLSX
(read back with openpyxl) and CSV, both matching the API's figures; an admin's
correction with a reason changing the figure and landing in the audit log;
names only with a purpose (masked for a guard); axe-clean in light and dark, in Chinese
and on a 375 px phone. A viewer may not open the page.

Set SITEWARDEN_DOCS_SCREENSHOTS=1 to write docs/console/attendance.png again.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.registry import service
from tests.conftest import LiveServer, device_client
from tests.console_words import LANGUAGES, words
from tests.test_access_decisions import AccessSite
from tests.test_web import browser, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DOCS_SHOT = Path(__file__).resolve().parents[1] / "docs" / "console" / "attendance.png"
_sites = count()


class Month:
    """A site with two staff members and four weeks of their passes (all in the past,
    within the intake's 30-day limit): Ann late once and with a missing out, Bo late."""

    def __init__(self, server: LiveServer) -> None:
        self.site_id = f"atc{next(_sites)}"
        self.site = AccessSite(server, self.site_id)
        self.ann = self.site.person("Ann Lee", group="staff")["person_id"]
        self.bo = self.site.person("Bo Chen", group="staff")["person_id"]
        today = datetime.now(SHANGHAI).date()
        self.until = today
        self.since = today - timedelta(days=27)
        self.first, self.second, self.third = (today - timedelta(days=n) for n in (20, 13, 6))
        passes = [
            (self.ann, self.first, "08:50", "in"),
            (self.ann, self.first, "17:50", "out"),
            (self.ann, self.second, "09:25", "in"),
            (self.ann, self.second, "18:10", "out"),
            (self.ann, self.third, "08:40", "in"),
            (self.bo, self.first, "09:05", "in"),
            (self.bo, self.first, "17:05", "out"),
        ]
        events = [
            {
                "kind": "access.granted",
                "time": _at(day, clock).astimezone(UTC).isoformat(),
                "attributes": {"credential": "badge", "direction": way, "person_ref": person},
            }
            for person, day, clock, way in passes
        ]
        with device_client(server, self.site.readers["gate"]) as gate:
            answer = gate.post("/api/v1/events", json=events)
            assert answer.status_code == 200, answer.text

    def span(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}

    def api(self, server: LiveServer, **params: Any) -> dict[str, Any]:
        with server.client(Role.ADMIN) as admin:
            answer = admin.get(
                f"/api/v1/access/sites/{self.site_id}/attendance", params={**self.span(), **params}
            )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def address(self, view: str = "day") -> str:
        return f"/attendance?site={self.site_id}&since={self.since}&until={self.until}&view={view}"


def _at(day: date, clock: str) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _open(
    page: Page, server: LiveServer, path: str, role: Role, user: str, locale: str = "en"
) -> None:
    """Sign in through the (English) form, then read the page in ``locale``."""
    page.goto(server.url + path)
    if role is Role.ADMIN:
        sign_in(page, server, server.admin_password)
    else:
        sign_in_user(page, server, user, role, PASSWORD)
    page.context.add_cookies([{"name": "sitewarden_lang", "value": locale, "url": server.url}])
    page.goto(server.url + path)  # sign-in returns to the path alone


def _serious(page: Page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _row(page: Page, person: str, day: date):  # type: ignore[no-untyped-def]
    return page.locator(f'#at-day-rows tr[data-person="{person}"][data-day="{day.isoformat()}"]')


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_month_exported_as_xlsx_and_csv_matches_the_apis_figures(
    shared_server: LiveServer, tab: Page, tmp_path: Path, locale: str
) -> None:
    say = words(locale)
    month = Month(shared_server)
    _open(tab, shared_server, month.address(), Role.ADMIN, "admin", locale)
    expect(tab.get_by_role("heading", name=say("Attendance"), exact=True)).to_be_visible()
    expect(tab.locator("#at-timezone")).to_contain_text("Asia/Shanghai")
    # late days and the missing punch are marked on the day rows
    expect(_row(tab, month.ann, month.second).locator(".mark-late")).to_have_text(say("Late"))
    expect(_row(tab, month.bo, month.first).locator(".mark-late")).to_be_visible()
    expect(_row(tab, month.ann, month.first).locator(".mark")).to_have_count(0)
    expect(_row(tab, month.ann, month.third).locator(".mark-missing")).to_have_text(
        say("Missing out")
    )
    figures = month.api(shared_server)
    # the page's CSV link: the day rows as the API has them
    with tab.expect_download() as waiting:
        tab.get_by_role("link", name=say("Export CSV")).click()
    assert waiting.value.suggested_filename.endswith(".csv")
    text = Path(waiting.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [
        (r["person_ref"], r["day"], float(r["hours"]), r["late"], r["missing_out"], r["first_in"])
        for r in rows
    ] == [
        (
            d["person_ref"],
            d["day"],
            d["hours"],
            str(d["late"]).lower(),
            str(d["missing_out"]).lower(),
            d["first_in"] or "",
        )
        for d in figures["days"]
    ]
    assert sum(r["late"] == "true" for r in rows) == 2 and len(rows) == 4
    tab.select_option("#at-view", "month")
    expect(tab.locator("#at-period-rows tr").first).to_be_visible()
    with tab.expect_download() as waiting:
        tab.get_by_role("link", name=say("Export XLSX")).click()
    download = waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(download.path()).read_bytes()))

    def sheet(name: str) -> list[dict[str, Any]]:
        rows = list(book[name].iter_rows(values_only=True))
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]

    assert [
        (r["person_ref"], r["period"], r["days"], r["hours"], r["late"], r["missing"])
        for r in sheet("Months")
    ] == [
        (m["person_ref"], m["period"], m["days"], m["hours"], m["late"], m["missing"])
        for m in figures["months"]
    ]
    ann_hours = sum(m["hours"] for m in figures["months"] if m["person_ref"] == month.ann)
    assert ann_hours == 17.75  # 9 h + 8.75 h; the day without an out counts none
    days = sheet("Days")
    assert [(d["person_ref"], d["day"], d["hours"], d["late"], d["missing_out"]) for d in days] == [
        (d["person_ref"], d["day"], d["hours"], d["late"], d["missing_out"])
        for d in figures["days"]
    ]
    assert [d["first_in"] for d in days] == [d["first_in"] for d in figures["days"]]
    group = sheet("Group months")
    assert sum(g["hours"] for g in group) == sum(
        g["hours"] for g in figures["group_totals"]["months"]
    )
    assert sum(g["late"] for g in group) == 2
    if locale != "en":
        return  # the screenshots are of the English page
    if os.environ.get("SITEWARDEN_DOCS_SCREENSHOTS") == "1":
        tab.select_option("#at-view", "day")
        expect(_row(tab, month.ann, month.third)).to_be_visible()
        shot = Image.open(io.BytesIO(tab.screenshot()))
        shot.quantize(256, dither=Image.Dither.NONE).save(DOCS_SHOT)
    keep_screenshot(tab, tmp_path / "attendance-month.png")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_a_correction_with_a_reason_changes_the_figure_and_is_audited(
    shared_server: LiveServer, tab: Page, tmp_path: Path, locale: str
) -> None:
    say = words(locale)
    month = Month(shared_server)
    _open(tab, shared_server, month.address(), Role.ADMIN, "admin", locale)
    row = _row(tab, month.ann, month.third)
    expect(row.locator(".mark-missing")).to_be_visible()
    row.get_by_role("button", name=say("Correct"), exact=True).click()
    dialog = tab.locator("#at-correct")
    expect(dialog).to_be_visible()
    dialog.get_by_label(say("Last out")).fill("17:40")
    dialog.get_by_label(say("Reason")).fill("badge reader at the back door was down")
    if locale != "en":
        assert _serious(tab) == []  # the filled correction dialog
    dialog.get_by_role("button", name=say("Save correction")).click()
    expect(row.locator(".mark-corrected")).to_have_text(say("Corrected"))
    expect(row.locator(".mark-missing")).to_have_count(0)
    expect(row.locator("td").nth(4)).to_have_text("9")
    expect(row.locator(".recorded").first).to_have_text(
        say("by {user}").format(user="admin")
    )  # the reason needs a purpose, like the names
    if locale != "en":
        assert _serious(tab) == []  # the corrected row
    else:
        keep_screenshot(tab, tmp_path / "attendance-corrected.png")
    [day] = [
        d
        for d in month.api(shared_server)["days"]
        if d["person_ref"] == month.ann and d["day"] == month.third.isoformat()
    ]
    assert day["hours"] == 9.0 and day["corrected"] is True and day["missing_out"] is False
    assert day["recorded_last_out"] is None and day["last_out"] is not None
    assert day["correction"]["reason"] is None  # the reason only with a purpose, like names
    named = month.api(shared_server, purpose="payroll check")
    [day] = [d for d in named["days"] if d["correction"]]
    assert day["correction"]["reason"] == "badge reader at the back door was down"
    [entry] = [
        e
        for e in shared_server.audit_entries()
        if e["action"] == "attendance.correct" and e["site_id"] == month.site_id
    ]
    assert entry["purpose"] == "badge reader at the back door was down"
    assert f"p-{month.ann}" in entry["targets"]
    # without a reason there is no correction
    with shared_server.client(Role.ADMIN) as admin:
        refused = admin.post(
            f"/api/v1/access/sites/{month.site_id}/attendance/corrections",
            json={"person_ref": month.bo, "day": month.first.isoformat(), "last_out": "18:00"},
        )
    assert refused.status_code == 422
    with shared_server.client(Role.OPERATOR) as guard:
        forbidden = guard.post(
            f"/api/v1/access/sites/{month.site_id}/attendance/corrections",
            json={
                "person_ref": month.bo,
                "day": month.first.isoformat(),
                "last_out": "18:00",
                "reason": "asked by the shift lead",
            },
        )
    assert forbidden.status_code == 403


def test_the_span_opens_on_this_month_of_the_sites_calendar_not_the_browsers(
    shared_server: LiveServer, browser: Browser
) -> None:
    # Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: the site's date is
    # never the browser's, at whatever hour the suite runs.
    site_id = f"atc{next(_sites)}"
    store = shared_server.open_storage()
    try:
        service.create_site(store.registry, site_id, "Line Islands", "Pacific/Kiritimati", 900, 600)
    finally:
        store.close()
    site = AccessSite(shared_server, site_id)
    ann = site.person("Ann Lee", group="staff")["person_id"]
    now = datetime.now(UTC)
    badge_in = {"credential": "badge", "direction": "in", "person_ref": ann}
    event = {"kind": "access.granted", "time": now.isoformat(), "attributes": badge_in}
    with device_client(shared_server, site.readers["gate"]) as gate:
        assert gate.post("/api/v1/events", json=[event]).status_code == 200

    context = browser.new_context(timezone_id="Pacific/Pago_Pago")
    try:
        page = context.new_page()
        _open(page, shared_server, f"/attendance?site={site_id}", Role.OPERATOR, "at-far-guard")
        today = now.astimezone(ZoneInfo("Pacific/Kiritimati")).date()
        expect(page.locator("#at-until")).to_have_value(today.isoformat())
        expect(page.locator("#at-since")).to_have_value(today.replace(day=1).isoformat())
        expect(_row(page, ann, today)).to_be_visible()  # this morning's badge-in, on the site
    finally:
        context.close()


def test_a_guard_sees_names_masked_only_with_a_purpose_and_cannot_correct(
    shared_server: LiveServer, tab: Page, browser: Browser
) -> None:
    month = Month(shared_server)
    _open(tab, shared_server, month.address(), Role.OPERATOR, "at-guard")
    row = _row(tab, month.ann, month.first)
    expect(row).to_be_visible()
    expect(row.locator("td").first).to_have_text(month.ann)  # a reference, no name
    expect(tab.get_by_role("button", name="Correct")).to_have_count(0)
    tab.select_option("#at-purpose-kind", "Incident investigation")
    tab.get_by_role("button", name="Show names").click()
    expect(row.locator("td").first).to_have_text(f"A** L** · {month.ann}")
    assert "Ann Lee" not in tab.content()
    entries = [
        e
        for e in shared_server.audit_entries()
        if e["action"] == "attendance.read" and e["site_id"] == month.site_id
    ]
    assert [e["actor"] for e in entries] == ["at-guard"]
    assert entries[0]["purpose"] == "Incident investigation"
    viewer = browser.new_context()
    page = viewer.new_page()
    _open(page, shared_server, month.address(), Role.VIEWER, "at-viewer")
    expect(page.get_by_role("heading", name="Attendance", exact=True)).to_have_count(0)
    expect(page.locator("#site-nav")).not_to_contain_text("Attendance")
    viewer.close()


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_attendance_page_is_accessible_and_fits_a_phone(
    shared_server: LiveServer, browser: Browser, color_scheme: str, tmp_path: Path
) -> None:
    month = Month(shared_server)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=color_scheme
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    _open(page, shared_server, month.address(), Role.ADMIN, "admin")
    expect(_row(page, month.ann, month.first)).to_be_visible()
    assert _serious(page) == []
    _row(page, month.ann, month.first).get_by_role("button", name="Correct").click()
    assert _serious(page) == []  # the correction dialog too
    page.get_by_role("button", name="Cancel").click()
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    expect(_row(page, month.ann, month.first)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    keep_screenshot(page, tmp_path / f"attendance-phone-{color_scheme}.png")
    context.close()
