"""The device pages in headless chromium against a real server: the list puts the
offline device first and narrows by health, kind, zone and text, keeping the filters in
the address; a device's page shows its recent events, its open alarm (linked to the
alarm console) and its messages per interval as a chart and a table; an admin edits it,
rotates its token (shown once; the old one is refused, the new one accepted) and revokes
it, each audited; a viewer sees none of the buttons and the API refuses it anyway."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.model import to_micros
from tests.conftest import LiveServer, device_client, raw_sql
from tests.test_console_foundation import docs_screenshot
from tests.test_web import browser, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026"
SITE_ZONE = ZoneInfo("Asia/Shanghai")  # add_site_with_device's sites
_sites = count()


@pytest.fixture
def browser_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _site(server: LiveServer, *devices: tuple[str, DeviceKind, str]) -> tuple[str, dict[str, str]]:
    site = f"devsite{next(_sites)}"
    tokens = {
        name: server.add_site_with_device(site, name, kind, zone) for name, kind, zone in devices
    }
    return site, tokens


def _post(server: LiveServer, token: str, *events: dict[str, Any]) -> httpx.Response:
    with device_client(server, token) as device:
        return device.post("/api/v1/events", json=list(events))


def _heartbeat(at: datetime) -> dict[str, Any]:
    return {"kind": "device.heartbeat", "time": at.isoformat()}


def _as_operator(page: Page, server: LiveServer, path: str, role: Role = Role.OPERATOR) -> None:
    page.goto(server.url + path)
    sign_in_user(page, server, f"dev-{role.value}", role, PASSWORD)
    page.goto(server.url + path)


def test_the_offline_device_comes_first_and_filters_narrow_the_list_and_stay_in_the_address(
    shared_server: LiveServer, browser_page: Page, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    site, tokens = _site(
        shared_server,
        *[(f"door-{n:02}", DeviceKind.DOOR_CONTACT, "lobby") for n in range(12)],
        ("cam-yard", DeviceKind.CAMERA, "yard"),
        ("zz-gone", DeviceKind.DOOR_CONTACT, "yard"),
    )
    for n in range(12):
        assert _post(shared_server, tokens[f"door-{n:02}"], _heartbeat(now)).status_code == 200
    assert _post(shared_server, tokens["cam-yard"], _heartbeat(now)).status_code == 200
    # Heard from three hours ago, and not since: offline, and last by its name.
    assert _post(shared_server, tokens["zz-gone"], _heartbeat(now)).status_code == 200
    raw_sql(
        shared_server.settings,
        "UPDATE devices SET last_seen_at = ? WHERE site_id = ? AND device_id = ?",
        (to_micros(now - timedelta(hours=3)), site, "zz-gone"),
    )
    page = browser_page
    _as_operator(page, shared_server, f"/devices?site={site}")
    rows = page.locator("#devices tr")
    expect(rows).to_have_count(14)
    expect(rows.first).to_have_attribute("data-device", "zz-gone")
    expect(rows.first).to_contain_text("offline")
    expect(page.locator("#device-summary")).to_contain_text("1 offline")
    expect(page.locator("#site-timezone")).to_contain_text("Asia/Shanghai")
    keep_screenshot(page, tmp_path / "devices.png")

    page.get_by_label("Health").select_option("offline")
    expect(rows).to_have_count(1)
    assert "health=offline" in page.url
    page.get_by_label("Health").select_option("")
    page.get_by_label("Kind").select_option("camera")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-device", "cam-yard")
    page.get_by_label("Kind").select_option("")
    page.get_by_label("Zone").select_option("yard")
    expect(rows).to_have_count(2)
    page.get_by_label("Name or id").fill("door-1")
    expect(rows).to_have_count(0)
    page.get_by_label("Zone").select_option("")
    expect(rows).to_have_count(2)  # door-10 and door-11
    shared = page.url
    assert "q=door-1" in shared and f"site={site}" in shared

    # The address alone gives the same list (a shared link), and so does Back.
    page.goto(shared_server.url + f"/devices?site={site}&zone=yard&health=offline")
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Zone")).to_have_value("yard")
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(shared_server.url + f"/devices/{site}/zz-gone")
    page.go_back()
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Health")).to_have_value("offline")


def test_a_device_page_shows_its_events_its_open_alarm_and_its_messages_per_interval(
    shared_server: LiveServer, browser_page: Page, tmp_path: Path
) -> None:
    site, tokens = _site(shared_server, ("door-7", DeviceKind.DOOR_CONTACT, "main"))
    now = datetime.now(UTC)
    slot = datetime.fromtimestamp((now - timedelta(hours=2)).timestamp() // 900 * 900, UTC)
    beats = [_heartbeat(slot + timedelta(seconds=60 + s)) for s in range(5)]
    assert _post(shared_server, tokens["door-7"], *beats).status_code == 200
    forced = {"kind": "door.forced", "note": "rear door forced"}
    assert _post(shared_server, tokens["door-7"], forced).status_code == 200
    raw_sql(  # registered a day ago: its silent intervals since are gaps
        shared_server.settings,
        "UPDATE devices SET created_at = ? WHERE site_id = ? AND device_id = ?",
        (to_micros(now - timedelta(days=1)), site, "door-7"),
    )
    page = browser_page
    _as_operator(page, shared_server, f"/devices/{site}/door-7")
    expect(page.locator("#device-name")).to_have_text("door-7")  # the registry's name
    expect(page.locator("#fact-kind")).to_have_text("door_contact")
    expect(page.locator("#device-events tbody tr").first).to_contain_text("door.forced")
    expect(page.locator("#device-events tbody tr")).to_have_count(6)
    alarm = page.locator("#device-alerts tbody tr")
    expect(alarm).to_have_count(1)
    link = alarm.first.get_by_role("link")
    assert (link.get_attribute("href") or "").startswith("/alerts#")
    all_events = page.get_by_role("link", name="All events of this device")
    assert "device=door-7" in (all_events.get_attribute("href") or "")

    expect(page.locator("#activity-chart")).to_be_visible()
    assert page.evaluate("!!window.Chart && !!Chart.getChart('activity-chart')")
    table = page.locator("#activity-table tbody tr")
    expect(table).to_have_count(96)
    label = slot.astimezone(SITE_ZONE).strftime("%Y-%m-%d %H:%M:%S") + " (Asia/Shanghai)"
    row = table.filter(has_text=label)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("5")
    expect(table.filter(has_text="0 (gap)")).to_have_count(94)  # all but the 5 and the alarm
    expect(page.locator("#activity-summary")).to_contain_text("94 of 96 intervals without")
    page.get_by_role("button", name="Last 7 days").click()
    expect(table).to_have_count(168)
    keep_screenshot(page, tmp_path / "device-detail.png")
    page.get_by_role("button", name="Last 24 hours").click()
    expect(table).to_have_count(96)
    docs_screenshot(page, "device-detail")  # with SITEWARDEN_DOCS_SCREENSHOTS=1

    # Through the API as well: the alarm list filters by device.
    with shared_server.client(Role.VIEWER) as viewer:
        mine = viewer.get("/api/v1/alerts", params={"site": site, "device": "door-7"}).json()
        other = viewer.get("/api/v1/alerts", params={"site": site, "device": "door-8"}).json()
    assert [a["device_id"] for a in mine["alerts"]] == ["door-7"] and other["alerts"] == []


def test_an_admin_edits_rotates_and_revokes_and_each_change_is_audited(
    shared_server: LiveServer, browser_page: Page, tmp_path: Path
) -> None:
    site, tokens = _site(shared_server, ("gate-2", DeviceKind.DOOR_CONTACT, "main"))
    old = tokens["gate-2"]
    page = browser_page
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + f"/devices/{site}/gate-2")
    page.get_by_label("Name", exact=True).fill("Loading bay gate")
    page.get_by_label("Heartbeat interval (seconds)").fill("120")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#device-name")).to_have_text("Loading bay gate")
    with shared_server.client(Role.VIEWER) as viewer:
        stored = viewer.get(f"/api/v1/sites/{site}/devices/gate-2").json()
    assert stored["name"] == "Loading bay gate" and stored["heartbeat_s"] == 120
    page.get_by_label("Name", exact=True).fill("   ")  # blank once trimmed: the API refuses it
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#error-banners")).to_contain_text(re.compile("name", re.I))
    expect(page.locator("#device-name")).to_have_text("Loading bay gate")
    page.get_by_label("Name", exact=True).fill("Loading bay gate")

    page.get_by_role("button", name="Rotate token").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will not be shown again")
    new = page.locator("#new-token").inner_text().strip()
    assert new and new != old and new not in page.url
    keep_screenshot(page, tmp_path / "device-token.png")
    dialog.get_by_role("button", name="Close").click()
    expect(page.locator("#new-token")).to_have_text("")  # shown once: gone with the dialog
    assert _post(shared_server, old, {"kind": "device.heartbeat"}).status_code == 401
    assert _post(shared_server, new, {"kind": "device.heartbeat"}).status_code == 200

    page.get_by_role("button", name="Revoke token").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke token").click()
    expect(page.locator("#fact-token-revoked")).to_contain_text("Asia/Shanghai")
    assert _post(shared_server, new, {"kind": "device.heartbeat"}).status_code == 401

    with shared_server.client() as admin:
        created = admin.post(
            f"/api/v1/sites/{site}/devices", json={"device_id": "gate-9", "kind": "door_contact"}
        )
        assert created.status_code == 201
        assert admin.delete(f"/api/v1/sites/{site}/devices/gate-9").status_code == 204
    entries = shared_server.audit_entries()
    actions = {(e["action"], e["targets"][0]) for e in entries if e["site_id"] == site}
    assert {
        ("device.update", "gate-2"),
        ("device.token_rotate", "gate-2"),
        ("device.token_revoke", "gate-2"),
        ("device.create", "gate-9"),
        ("device.delete", "gate-9"),
    } <= actions
    assert all(new not in str(e) and old not in str(e) for e in shared_server.audit_entries())


def test_a_viewer_sees_no_admin_buttons_and_the_api_refuses_it(
    shared_server: LiveServer, browser_page: Page
) -> None:
    site, _ = _site(shared_server, ("cam-4", DeviceKind.CAMERA, "main"))
    page = browser_page
    _as_operator(page, shared_server, f"/devices/{site}/cam-4", Role.VIEWER)
    expect(page.locator("#device-name")).to_have_text("cam-4")
    for name in ("Save changes", "Rotate token", "Revoke token"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    with shared_server.client(Role.VIEWER) as viewer:
        base = f"/api/v1/sites/{site}/devices/cam-4"
        assert viewer.patch(base, json={"name": "x"}).status_code == 403
        assert viewer.post(base + "/token").status_code == 403
        assert viewer.delete(base + "/token").status_code == 403
    response = page.goto(shared_server.url + f"/devices/{site}/no-such-device")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_both_pages_pass_axe_and_fit_a_phone(
    shared_server: LiveServer, browser: Browser, scheme: str
) -> None:
    site, tokens = _site(shared_server, ("door-a", DeviceKind.DOOR_CONTACT, "main"))
    _post(shared_server, tokens["door-a"], {"kind": "door.forced"})
    found: dict[str, Any] = {}
    for width in (1300, 375):
        context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)  # type: ignore[arg-type]
        context.set_default_timeout(10_000)
        page = context.new_page()
        _as_operator(page, shared_server, f"/devices?site={site}")
        for path, ready in ((f"/devices?site={site}", "#devices tr"),
                            (f"/devices/{site}/door-a", "#device-events tbody tr")):  # fmt: skip
            page.goto(shared_server.url + path)
            expect(page.locator(ready).first).to_be_visible()
            expect(page.locator("#activity-table tbody tr, #devices tr").first).to_be_attached()
            if width == 375:
                found[f"width {path}"] = page.evaluate("document.documentElement.scrollWidth")
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


def test_the_activity_api_answers_every_interval_and_refuses_what_it_should(
    shared_server: LiveServer,
) -> None:
    site, tokens = _site(shared_server, ("meter-1", DeviceKind.EQUIPMENT_SENSOR, "main"))
    now = datetime.now(UTC)
    beats = [_heartbeat(now - timedelta(hours=30, seconds=s)) for s in range(3)]
    assert _post(shared_server, tokens["meter-1"], *beats).status_code == 200
    base = f"/api/v1/sites/{site}/devices/meter-1/activity"
    with shared_server.client(Role.VIEWER) as viewer:
        day = viewer.get(base).json()
        week = viewer.get(base, params={"hours": 168}).json()
        assert viewer.get(base, params={"hours": 169}).status_code == 422
        assert viewer.get(base, params={"hours": 0}).status_code == 422
        assert viewer.get(f"/api/v1/sites/{site}/devices/nobody/activity").status_code == 404
    assert (day["bucket_s"], len(day["buckets"]), day["heartbeat_s"]) == (900, 96, 60)
    assert sum(b["count"] for b in day["buckets"]) == 0  # 30 h ago is outside the day
    assert (week["bucket_s"], len(week["buckets"])) == (3600, 168)
    assert sum(b["count"] for b in week["buckets"]) == 3
    assert datetime.fromisoformat(week["until"]) > now >= datetime.fromisoformat(week["since"])
    other, _ = _site(shared_server, ("meter-2", DeviceKind.EQUIPMENT_SENSOR, "main"))
    with shared_server.client(Role.OPERATOR, sites=(other,)) as outsider:
        assert outsider.get(base).status_code == 404
