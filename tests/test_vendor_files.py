"""The console's npm libraries are served from the installed package, and only those."""

from __future__ import annotations

import httpx

from sitewarden.web.vendor import VENDOR_FILES, missing_vendor_files
from tests.conftest import LiveServer


def test_setup_installed_every_vendored_file() -> None:
    assert missing_vendor_files() == []


def test_vendored_library_is_served_as_javascript(shared_server: LiveServer) -> None:
    for name in VENDOR_FILES:
        response = httpx.get(f"{shared_server.url}/static/vendor/{name}")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/javascript")
        assert len(response.content) > 10_000


def test_other_node_modules_files_are_not_served(shared_server: LiveServer) -> None:
    for name in ("package.json", "..%2Fpackage.json", "chart.js"):
        response = httpx.get(f"{shared_server.url}/static/vendor/{name}")
        assert response.status_code == 404
