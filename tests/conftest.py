"""Shared fixtures: real SQLite files and real ``sitewarden serve`` processes.

Nothing of ours is mocked: the live server is the installed command, started on a
free loopback port against a temporary data folder.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest

from sitewarden.auth.accounts import create_api_key, create_user
from sitewarden.auth.roles import Role
from sitewarden.config import Settings, load_settings
from sitewarden.initialise import initialise
from sitewarden.registry import service
from sitewarden.registry.device_kinds import DeviceKind
from sitewarden.store import open_store
from sitewarden.store.sqlite import SQLiteStore


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "data", port=free_port())


@pytest.fixture
def store(settings: Settings) -> Iterator[SQLiteStore]:
    opened = open_store(settings)
    assert isinstance(opened, SQLiteStore)
    yield opened
    opened.close()


@dataclass
class LiveServer:
    """A real ``sitewarden serve`` process and ways to talk to it."""

    settings: Settings
    url: str
    admin_password: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    admin_totp: str | None = None  # the admin's TOTP secret once enrolled
    _keys: dict[str, str] = field(default_factory=dict)

    def admin_session(self) -> tuple[str, str]:
        """Sign the admin in with password and second factor (enrolling it the first
        time, through the API as a person would); returns (cookie, CSRF token)."""
        body: dict[str, str] = {"username": "admin", "password": self.admin_password}
        if self.admin_totp:
            body["totp"] = pyotp.TOTP(self.admin_totp).now()
        answer = httpx.post(self.url + "/api/v1/auth/login", json=body)
        answer.raise_for_status()
        cookie, csrf = answer.cookies["sitewarden_session"], answer.json()["csrf_token"]
        if not self.admin_totp:
            jar, headers = {"sitewarden_session": cookie}, {"x-csrf-token": csrf}
            secret = httpx.post(self.url + "/api/v1/me/totp", cookies=jar, headers=headers)
            self.admin_totp = secret.json()["secret"]
            code = {"code": pyotp.TOTP(self.admin_totp).now()}
            confirmed = httpx.post(
                self.url + "/api/v1/me/totp/confirm", json=code, cookies=jar, headers=headers
            )
            assert confirmed.status_code == 204, confirmed.text
        return cookie, csrf

    def start(self) -> None:
        assert self.log_path is not None
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sitewarden.cli",
                "serve",
                "--data-dir",
                str(self.settings.data_dir),
                "--port",
                str(self.settings.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start within 30 s")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def open_store(self) -> SQLiteStore:
        opened = open_store(self.settings)
        assert isinstance(opened, SQLiteStore)
        return opened

    def api_key_for(self, role: Role, *, sites: tuple[str, ...] | None = None) -> str:
        """An API key of a fresh user with ``role`` (cached per role and scope)."""
        name = f"{role.value}-{'-'.join(sites) if sites else 'all'}"
        if name not in self._keys:
            store = self.open_store()
            try:
                user, _ = create_user(store, name, role, site_scope=sites)
                _, token = create_api_key(store, user, "tests")
            finally:
                store.close()
            self._keys[name] = token
        return self._keys[name]

    def client(self, role: Role = Role.ADMIN, **kwargs: Any) -> httpx.Client:
        token = self.api_key_for(role, **kwargs)
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

    def add_site_with_device(
        self, site_id: str, device_id: str, kind: DeviceKind, zone_id: str = "main"
    ) -> str:
        """Register a site (if new), a zone and a device; return the device token."""
        store = self.open_store()
        try:
            if store.get_site(site_id) is None:
                service.create_site(store, site_id, site_id.title(), "Asia/Shanghai", 1000, 700)
            if store.get_zone(site_id, zone_id) is None:
                service.create_zone(store, site_id, zone_id, zone_id.title(), None)
            _, token = service.create_device(store, site_id, device_id, kind, zone_id=zone_id)
        finally:
            store.close()
        return token


def _started_server(folder: Path, config: str = "") -> LiveServer:
    server = prepared_server(folder, config)
    server.start()
    return server


def prepared_server(folder: Path, config: str = "") -> LiveServer:
    """An initialised data folder and its server, not started yet."""
    settings = load_settings(folder / "data", port=free_port())
    result = initialise(settings)
    if config:
        config_file = settings.data_dir / "sitewarden.toml"
        config_file.write_text(config_file.read_text() + "\n" + config + "\n")
    server = LiveServer(
        settings=settings,
        url=f"http://127.0.0.1:{settings.port}",
        admin_password=result.admin_password,
        log_path=folder / "server.log",
    )
    return server


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A fresh server for this test alone."""
    server = _started_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for a whole test module; tests must use their own site ids."""
    server = _started_server(tmp_path_factory.mktemp("shared"))
    yield server
    server.stop()


def device_client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


@pytest.fixture
def configured_server(tmp_path: Path) -> Iterator[Callable[[str], LiveServer]]:
    """Start a fresh server with extra lines for its sitewarden.toml."""
    started: list[LiveServer] = []

    def start(config: str) -> LiveServer:
        server = _started_server(tmp_path / f"s{len(started)}", config)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
