"""A user scoped to one site, in the console: every page's site chooser offers that site
and no other (the API's lists are filtered by scope, and the pages build their choosers
from them), and another site's device page answers the HTML 404, as if it did not exist.
Headless chromium against the module's real server (tests/conftest.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sitewarden.accounts.accounts import create_user
from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer
from tests.test_web import browser, page, submit_sign_in

__all__ = ["browser", "page"]  # fixtures shared with tests/test_web.py
pytestmark = pytest.mark.slow

MINE, OTHER = "scope-mine", "scope-other"
PASSWORD = "one-site-only-2026"
# The console pages an operator opens, and their site chooser.
CHOOSERS = {
    "/overview": "#site-select",
    "/alerts": "#site-filter",
    "/events": "#ex-site",
    "/devices": "#site-select",
    "/plan": "#site-select",
    "/doors": "#dr-site",
    "/garage": "#site-select",
    "/garage/reviews": "#site-select",
}


def test_a_user_scoped_to_one_site_is_offered_that_site_only_on_every_page(
    shared_server: LiveServer, page: Page
) -> None:
    shared_server.add_site_with_device(MINE, "door-1", DeviceKind.DOOR_CONTACT)
    shared_server.add_site_with_device(OTHER, "door-9", DeviceKind.DOOR_CONTACT)
    store = shared_server.open_storage()
    try:
        create_user(
            store.accounts, store.registry, "guard-scoped", Role.OPERATOR,
            password=PASSWORD, site_scope=(MINE,),
        )  # fmt: skip
    finally:
        store.close()
    page.goto(shared_server.url + "/overview")
    submit_sign_in(page, "guard-scoped", PASSWORD)

    offered: dict[str, list[str]] = {}
    for path, chooser in CHOOSERS.items():
        page.goto(shared_server.url + path)
        select = page.locator(chooser)
        expect(select.locator(f'option[value="{MINE}"]')).to_have_count(1)
        offered[path] = select.locator("option").evaluate_all(
            "options => options.map(o => o.value)"
        )
    assert {path: sorted(set(values) - {""}) for path, values in offered.items()} == {
        path: [MINE] for path in CHOOSERS
    }

    other_device = page.goto(shared_server.url + f"/devices/{OTHER}/door-9")
    assert other_device is not None and other_device.status == 404
    expect(page.locator("h1")).to_contain_text("not found", ignore_case=True)
    own_device = page.goto(shared_server.url + f"/devices/{MINE}/door-1")
    assert own_device is not None and own_device.status == 200
