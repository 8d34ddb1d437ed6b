"""The sitewarden command, run as a real process against a real data folder."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


def sitewarden(*args: str, data_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sitewarden.cli", *args]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"}
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    result = sitewarden("init", data_dir=folder)
    assert result.returncode == 0, result.stderr
    return folder


def test_init_creates_private_keys_and_prints_a_generated_admin_password(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    result = sitewarden("init", data_dir=folder)
    assert result.returncode == 0
    password = re.search(r"password\s+(\S+)", result.stdout)
    assert password and len(password.group(1)) >= 16
    for key in ("kek", "index", "audit"):
        mode = stat.S_IMODE((folder / "keys" / f"{key}.key").stat().st_mode)
        assert mode == 0o600
    assert stat.S_IMODE((folder / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "db" / "sitewarden.db").stat().st_mode) == 0o600
    assert password.group(1) not in (folder / "db" / "sitewarden.db").read_bytes().decode("latin-1")


def test_init_twice_refuses_and_exits_non_zero(data_dir: Path) -> None:
    result = sitewarden("init", data_dir=data_dir)
    assert result.returncode == 1
    assert "initialised already" in result.stderr


def test_commands_without_init_say_what_to_do(tmp_path: Path) -> None:
    result = sitewarden("users", "list", data_dir=tmp_path / "nothing")
    assert result.returncode == 1 and "run 'sitewarden init'" in result.stderr


def test_users_add_list_disable(data_dir: Path) -> None:
    added = sitewarden("users", "add", "desk1", "--role", "operator", data_dir=data_dir)
    assert added.returncode == 0 and "password" in added.stdout
    listed = sitewarden("users", "list", data_dir=data_dir)
    assert "desk1" in listed.stdout and "operator" in listed.stdout
    assert sitewarden("users", "disable", "desk1", data_dir=data_dir).returncode == 0
    assert "disabled" in sitewarden("users", "list", data_dir=data_dir).stdout
    duplicate = sitewarden("users", "add", "desk1", data_dir=data_dir)
    assert duplicate.returncode == 1 and "exists already" in duplicate.stderr
    bad_role = sitewarden("users", "add", "x1", "--role", "god", data_dir=data_dir)
    assert bad_role.returncode != 0


def test_devices_add_token_revoke_and_list(data_dir: Path) -> None:
    assert (
        sitewarden(
            "sites", "add", "hq", "--name", "HQ", "--timezone", "Europe/Berlin", data_dir=data_dir
        ).returncode
        == 0
    )
    assert sitewarden("sites", "add-zone", "hq", "lobby", data_dir=data_dir).returncode == 0
    added = sitewarden(
        "devices", "add", "hq", "cam-12", "--kind", "camera", "--zone", "lobby", data_dir=data_dir
    )
    assert added.returncode == 0
    token = re.search(r"(swd_\S+)", added.stdout)
    assert token is not None
    rotated = sitewarden("devices", "token", "hq", "cam-12", data_dir=data_dir)
    assert rotated.returncode == 0 and token.group(1) not in rotated.stdout
    assert sitewarden("devices", "revoke", "hq", "cam-12", data_dir=data_dir).returncode == 0
    listed = sitewarden("devices", "list", "hq", data_dir=data_dir)
    assert "cam-12" in listed.stdout and "unknown" in listed.stdout
    missing = sitewarden("devices", "token", "hq", "ghost", data_dir=data_dir)
    assert missing.returncode == 1 and "device 'ghost' not found" in missing.stderr
    bad_zone = sitewarden(
        "devices", "add", "hq", "cam-13", "--kind", "camera", "--zone", "nope", data_dir=data_dir
    )
    assert bad_zone.returncode == 1 and "zone 'nope' not found" in bad_zone.stderr
    bad_tz = sitewarden(
        "sites", "add", "x", "--name", "X", "--timezone", "Mars/Olympus", data_dir=data_dir
    )
    assert bad_tz.returncode == 1 and "unknown timezone" in bad_tz.stderr


def test_events_tail_shows_posted_events(data_dir: Path) -> None:
    sitewarden("sites", "add", "hq", "--name", "HQ", data_dir=data_dir)
    added = sitewarden(
        "devices", "add", "hq", "smoke-1", "--kind", "smoke_detector", data_dir=data_dir
    )
    token = re.search(r"(swd_\S+)", added.stdout)
    assert token is not None
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sitewarden.cli",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                import time

                time.sleep(0.1)
        posted = httpx.post(
            url + "/api/v1/events",
            json=[{"kind": "alarm.smoke", "note": "kitchen"}],
            headers={"Authorization": f"Bearer {token.group(1)}"},
        )
        assert posted.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
    tail = sitewarden("events", "tail", "--no-follow", "--site", "hq", data_dir=data_dir)
    assert tail.returncode == 0
    assert (
        "alarm.smoke" in tail.stdout and "critical" in tail.stdout and "hq/-/smoke-1" in tail.stdout
    )


def test_serve_refuses_a_non_loopback_address_without_tls(data_dir: Path) -> None:
    result = sitewarden("serve", "--host", "0.0.0.0", "--port", str(free_port()), data_dir=data_dir)
    assert result.returncode == 1
    assert "without TLS" in result.stderr and "tls_cert" in result.stderr


def test_serve_refuses_half_a_tls_configuration(data_dir: Path, tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    result = sitewarden("serve", "--tls-cert", str(cert), data_dir=data_dir)
    assert result.returncode == 1 and "both tls_cert and tls_key" in result.stderr


def test_serve_refuses_key_files_readable_by_others(data_dir: Path) -> None:
    os.chmod(data_dir / "keys" / "kek.key", 0o644)
    result = sitewarden("serve", "--port", str(free_port()), data_dir=data_dir)
    assert result.returncode == 1 and "chmod 600" in result.stderr


def test_help_lists_the_commands() -> None:
    result = sitewarden("--help")
    for command in ("init", "serve", "demo", "users", "devices", "events"):
        assert command in result.stdout
