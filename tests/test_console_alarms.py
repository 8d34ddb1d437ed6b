"""The alarm console in headless chromium against a real server, as a guard, a viewer
and an admin would use it: a new critical alarm sounds, notifies and shows a banner,
sorts above older minor ones, and is acknowledged, noted, shelved and resolved from the
page, or assigned to a colleague; a critical alarm that cleared itself stays
unacknowledged until someone acknowledges it, and a muted page makes no sound; a repeat
counts in the busiest-rules strip; a viewer sees alarms but no buttons."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from bench.alarm_cues import CUE_RECORDER
from playwright.sync_api import Browser, Page, expect

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_web import browser, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026"
MUTE_MARGIN_MS = 2_000  # after the cue: more than the 0.5 s a critical alarm's tones span
_sites = count()


@pytest.fixture
def console(browser: Browser, shared_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["notifications"], origin=shared_server.url)
    context.add_init_script(CUE_RECORDER)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _sign_in_as(page: Page, server: LiveServer, name: str, role: Role = Role.OPERATOR) -> None:
    page.goto(server.url + "/alerts")
    sign_in_user(page, server, name, role, PASSWORD)
    expect(page.get_by_role("heading", name="Alarms")).to_be_visible()
    expect(page.locator("#alert-status")).to_contain_text("live")


def _site_with(server: LiveServer, kind: DeviceKind, device: str) -> tuple[str, str]:
    site = f"console{next(_sites)}"
    return site, server.add_site_with_device(site, device, kind)


def _post(server: LiveServer, token: str, *events: dict[str, object]) -> None:
    with device_client(server, token) as device:
        assert device.post("/api/v1/events", json=list(events)).status_code == 200


def _cues(page: Page) -> dict[str, object]:
    """The notifications' titles and the number of tones the page has made so far."""
    recorded: list[dict[str, str]] = page.evaluate("window.__cueTimes")
    return {
        "notifications": [c["title"] for c in recorded if c["cue"] == "notification"],
        "tones": sum(c["cue"] == "tone" for c in recorded),
    }


def test_a_new_critical_alarm_sounds_notifies_and_is_worked_through_from_the_page(
    shared_server: LiveServer, console: Page, tmp_path: Path
) -> None:
    _, door = _site_with(shared_server, DeviceKind.DOOR_CONTACT, "door-3")
    smoke_site, smoke = _site_with(shared_server, DeviceKind.SMOKE_DETECTOR, "smoke-1")
    held: dict[str, object] = {"kind": "door.held_open", "attributes": {"open_seconds": 300}}
    _post(shared_server, door, held)  # minor, older: sorts below
    _sign_in_as(console, shared_server, "guard")
    rows = console.locator("#alerts tr")
    expect(rows.filter(has_text="door-3")).to_have_count(1)
    expect(console.locator("#alarm-banner")).to_have_count(0)  # a minor alarm is quiet

    raised = time.monotonic()
    _post(shared_server, smoke, {"kind": "alarm.smoke"})
    expect(console.locator("#alarm-banner")).to_contain_text("Smoke alarm", timeout=3_000)
    seen = time.monotonic() - raised
    cues = _cues(console)
    assert cues["tones"] and cues["notifications"] == ["critical: Smoke alarm"], cues
    print(f"banner, sound and notification {seen:.2f} s after the event was acknowledged")
    expect(rows.first).to_contain_text("Smoke alarm")  # critical above the older minor one
    expect(rows.first).to_contain_text("Unacknowledged")
    keep_screenshot(console, tmp_path / "alarms.png")

    rows.first.click()
    detail = console.locator("#detail")
    expect(detail.get_by_role("heading", name="Smoke alarm")).to_be_visible()
    detail.get_by_role("button", name="Acknowledge").click()
    expect(detail.locator("#detail-facts")).to_contain_text("Acknowledged")
    expect(console.locator("#alarm-banner")).to_have_count(0)
    detail.get_by_label("Note").fill("guard sent to level 2")
    detail.get_by_role("button", name="Add note").click()
    expect(detail.locator("#detail-history")).to_contain_text("guard sent to level 2")
    detail.get_by_label("Reason").fill("detector being cleaned")
    detail.get_by_role("button", name="Shelve").click()
    expect(detail.locator("#detail-facts")).to_contain_text("detector being cleaned")
    expect(rows.filter(has_text="Smoke alarm")).to_have_count(0)  # off the active list
    console.get_by_role("tab", name="Shelved").click()
    expect(rows.filter(has_text="Smoke alarm")).to_have_count(1)
    keep_screenshot(console, tmp_path / "alarm-detail.png")
    detail.get_by_role("button", name="Resolve").click()
    expect(detail.locator("#detail-facts")).to_contain_text("Resolved")
    console.get_by_role("tab", name="Resolved").click()
    expect(rows.filter(has_text="Smoke alarm")).to_have_count(1)

    with shared_server.client(Role.ADMIN) as admin:
        alarms = admin.get("/api/v1/alerts", params={"site": smoke_site})
        alert_id = alarms.json()["alerts"][0]["alert_id"]
        history = admin.get(f"/api/v1/alerts/{alert_id}").json()["history"]
    assert [(h["actor"], h["action"]) for h in history[1:]] == [
        ("guard", "acknowledged"),
        ("guard", "noted"),
        ("guard", "shelved"),
        ("guard", "resolved"),
    ]


