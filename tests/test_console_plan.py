"""The site plan in headless chromium against a real server, as a guard, an admin and a
viewer would use it: the demo site's devices on its plan, a device that stops sending
heartbeats turning offline without a reload, a device with an open alarm marked and
opened by click or Enter, an admin placing a device by dragging it (stored, audited)
while a guard cannot; and the alarm detail showing the device on the plan and a camera's
blurred snapshot only after a purpose is given.

Set SITEWARDEN_DOCS_SCREENSHOTS=1 to write docs/console/plan.png again.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, Page, Request, expect

from sitewarden.accounts.roles import Role
from sitewarden.demo import site as demo
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from tests.conftest import LiveServer, device_client
from tests.test_snapshots_blur import post_snapshot, street_scene
from tests.test_web import browser, demo_simulator, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026"
DOCS_SHOT = Path(__file__).resolve().parents[1] / "docs" / "console" / "plan.png"
_sites = count()


@pytest.fixture(scope="module")
def demo_site(shared_server: LiveServer) -> str:
    """The demo site, its talking devices heard from once (the silent one never)."""
    simulator, _ = demo_simulator(shared_server, seed=19)
    talking = [d for d in demo.DEVICES if d.behaviour is not demo.Behaviour.SILENT]
    simulator.send([simulator.traffic.heartbeat(d, datetime.now(UTC), 60) for d in talking])
    return demo.SITE_ID


@pytest.fixture
def tab(browser: Browser, shared_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _placed_site(
    server: LiveServer, devices: list[tuple[str, DeviceKind, float, float]], heartbeat_s: int = 60
) -> tuple[str, dict[str, str]]:
    """A fresh site (1000 × 700) with devices at x/y; their tokens by device id."""
    site_id = f"plan{next(_sites)}"
    store = server.open_storage()
    tokens = {}
    try:
        service.create_site(store.registry, site_id, site_id.title(), "Asia/Shanghai", 1000, 700)
        service.create_zone(store.registry, site_id, "hall", "Hall", None)
        for device_id, kind, x, y in devices:
            _, tokens[device_id] = service.create_device(
                store.registry,
                site_id,
                device_id,
                kind,
                name=device_id.replace("-", " ").title(),
                zone_id="hall",
                x=x,
                y=y,
                heartbeat_s=heartbeat_s,
            )
    finally:
        store.close()
    return site_id, tokens


def _post(server: LiveServer, token: str, *events: dict[str, object]) -> None:
    with device_client(server, token) as device:
        assert device.post("/api/v1/events", json=list(events)).status_code == 200


def _open_plan(page: Page, server: LiveServer, site_id: str, user: str, role: Role) -> None:
    page.goto(f"{server.url}/plan?site={site_id}")
    if role is Role.ADMIN:
        sign_in(page, server, server.admin_password)
    else:
        sign_in_user(page, server, user, role, PASSWORD)
    page.goto(f"{server.url}/plan?site={site_id}")  # sign-in returns to the path alone
    expect(page.get_by_role("heading", name="Site plan")).to_be_visible()


def _icon(page: Page, device_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#plan-holder .plan-device[data-device="{device_id}"]')


def test_the_plan_shows_the_demo_sites_devices_and_a_device_turning_offline(
    shared_server: LiveServer, demo_site: str, tab: Page, tmp_path: Path
) -> None:
    site_id, tokens = _placed_site(
        shared_server, [("pump-1", DeviceKind.EQUIPMENT_SENSOR, 300, 200)], heartbeat_s=5
    )
    _open_plan(tab, shared_server, demo_site, "guard", Role.OPERATOR)
    placed = [d for d in demo.DEVICES if d.x is not None]
    expect(tab.locator("#plan-holder .plan-device")).to_have_count(len(placed))
    expect(tab.locator("#plan-zone")).to_contain_text("Asia/Shanghai")
    expect(tab.locator("#plan-legend")).to_contain_text("Smoke detector")
    keep_screenshot(tab, tmp_path / "plan-demo.png")

    _post(shared_server, tokens["pump-1"], {"kind": "device.heartbeat"})
    tab.locator("#site-select").select_option(site_id)
    pump = _icon(tab, "pump-1")
    expect(pump).to_have_attribute("data-status", "online")
    expect(pump).to_have_attribute("aria-label", "Pump 1 (pump-1), Equipment sensor, online")
    tab.evaluate("window.__sameDocument = true")
    # heartbeat 5 s, offline after 2 intervals: the next refresh after 10 s shows it
    expect(pump).to_have_attribute("data-status", "offline", timeout=20_000)
    # ... said in words too; the server's "Device offline" alarm marks it as well
    expect(pump).to_have_attribute(
        "aria-label",
        re.compile(r"^Pump 1 \(pump-1\), Equipment sensor, offline(, open alarms: 1)?$"),
    )
    assert tab.evaluate("window.__sameDocument") is True  # no reload happened


def test_a_device_with_an_open_alarm_is_marked_and_opens_by_click_or_enter(
    shared_server: LiveServer, tab: Page, tmp_path: Path
) -> None:
    site_id, tokens = _placed_site(
        shared_server,
        [
            ("smoke-1", DeviceKind.SMOKE_DETECTOR, 600, 300),
            ("door-1", DeviceKind.DOOR_CONTACT, 200, 500),
        ],
    )
    _open_plan(tab, shared_server, site_id, "guard", Role.OPERATOR)
    smoke, door = _icon(tab, "smoke-1"), _icon(tab, "door-1")
    expect(smoke).to_be_visible()
    expect(smoke.locator(".plan-alarm")).to_have_count(0)
    _post(shared_server, tokens["smoke-1"], {"kind": "alarm.smoke"})
    expect(smoke).to_have_attribute("data-alarms", "1", timeout=5_000)  # the alert stream
    expect(smoke.locator(".plan-alarm")).to_be_visible()
    expect(door.locator(".plan-alarm")).to_have_count(0)
    assert "open alarms: 1" in (smoke.get_attribute("aria-label") or "")

    smoke.click()
    panel = tab.locator("#plan-panel")
    expect(panel).to_be_visible()
    expect(panel.locator("#plan-panel-title")).to_have_text("Smoke 1")
    expect(panel).to_contain_text("Smoke detector")
    expect(panel.get_by_role("link", name="Device details")).to_have_attribute(
        "href", f"/devices/{site_id}/smoke-1"
    )
    alarm_link = panel.locator("#plan-panel-alarms a")
    expect(alarm_link).to_contain_text("critical: Smoke alarm")
    assert (alarm_link.get_attribute("href") or "").startswith("/alerts#")
    keep_screenshot(tab, tmp_path / "plan-panel.png")

    # The keyboard: close, Tab to the door's icon, Enter opens it.
    panel.get_by_role("button", name="Close").click()
    expect(panel).to_be_hidden()
    door.focus()
    expect(door).to_be_focused()
    tab.keyboard.press("Enter")
    expect(panel.locator("#plan-panel-title")).to_have_text("Door 1")
    expect(panel.locator("#plan-panel-alarms")).to_contain_text("None")


def _drag(page: Page, icon, dx: float, dy: float) -> None:  # type: ignore[no-untyped-def]
    box = icon.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x + dx * step / 5, y + dy * step / 5)
    page.mouse.up()


def _wait_for_the_alarm_banner(page: Page, server: LiveServer) -> None:
    """Let the alarm banner come before a drag: it pushes the page down when it does.

    Other tests on the shared server leave loud alarms open, and the banner fetches them
    shortly after the page loads; a shift in the middle of a drag moves the drop point.
    """
    params = [("severity", "major"), ("shelved", "false"), ("state", "open"), ("state", "returned")]
    with server.client(Role.ADMIN) as admin:
        loud = admin.get("/api/v1/alerts", params=params).json()["alerts"]
    banner = page.locator("#alarm-banner")
    if loud:
        expect(banner).to_be_visible(timeout=5_000)
    else:
        expect(banner).to_have_count(0)


def test_an_admin_places_a_device_by_dragging_and_the_move_is_audited(
    shared_server: LiveServer, tab: Page
) -> None:
    site_id, _ = _placed_site(shared_server, [("camera-1", DeviceKind.CAMERA, 500, 350)])
    with shared_server.client(Role.ADMIN) as admin:  # one device not placed yet
        created = admin.post(
            f"/api/v1/sites/{site_id}/devices",
            json={"device_id": "reader-9", "kind": "access_reader", "name": "Reader 9"},
        )
        assert created.status_code == 201, created.text
    _open_plan(tab, shared_server, site_id, "admin", Role.ADMIN)
    camera = _icon(tab, "camera-1")
    expect(camera).to_be_visible()
    expect(tab.locator("#plan-unplaced")).to_contain_text("Reader 9")
    _wait_for_the_alarm_banner(tab, shared_server)
    plan_box = tab.locator("#plan-holder svg").bounding_box()
    assert plan_box is not None
    scale = 1000 / plan_box["width"]  # plan units per screen pixel
    _drag(tab, camera, 200 / scale, 100 / scale)
    expect(tab.locator("#plan-moved")).to_contain_text("Moved Camera 1; saved.")

    with shared_server.client(Role.ADMIN) as admin:
        stored = admin.get(f"/api/v1/sites/{site_id}/devices/camera-1").json()
        assert abs(stored["x"] - 700) <= 3 and abs(stored["y"] - 450) <= 3, stored
    # The unplaced reader: put on the plan, then moved with the arrow keys.
    tab.locator("#plan-unplaced li", has_text="Reader 9").get_by_role(
        "button", name="Place on plan"
    ).click()
    reader = _icon(tab, "reader-9")
    expect(reader).to_be_focused()
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("Shift+ArrowDown")
    expect(tab.locator("#plan-unplaced")).to_contain_text("Every device is on the plan.")
    with shared_server.client(Role.ADMIN) as admin:
        deadline = time.monotonic() + 5
        while True:
            moved = admin.get(f"/api/v1/sites/{site_id}/devices/reader-9").json()
            if (moved["x"], moved["y"]) == (510, 400) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert (moved["x"], moved["y"]) == (510, 400), moved
        entries = shared_server.audit_entries()
    moves = [
        (e["actor"], e["targets"])
        for e in entries
        if e["action"] == "device.update" and e["site_id"] == site_id
    ]
    assert moves.count(("admin", ["camera-1"])) == 1, moves
    assert ("admin", ["reader-9"]) in moves, moves

    # A refused move (the device was removed meanwhile) is said, and the icon goes back.
    with shared_server.client(Role.ADMIN) as admin:
        assert admin.delete(f"/api/v1/sites/{site_id}/devices/reader-9").status_code == 204
    before = reader.get_attribute("transform")
    reader.focus()
    tab.keyboard.press("ArrowLeft")
    expect(tab.locator("#error-banners")).to_contain_text("The device was not moved")
    # back where it was (or gone, once the next refresh saw the device removed)
    back = "(icons, before) => icons.every((icon) => icon.getAttribute('transform') === before)"
    assert reader.evaluate_all(back, before)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.VIEWER])
def test_operators_and_viewers_cannot_move_devices(
    shared_server: LiveServer, tab: Page, role: Role
) -> None:
    site_id, _ = _placed_site(shared_server, [("camera-2", DeviceKind.CAMERA, 500, 350)])
    writes: list[str] = []

    def record(request: Request) -> None:
        if request.method != "GET":
            writes.append(f"{request.method} {request.url}")

    _open_plan(tab, shared_server, site_id, f"plan-{role.value}", role)
    tab.on("request", record)
    camera = _icon(tab, "camera-2")
    expect(camera).to_be_visible()
    before = camera.get_attribute("transform")
    _drag(tab, camera, 150, 80)
    camera.focus()
    tab.keyboard.press("ArrowRight")
    time.sleep(1)  # longer than the keyboard's wait before saving
    tab.keyboard.press("Enter")  # the icon still opens its details
    expect(tab.locator("#plan-panel")).to_be_visible()
    assert camera.get_attribute("transform") == before
    assert writes == []
    with shared_server.client(Role.ADMIN) as admin:
        stored = admin.get(f"/api/v1/sites/{site_id}/devices/camera-2").json()
    assert (stored["x"], stored["y"]) == (500, 350)


def _jpeg() -> bytes:
    body = io.BytesIO()
    street_scene().save(body, "JPEG", quality=80)
    return body.getvalue()


def test_the_alarm_detail_shows_the_plan_and_a_snapshot_after_a_purpose(
    shared_server: LiveServer, tab: Page, browser: Browser, tmp_path: Path
) -> None:
    site_id, tokens = _placed_site(
        shared_server,
        [("cam-7", DeviceKind.CAMERA, 800, 150), ("smoke-7", DeviceKind.SMOKE_DETECTOR, 100, 600)],
    )
    posted = post_snapshot(shared_server, tokens["cam-7"], "cam-7", _jpeg())
    assert posted.status_code == 201, posted.text
    _post(shared_server, tokens["cam-7"], {"kind": "camera.tamper"})
    with shared_server.client(Role.ADMIN) as admin:
        alert_id = admin.get("/api/v1/alerts", params={"site": site_id}).json()["alerts"][0][
            "alert_id"
        ]

    tab.goto(f"{shared_server.url}/alerts")
    sign_in_user(tab, shared_server, "guard", Role.OPERATOR, PASSWORD)
    tab.goto(f"{shared_server.url}/alerts")
    tab.locator(f'#alerts tr[data-id="{alert_id}"]').click()
    detail = tab.locator("#detail")
    expect(detail.locator("#detail-place svg")).to_be_visible()
    expect(
        detail.locator('#detail-plan .plan-device.highlight[data-device="cam-7"]')
    ).to_have_count(1)
    snapshot_image = detail.locator("#snapshot-image img")
    expect(snapshot_image).to_have_count(0)  # never shown by default
    detail.get_by_role("button", name="Show snapshot").click()
    detail.get_by_label("Purpose").select_option("Incident investigation")
    detail.get_by_label("Reference (incident or ticket number)").fill("INC-77")
    detail.get_by_role("button", name="Show", exact=True).click()
    expect(snapshot_image).to_be_visible()
    assert "cam-7" in (snapshot_image.get_attribute("alt") or "")
    tab.wait_for_function("document.querySelector('#snapshot-image img').complete")
    assert tab.evaluate("document.querySelector('#snapshot-image img').naturalWidth") == 1280
    detail.screenshot(path=str(tmp_path / "alarm-detail-plan.png"))
    with shared_server.client(Role.ADMIN) as admin:
        entries = shared_server.audit_entries()
    reads = [e for e in entries if e["action"] == "snapshot.read" and e["site_id"] == site_id]
    assert [(e["actor"], e["purpose"]) for e in reads] == [
        ("guard", "Incident investigation: INC-77")
    ]

    viewer = browser.new_context(viewport={"width": 1400, "height": 900})
    page = viewer.new_page()
    page.goto(f"{shared_server.url}/alerts")
    sign_in_user(page, shared_server, "plan-viewer", Role.VIEWER, PASSWORD)
    page.goto(f"{shared_server.url}/alerts")
    page.locator(f'#alerts tr[data-id="{alert_id}"]').click()
    expect(page.locator("#detail-place svg")).to_be_visible()  # the place, but no snapshot
    expect(page.get_by_role("button", name="Show snapshot")).to_have_count(0)
    expect(page.locator("#detail-snapshot")).to_be_hidden()
    viewer.close()


def _serious(results: Any) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_plan_is_accessible_and_fits_a_phone(
    shared_server: LiveServer, demo_site: str, browser: Browser, color_scheme: str, tmp_path: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=color_scheme
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    _open_plan(page, shared_server, demo_site, "guard", Role.OPERATOR)
    expect(page.locator("#plan-holder .plan-device").first).to_be_visible()
    page.locator('#plan-holder .plan-device[data-device="ng-camera"]').click()
    expect(page.locator("#plan-panel")).to_be_visible()
    assert _serious(Axe().run(page)) == []
    if color_scheme == "light" and os.environ.get("SITEWARDEN_DOCS_SCREENSHOTS") == "1":
        shot = Image.open(io.BytesIO(page.screenshot()))  # 256 colours, like the others
        shot.quantize(256, dither=Image.Dither.NONE).save(DOCS_SHOT)
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    expect(page.locator("#plan-holder .plan-device").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    keep_screenshot(page, tmp_path / f"plan-phone-{color_scheme}.png")
    context.close()


def _png(width: int, height: int) -> bytes:
    body = io.BytesIO()
    Image.new("RGB", (width, height), (220, 230, 240)).save(body, "PNG")
    return body.getvalue()


def test_an_admin_uploads_a_floor_plan_image_shown_under_the_plan(
    shared_server: LiveServer, tab: Page, tmp_path: Path
) -> None:
    site_id, _ = _placed_site(shared_server, [("door-5", DeviceKind.DOOR_CONTACT, 300, 300)])
    drawing = tmp_path / "floor.png"
    drawing.write_bytes(_png(800, 560))
    _open_plan(tab, shared_server, site_id, "admin", Role.ADMIN)
    expect(_icon(tab, "door-5")).to_be_visible()
    expect(tab.locator("#plan-holder svg image")).to_have_count(0)
    tab.locator("#plan-image-file").set_input_files(str(drawing))
    tab.get_by_role("button", name="Upload image").click()
    image = tab.locator("#plan-holder svg image.plan-image")
    expect(image).to_have_count(1)
    assert (image.get_attribute("href") or "").startswith(f"/api/v1/sites/{site_id}/plan-image?")
    expect(_icon(tab, "door-5")).to_be_visible()  # drawn over the image
    tab.reload()
    expect(tab.locator("#plan-holder svg image.plan-image")).to_have_count(1)
    assert _serious(Axe().run(tab)) == []  # the admin's page: upload form and image
    tab.get_by_role("button", name="Remove image").click()
    expect(tab.locator("#plan-holder svg image")).to_have_count(0)
