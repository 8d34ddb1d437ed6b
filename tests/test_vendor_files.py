"""The console's npm libraries are served from the installed package, and only those."""

from __future__ import annotations

from pathlib import Path

import httpx

from sitewarden.doctor.checks import check_console_files
from sitewarden.doctor.findings import Level
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


def test_doctor_reports_missing_front_end_libraries(tmp_path: Path) -> None:
    (found,) = check_console_files(tmp_path / "node_modules")
    assert found.level is Level.MINOR
    assert "chart.umd.min.js" in found.message and "setup-env" in found.fix
    (installed,) = check_console_files()
    assert installed.level is Level.OK