def test_a_critical_alarm_that_cleared_itself_waits_for_acknowledgement(
    shared_server: LiveServer, console: Page
) -> None:
    _, smoke = _site_with(shared_server, DeviceKind.SMOKE_DETECTOR, "smoke-9")
    _sign_in_as(console, shared_server, "guard")
    console.get_by_role("button", name="Mute sound").click()
    _post(shared_server, smoke, {"kind": "alarm.smoke"})
    row = console.locator("#alerts tr", has_text="smoke-9")
    expect(row).to_contain_text("Unacknowledged")
    expect(console.locator("#alarm-banner")).to_contain_text("smoke-9")
    console.wait_for_function("window.__cueTimes.some((c) => c.title === 'critical: Smoke alarm')")
    console.wait_for_timeout(MUTE_MARGIN_MS)  # a tone scheduled late would sound by now
    assert _cues(console)["tones"] == 0  # muted: the notification and banner remain
    _post(shared_server, smoke, {"kind": "alarm.smoke", "attributes": {"state": "clear"}})
    expect(row).to_contain_text("Returned, unacknowledged")
    expect(console.locator("#alarm-banner")).to_contain_text("Smoke alarm")
    time.sleep(1)  # it stays: nothing resolves it but a person
    expect(row).to_contain_text("Returned, unacknowledged")
    row.get_by_role("button", name="Acknowledge").click()
    expect(row).to_have_count(0)
    console.get_by_role("tab", name="Resolved").click()
    expect(row).to_contain_text("Resolved")


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ADMIN])
def test_buttons_show_only_for_roles_that_may_handle_alarms(
    shared_server: LiveServer, console: Page, role: Role
) -> None:
    site, door = _site_with(shared_server, DeviceKind.DOOR_CONTACT, "door-5")
    _post(shared_server, door, {"kind": "door.forced"})
    if role is Role.ADMIN:
        sign_in(console, shared_server, shared_server.admin_password)
        console.goto(shared_server.url + "/alerts")
    else:
        _sign_in_as(console, shared_server, "nightviewer", role)
    row = console.locator("#alerts tr", has_text=f"{site} / main / door-5")
    expect(row).to_have_count(1)
    row.click()
    detail = console.locator("#detail")
    expect(detail.get_by_role("heading", name="Door forced open")).to_be_visible()
    may = role is Role.ADMIN
    expect(row.get_by_role("button", name="Acknowledge")).to_have_count(1 if may else 0)
    expect(detail.get_by_role("button", name="Acknowledge")).to_be_visible(visible=may)
    expect(detail.get_by_role("button", name="Shelve")).to_be_visible(visible=may)
    expect(detail.get_by_role("button", name="Add note")).to_be_visible(visible=may)
    expect(detail.get_by_label("Assign to")).to_be_visible(visible=may)


