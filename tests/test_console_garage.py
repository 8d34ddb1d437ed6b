"""The garage page and the plate review queue in headless chromium against a real
server, as a guard, an administrator and a viewer use them: a read two frames settled
says so on its lane; a search by plate and a lane opened by hand reach the audit log
with their purpose and reason; an unsure read is corrected from the keyboard alone, in
English and in Chinese, and the session carries the corrected plate; a lane's and a
review's frame show the plate outlined only to a role that sees plates in full. The
helpers here (``open_as``, ``decision_text``, ``chinese_problems``) drive the garage's
other modules (tests/test_console_garage_lanes.py, tests/test_console_garage_config.py)
in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from bench.plate_photos import blurred, devsets_folder
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer, device_client
from tests.console_words import LANGUAGES, words
from tests.test_console_foundation import KIND_WORDS, LATIN_WORD, VISIBLE_TEXT, untranslated
from tests.test_console_i18n import extracted_messages
from tests.test_lane_frames import send_frame
from tests.test_parking_gates import Garage
from tests.test_review_frames import post_frame, unsure_burst, unsure_garage
from tests.test_web import browser, keep_screenshot, sign_in, sign_in_user

__all__ = ["browser"]  # the module's chromium, shared with tests/test_web.py
pytestmark = pytest.mark.slow

PASSWORD = "night-shift-2026-gate"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "console"
_sites = count()
Say = Callable[[str], str]  # the page's words in its language (tests/console_words.py)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def _garage(server: LiveServer) -> Garage:
    return Garage(server, f"gar{next(_sites)}")


def _sign_in(page: Page, server: LiveServer, path: str, name: str, role: Role) -> None:
    page.goto(server.url + path)
    sign_in_user(page, server, name, role, PASSWORD)
    page.goto(server.url + path)  # the sign-in form returns to the path without its query


def _show_plates(page: Page, purpose: str = "Gate operation", say: Say = str) -> None:
    """State ``purpose`` (the option's words on screen) and show the plates, by the
    page's words in its language (``say``)."""
    page.get_by_label(say("Show plates for")).select_option(purpose)
    page.get_by_role("button", name=say("Show plates"), exact=True).click()


def open_as(
    page: Page,
    server: LiveServer,
    path: str,
    locale: str,
    name: str | None = None,
    role: Role = Role.OPERATOR,
) -> None:
    """Open ``path`` in ``locale`` as the admin (no ``name``) or as the user ``name`` of
    ``role``, whose session is opened through the API: the sign-in form is English and
    a form sign-in per language would only repeat tests/test_web.py."""
    if name is None:
        sign_in(page, server, server.admin_password)
    else:
        session = _session_of(server, name, role)
        page.context.add_cookies(
            [{"name": "sitewarden_session", "value": session, "url": server.url}]
        )
    page.context.add_cookies([{"name": "sitewarden_lang", "value": locale, "url": server.url}])
    page.goto(server.url + path)


def decision_text(
    locale: str, kind: str, reason: str, confidence: int, fee: str | None = None
) -> str:
    """A lane's decision line as garage.js writes it, from its English words."""
    say = words(locale)
    parts = [say(kind), say(reason), say("confidence {value}").replace("{value}", f"{confidence}%")]
    return " · ".join(parts + ([fee] if fee else []))


def money_text(locale: str, minor: int) -> str:
    """An amount of yuan as Chromium's Intl writes it in ``locale``."""
    return ("CN¥" if locale == "en" else "¥") + f"{minor / 100:.2f}"


def serious_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now."""
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@cache
def _english() -> frozenset[str]:
    return frozenset(extracted_messages())


def chinese_problems(page: Page) -> list[str]:
    """What a screen in Chinese must not show, as it is now: axe's serious and critical
    findings, and English UI words."""
    english = untranslated(page.evaluate(VISIBLE_TEXT), set(_english()))
    return serious_violations(page) + [f"English: {text!r}" for text in english]


def _lane(page: Page, device: str) -> Any:
    return page.locator(f'#lanes li[data-device="{device}"]')


def boxes_at_once(page: Page, *elements: Locator) -> list[dict[str, float]]:
    """The page boxes of ``elements``, read in one step: the alarm banner (other tests
    leave loud alarms open) may come in between two reads and push the page down."""
    handles = [element.element_handle() for element in elements]
    boxes: list[dict[str, float]] = page.evaluate(
        "elements => elements.map(element => {"
        " const box = element.getBoundingClientRect();"
        " return {x: box.x, y: box.y, width: box.width, height: box.height}; })",
        handles,
    )
    return boxes


def _audit(server: LiveServer, action: str, site: str) -> list[dict[str, Any]]:
    return [
        entry
        for entry in server.audit_entries()
        if entry["action"] == action and entry.get("site_id") == site
    ]


def test_a_read_two_frames_of_a_car_settled_says_so_on_its_lane(
    shared_server: LiveServer, page: Page
) -> None:
    """A guard who sees a barrier open on a read unsure of a character is told why: two
    frames of the car read it alike (docs/parking.md#bursts)."""
    burst = unsure_burst()
    garage = _garage(shared_server)
    _sign_in(page, shared_server, f"/garage?site={garage.site}", "guard-bo", Role.OPERATOR)
    with device_client(shared_server, garage.tokens["gate-in"]) as camera:
        for body in burst:
            camera.post(
                "/api/v1/gates/gate-in/frames", content=body, headers={"Content-Type": "image/jpeg"}
            ).raise_for_status()
    decision = _lane(page, "gate-in").locator(".decision")
    expect(decision).to_have_text(
        re.compile(r"^entered · ticketless entry · confidence \d+% · read alike in 2 frames$")
    )


def test_a_plate_search_with_a_purpose_is_audited(shared_server: LiveServer, page: Page) -> None:
    garage = _garage(shared_server)
    garage.read("gate-in", "粤B·D12345", confidence=0.99)
    garage.read("gate-in", "浙A·54321", confidence=0.99)
    _sign_in(page, shared_server, f"/garage?site={garage.site}", "guard-ben", Role.OPERATOR)
    page.get_by_label("Plate", exact=True).fill("粤BD12345")
    page.locator("#lookup-purpose").select_option("Incident investigation")
    page.get_by_role("button", name="Find sessions").click()
    expect(page.locator("#sessions-caption")).to_have_text(
        "Sessions of the plate you searched for: 1"
    )
    rows = page.locator("#sessions-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("粤B·***")
    [lookup] = _audit(shared_server, "parking.sessions.lookup", garage.site)
    assert lookup["purpose"] == "Incident investigation" and lookup["actor"] == "guard-ben"
    page.get_by_role("button", name="Show all sessions").click()
    expect(rows).to_have_count(2)


def test_a_lane_opened_by_hand_shows_on_the_lane_and_its_reason_is_in_the_audit(
    shared_server: LiveServer, page: Page
) -> None:
    garage = _garage(shared_server)
    _sign_in(page, shared_server, f"/garage?site={garage.site}", "guard-cai", Role.OPERATOR)
    lane = _lane(page, "gate-out")
    expect(lane.locator(".gate-state")).to_have_text("Barrier: closed")
    lane.get_by_role("button", name="Open by hand").click()
    dialog = page.get_by_role("dialog", name="Open the barrier by hand")
    expect(dialog).to_contain_text("gate-out")
    dialog.get_by_label(re.compile("^Reason")).fill("ambulance for flat 12")
    dialog.get_by_role("button", name="Open now").click()
    expect(lane.locator(".decision")).to_have_text("opened by hand")
    expect(lane.locator(".gate-state")).to_have_text("Barrier: open")
    expect(lane).to_contain_text("by guard-cai")

    [entry] = _audit(shared_server, "parking.lane.manual_open", garage.site)
    assert entry["actor"] == "guard-cai" and entry["purpose"] == "ambulance for flat 12"
    assert entry["targets"] == ["gate-out"]
    with shared_server.client() as admin:
        events = admin.get(
            "/api/v1/events", params={"site": garage.site, "kind": "parking.manual_open"}
        ).json()["events"]
    assert [e["attributes"] for e in events] == [
        {"lane": "gate-out", "operator": "guard-cai", "reason": "ambulance for flat 12"}
    ]


@pytest.mark.parametrize("locale", LANGUAGES)
def test_an_unsure_read_is_corrected_from_the_keyboard_and_the_session_carries_the_plate(
    shared_server: LiveServer, page: Page, locale: str
) -> None:
    say = words(locale)
    garage = _garage(shared_server)
    # misread 3 as 8; the plates differ by language, the sites too
    misread, plate, other = {
        "en": ("浙A·12845", "浙A12345", "沪C·99999"),
        "zh_CN": ("浙A·56845", "浙A56345", "沪C·88888"),
    }[locale]
    first = garage.read("gate-in", misread, confidence=0.41).json()
    second = garage.read("gate-in", other, confidence=0.52).json()
    assert first["reason"] == "review" and second["reason"] == "review"
    guard = f"guard-dee-{locale.lower()}"
    open_as(page, shared_server, f"/garage/reviews?site={garage.site}", locale, guard)
    waiting = say("Waiting for review: {count}")
    expect(page.locator("#review-count")).to_have_text(waiting.replace("{count}", "2"))
    queue = page.locator("#queue")
    expect(queue).to_be_focused()
    expect(page.locator("#review-guess")).to_have_text("浙A·***")  # masked for an operator
    expect(page.locator("#review-guess-note")).to_have_text(
        say(
            "Shown masked for your role: confirm only if the visible part and the vehicle "
            "agree, else correct it."
        )
    )
    expect(page.locator("#keys")).to_contain_text(say("reject"))
    if locale == "en":
        keep_screenshot(page, DOCS / "garage-reviews.png")

    page.keyboard.press("j")
    expect(page.locator("#review-guess")).to_have_text("沪C·***")
    page.keyboard.press("k")
    expect(page.locator("#review-guess")).to_have_text("浙A·***")
    page.keyboard.press("c")
    field = page.get_by_label(say("The plate as you read it"))
    expect(field).to_be_focused()
    field.fill("")
    page.keyboard.type(plate)
    fits = say("{display}: format {format} ({description})")
    fits = fits.replace("{display}", plate[:2] + "·" + plate[2:]).replace("{format}", "cn")
    expect(page.locator("#correct-fits")).to_contain_text(
        fits.split("(")[0].split("（")[0].rstrip()
    )
    page.keyboard.press("Enter")
    opened = say("the gate opened ({reason})").replace("{reason}", say("ticketless entry"))
    corrected = say("Corrected to {plate} at {lane}: {outcome}.")
    expect(page.locator("#review-result")).to_have_text(
        corrected.replace("{plate}", plate)
        .replace("{lane}", "gate-in")
        .replace("{outcome}", opened)
    )
    expect(page.locator("#review-count")).to_have_text(waiting.replace("{count}", "1"))
    expect(queue).to_be_focused()
    if locale != "en":
        assert chinese_problems(page) == [], "the queue after a correction"
    page.keyboard.press("r")
    expect(page.locator("#review-result")).to_have_text(
        say("Rejected the read at {lane}.").replace("{lane}", "gate-in")
    )
    expect(page.locator("#queue-empty")).to_be_visible()

    with shared_server.client() as admin:
        found = admin.post(
            "/api/v1/parking/sessions/lookup",
            json={"site": garage.site, "plate": plate, "purpose": "test check"},
        ).json()
        wrong = admin.post(
            "/api/v1/parking/sessions/lookup",
            json={"site": garage.site, "plate": misread, "purpose": "test check"},
        ).json()
    assert [(s["state"], s["plate"]) for s in found] == [("open", plate)]
    assert wrong == []
    resolutions = _audit(shared_server, "parking.review.resolve", garage.site)
    assert sorted(e["purpose"] for e in resolutions) == ["confirmed", "dismissed"]
    assert {e["actor"] for e in resolutions} == {guard}


def test_an_operator_confirms_a_masked_guess_with_enter(
    shared_server: LiveServer, page: Page
) -> None:
    garage = _garage(shared_server)
    garage.read("gate-in", "苏E·77777", confidence=0.6)
    _sign_in(page, shared_server, f"/garage/reviews?site={garage.site}", "guard-eve", Role.OPERATOR)
    expect(page.locator("#review-guess")).to_have_text("苏E·***")
    expect(page.locator("#queue")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#review-result")).to_have_text(
        "Confirmed 苏E·*** at gate-in: the gate opened (ticketless entry)."
    )
    with shared_server.client() as admin:
        sessions = admin.get(
            f"/api/v1/parking/sites/{garage.site}/sessions", params={"purpose": "test check"}
        ).json()
    assert [(s["state"], s["plate"]) for s in sessions] == [("open", "苏E77777")]


def test_the_other_plates_the_readers_read_are_candidates_a_key_picks(
    shared_server: LiveServer, page: Page
) -> None:
    """A real learner plate, blurred (皖Q0686学): the first reader's guess 皖Q06867, then
    皖Q06869 and the second reader's 皖Q0686学; an admin picks the third with its key, an
    operator (plates masked) can only confirm the guess."""
    photo = devsets_folder() / "plates" / "images" / "cn_yellow_019.jpg"
    if not photo.is_file():
        pytest.skip(f"no plate development set at {photo.parent.parent}")
    garage = _garage(shared_server)
    with device_client(shared_server, garage.tokens["gate-in"]) as camera:
        answer = camera.post(
            "/api/v1/gates/gate-in/frames",
            content=blurred(Image.open(photo).convert("RGB"), 0.8),
            headers={"Content-Type": "image/jpeg"},
        ).json()
    assert answer["reason"] == "review", answer
    _sign_in(page, shared_server, f"/garage/reviews?site={garage.site}", "guard-fay", Role.OPERATOR)
    masked = page.locator("#candidates button")
    expect(masked).to_have_count(3)
    expect(masked.nth(0)).to_be_enabled()
    expect(masked.nth(2)).to_be_disabled()
    expect(masked.nth(2)).to_have_attribute("aria-describedby", "candidates-note")
    expect(page.locator("#candidates-note")).to_contain_text("type its plate under Correct")
    # The admin next, in the same browser. Leave the page first: signed out, its next
    # refresh answers 401 and common.js sends it to /login, racing this goto.
    page.goto("about:blank")
    page.context.clear_cookies()
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + f"/garage/reviews?site={garage.site}")
    expect(page.locator("#review-guess")).to_have_text("皖Q06867")
    candidates = page.locator("#candidates button")
    expect(candidates).to_have_text(["1 皖Q06867", "2 皖Q06869", "3 皖Q0686学"])
    expect(page.locator("#candidates-note")).to_be_hidden()  # an admin picks any of them
    expect(page.locator("#frame-crop")).to_have_attribute("data-drawn", answer["review_id"])
    keep_screenshot(page, DOCS / "garage-review-candidates.png")
    page.set_viewport_size({"width": 375, "height": 800})  # three plates wrap on a phone
    page.emulate_media(color_scheme="dark")
    expect(candidates.nth(2)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#candidates").scroll_into_view_if_needed()
    keep_screenshot(page, DOCS / "garage-review-candidates-phone-dark.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    page.emulate_media(color_scheme="light")
    page.locator("#queue").focus()
    page.keyboard.press("3")
    expect(page.locator("#review-result")).to_contain_text("Corrected to 皖Q0686学")


def test_the_frame_of_an_unsure_read_shows_the_plate_outlined_and_enlarged_to_an_admin(
    shared_server: LiveServer, page: Page
) -> None:
    garage = unsure_garage(shared_server)
    review_id = post_frame(garage)["review_id"]
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + f"/garage/reviews?site={garage.site}")
    expect(page.locator("#review-guess")).to_have_text("浙A12345")
    frame = page.locator("#frame-image")
    expect(frame).to_be_visible()
    expect(frame).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    expect(page.locator("#frame-crop")).to_have_attribute("data-drawn", review_id)
    # the outline sits on the plate: inside the frame, a plate's shape (wider than tall)
    outline, whole = boxes_at_once(page, page.locator("#frame-plate-box"), frame)
    assert (
        whole["x"] <= outline["x"]
        and outline["x"] + outline["width"] <= whole["x"] + whole["width"]
    )
    assert (
        whole["y"] <= outline["y"]
        and outline["y"] + outline["height"] <= whole["y"] + whole["height"]
    )
    assert outline["width"] > 1.5 * outline["height"] > 0
    crop = page.locator("#frame-crop").bounding_box()
    assert crop is not None and crop["width"] > outline["width"]  # enlarged
    candidate = page.get_by_role("button", name="1 浙A12345")
    expect(candidate).to_be_visible()
    keep_screenshot(page, DOCS / "garage-review-frame.png")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        serious = [
            f"{v['id']} ({v['impact']})"
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], scheme
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.locator("#frame-crop")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("#frame-box").scroll_into_view_if_needed()
    keep_screenshot(page, DOCS / "garage-review-frame-phone.png")
    page.set_viewport_size({"width": 1400, "height": 900})
    reads = _audit(shared_server, "parking.review_frame.read", garage.site)
    assert [(e["targets"], e["purpose"]) for e in reads] == [([review_id], "Plate review queue")]

    page.locator("#queue").focus()
    page.keyboard.press("1")  # the first candidate: the reader's guess
    expect(page.locator("#review-result")).to_have_text(
        "Confirmed 浙A12345 at gate-in: the gate opened (ticketless entry)."
    )
    with shared_server.client() as admin:
        gone = admin.get(
            f"/api/v1/parking/sites/{garage.site}/reviews/{review_id}/frame",
            params={"purpose": "test check"},
        )
    assert gone.status_code == 404


def test_an_operator_is_told_the_frame_shows_the_plate_in_full_and_sees_none(
    shared_server: LiveServer, page: Page
) -> None:
    garage = unsure_garage(shared_server)
    post_frame(garage)
    _sign_in(page, shared_server, f"/garage/reviews?site={garage.site}", "guard-gus", Role.OPERATOR)
    expect(page.locator("#review-guess")).to_have_text("浙A·***")
    expect(page.locator("#frame-note")).to_contain_text("shows the plate in full")
    expect(page.locator("#frame-box")).to_be_hidden()
    expect(page.get_by_role("button", name="1 浙A·***")).to_be_visible()
    assert _audit(shared_server, "parking.review_frame.read", garage.site) == []


def test_a_lanes_last_frame_shows_on_its_card_with_the_plate_boxed_after_a_purpose(
    shared_server: LiveServer, page: Page, browser: Browser
) -> None:
    garage = _garage(shared_server)
    send_frame(garage, "浙A·12345")
    sign_in(page, shared_server, shared_server.admin_password)
    page.goto(shared_server.url + f"/garage?site={garage.site}")
    lane = _lane(page, "gate-in")
    expect(lane.locator(".decision")).to_be_visible()
    expect(lane.locator(".lane-frame")).to_have_count(0)  # no frame before a purpose
    _show_plates(page)
    image = lane.locator(".lane-frame img")
    expect(image).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    first = image.get_attribute("src")
    outline, whole = boxes_at_once(page, lane.locator(".lane-frame .plate-box"), image)
    assert (
        whole["x"] <= outline["x"]
        and outline["x"] + outline["width"] <= whole["x"] + whole["width"]
    )
    assert (
        whole["y"] <= outline["y"]
        and outline["y"] + outline["height"] <= whole["y"] + whole["height"]
    )
    assert outline["width"] > 1.5 * outline["height"] > 0
    keep_screenshot(page, DOCS / "garage-lane-frame.png")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        serious = [
            f"{v['id']} ({v['impact']})"
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], scheme
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 375, "height": 800})
    expect(image).to_be_visible()
    # the frame shrinks with its card, and the occupancy chart with its own (Chart.js
    # follows a resize on its next frame): nothing scrolls sideways
    lanes, shown = boxes_at_once(page, page.locator("#lanes"), image)
    assert lanes["x"] + lanes["width"] <= 375 and shown["x"] + shown["width"] <= 375
    for _ in range(30):  # (the page's CSP forbids wait_for_function's eval)
        if page.evaluate("document.documentElement.scrollWidth") <= 375:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1400, "height": 900})
    page.wait_for_timeout(7_000)  # two more polls of the lanes: the same read, no new fetch
    assert len(_audit(shared_server, "parking.lane_frame.read", garage.site)) == 1

    send_frame(garage, "浙A·67890")  # a new read at the lane: its frame replaces the first
    expect(image).not_to_have_attribute("src", first or "")
    reads = _audit(shared_server, "parking.lane_frame.read", garage.site)
    assert [(e["targets"], e["purpose"]) for e in reads] == [(["gate-in"], "Gate operation")] * 2

    guard = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = guard.new_page()
        _sign_in(other, shared_server, f"/garage?site={garage.site}", "guard-lena", Role.OPERATOR)
        card = _lane(other, "gate-in")
        expect(card).to_contain_text("which your role does not see")
        expect(card.locator(".lane-frame")).to_have_count(0)
    finally:
        guard.close()
    assert len(_audit(shared_server, "parking.lane_frame.read", garage.site)) == 2


def _session_of(server: LiveServer, name: str, role: Role = Role.OPERATOR) -> str:
    """A signed-in user's session cookie (the user made the first time), for pages opened
    in several languages."""
    store = server.open_storage()
    try:
        if store.accounts.get_user_by_name(name) is None:
            create_user(store.accounts, store.registry, name, role, password=PASSWORD)
    finally:
        store.close()
    answer = server.login(name, PASSWORD)
    answer.raise_for_status()
    return answer.cookies["sitewarden_session"]


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_both_pages_pass_axe_read_in_chinese_and_fit_a_phone(
    shared_server: LiveServer, browser: Browser, color_scheme: Any
) -> None:
    garage = _garage(shared_server)
    garage.read("gate-in", "浙A·12345", confidence=0.99)
    garage.read("gate-out", "浙A·12345", confidence=0.99)
    garage.read("gate-in", "沪C·99999", confidence=0.5)
    session = _session_of(shared_server, f"guard-gus-{color_scheme}")
    problems: dict[str, Any] = {}
    for locale, width in (("en", 1400), ("zh_CN", 1400), ("en", 375), ("zh_CN", 375)):
        context = browser.new_context(
            viewport={"width": width, "height": 800}, color_scheme=color_scheme
        )
        context.set_default_timeout(10_000)
        context.add_cookies(
            [
                {"name": "sitewarden_lang", "value": locale, "url": shared_server.url},
                {"name": "sitewarden_session", "value": session, "url": shared_server.url},
            ]
        )
        page = context.new_page()
        for path in (f"/garage?site={garage.site}", f"/garage/reviews?site={garage.site}"):
            page.goto(shared_server.url + path)
            status = "#garage-status" if path.startswith("/garage?") else "#review-count"
            expect(page.locator(status)).to_have_attribute("data-at", re.compile("."))
            if path.startswith("/garage?"):
                expect(_lane(page, "gate-in").locator(".decision")).to_be_visible()
            key = f"{locale} {width} {path}"
            if width == 375:
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > 375:
                    problems[key] = f"{scroll} px wide"
                if locale == "en" and color_scheme == "light":
                    name = "garage-phone" if path.startswith("/garage?") else "garage-reviews-phone"
                    keep_screenshot(page, DOCS / f"{name}.png")
                continue
            if locale == "zh_CN":
                english = [
                    text
                    for text in page.evaluate(VISIBLE_TEXT)
                    if any(w not in KIND_WORDS for w in LATIN_WORD.findall(text))
                ]
                if english:
                    problems[key + " english"] = english
            violations = [
                f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                for v in Axe().run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if violations:
                problems[key] = violations
        context.close()
    assert problems == {}


def test_the_garage_api_refuses_bad_resolutions_and_manual_opens_and_stores_nothing(
    shared_server: LiveServer,
) -> None:
    garage = _garage(shared_server)
    review = garage.read("gate-in", "浙A·12845", confidence=0.4).json()["review_id"]
    resolve = f"/api/v1/parking/sites/{garage.site}/reviews/{review}/resolve"
    opening = f"/api/v1/parking/sites/{garage.site}/lanes/gate-in/open"
    with shared_server.client(Role.OPERATOR) as guard:
        both = guard.post(resolve, json={"plate": "浙A12345", "confirm": True})
        neither = guard.post(resolve, json={})
        phone = guard.post(opening, json={"reason": "call 13812345678"})
        short = guard.post(opening, json={"reason": "ok"})
        nowhere = guard.post(
            f"/api/v1/parking/sites/{garage.site}/lanes/no-such-lane/open",
            json={"reason": "ambulance"},
        )
        fits = guard.post(
            f"/api/v1/parking/sites/{garage.site}/plate-check", json={"plate": "粤BD12345"}
        )
    with shared_server.client(Role.VIEWER) as viewer:
        refused = viewer.post(opening, json={"reason": "ambulance"})
    assert both.status_code == 422 and "one of" in both.json()["message"]
    assert neither.status_code == 422
    assert phone.status_code == 422 and short.status_code == 422
    assert nowhere.status_code == 422 and "not configured as a lane" in nowhere.json()["message"]
    assert refused.status_code == 403
    assert [(f["format"], f["display"]) for f in fits.json()] == [("cn_ne", "粤B·D12345")]
    with shared_server.client() as admin:
        pending = admin.get(f"/api/v1/parking/sites/{garage.site}/reviews").json()
        opened = admin.get(
            "/api/v1/events", params={"site": garage.site, "kind": "parking.manual_open"}
        ).json()["events"]
    assert [r["review_id"] for r in pending] == [review]  # still waiting
    assert opened == []
    assert _audit(shared_server, "parking.lane.manual_open", garage.site) == []