def test_a_repeat_counts_in_the_rule_rates_and_enter_opens_the_triggering_events(
    shared_server: LiveServer, console: Page
) -> None:
    site, smoke = _site_with(shared_server, DeviceKind.SMOKE_DETECTOR, "smoke-12")
    _sign_in_as(console, shared_server, "guard")
    console.locator("#site-filter").select_option(site)
    _post(shared_server, smoke, {"kind": "alarm.smoke"})
    row = console.locator("#alerts tr", has_text="smoke-12")
    rate = console.locator('#rates .chip[data-rule="smoke"]')
    expect(rate).to_have_text("Smoke alarm: 1 opened, 0 repeats, 1 open")
    _post(shared_server, smoke, {"kind": "alarm.smoke"})  # the same alarm again: folded, ×2
    expect(row).to_contain_text("×2")
    expect(rate).to_have_text("Smoke alarm: 1 opened, 1 repeats, 1 open")
    expect(console.locator("#alerts tr")).to_have_count(1)  # one alarm, not two
    row.focus()
    console.keyboard.press("Enter")
    expect(console.locator("#detail").get_by_role("heading", name="Smoke alarm")).to_be_visible()
    triggers = console.locator("#detail-events li")
    expect(triggers).to_have_count(2)
    expect(triggers.first).to_contain_text("alarm.smoke")
    console.get_by_role("link", name="Open these events in the explorer").click()
    expect(console.get_by_role("heading", name="Events")).to_be_visible()
    expect(console.locator("#ex-range")).to_have_value("custom")  # the alarm's own span
    expect(console.locator("#ex-rows tr")).to_have_count(2)
    expect(console.locator("#ex-rows tr").first).to_have_attribute("data-kind", "alarm.smoke")


def test_an_operator_assigns_an_alarm_to_a_colleague_and_it_is_audited(
    shared_server: LiveServer, console: Page
) -> None:
    site, door = _site_with(shared_server, DeviceKind.DOOR_CONTACT, "door-8")
    shared_server.api_key_for(Role.OPERATOR)  # the colleague, operator-all
    shared_server.api_key_for(Role.VIEWER)  # viewer-all may not handle alarms: not offered
    _post(shared_server, door, {"kind": "door.forced"})
    _sign_in_as(console, shared_server, "guard")
    row = console.locator("#alerts tr", has_text=f"{site} / main / door-8")
    row.click()
    detail = console.locator("#detail")
    chooser = detail.get_by_label("Assign to")
    expect(chooser.locator("option", has_text="operator-all")).to_have_count(1)
    offered = chooser.locator("option").all_text_contents()
    assert "guard" in offered and "viewer-all" not in offered, offered
    violations = Axe().run(console).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
    chooser.select_option("operator-all")
    detail.get_by_role("button", name="Assign", exact=True).click()
    expect(detail.locator("#detail-facts")).to_contain_text("operator-all")
    expect(row).to_contain_text("operator-all")
    expect(detail.locator("#detail-history")).to_contain_text("guard · assigned: to operator-all")

    with shared_server.client(Role.ADMIN) as admin:
        alarm = admin.get("/api/v1/alerts", params={"site": site}).json()["alerts"][0]
    assert alarm["assigned_to"] == "operator-all"
    entries = [e for e in shared_server.audit_entries() if alarm["alert_id"] in e["targets"]]
    assert [(e["actor"], e["action"]) for e in entries] == [("guard", "alert.assign")]
