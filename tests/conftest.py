"""Shared fixtures: real SQLite files, a real PostgreSQL server and real
``sitewarden serve`` processes.

Nothing of ours is mocked: the live server is the installed command, started on a
free loopback port against a temporary data folder.

Backends: every fixture that opens a store (``settings``, ``store``, ``live_server``,
``shared_server``, ``configured_server``) runs on SQLite; a module marked
``pytestmark = pytest.mark.both_backends`` runs each of its tests on SQLite and on
PostgreSQL (one server per session, a fresh database per store or server process).
``SITEWARDEN_TEST_BACKEND=postgres`` puts every other one on PostgreSQL too.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pyotp
import pytest

from sitewarden.accounts.accounts import create_api_key, create_user
from sitewarden.accounts.roles import Role
from sitewarden.config import Settings, load_settings
from sitewarden.db.postgres import postgres_sql
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.initialise import initialise
from sitewarden.registry import service
from sitewarden.runtime.storage import Storage, open_storage
from tests.postgres_server import PostgresServer, postgres_binary, start_postgres

BACKENDS = ("sqlite", "postgres")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "both_backends"
    ):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """Each of ``BACKENDS`` in a module marked ``both_backends``; elsewhere ``sqlite``, or
    what ``SITEWARDEN_TEST_BACKEND`` names (``postgres`` runs every server test on it)."""
    return str(getattr(request, "param", os.environ.get("SITEWARDEN_TEST_BACKEND", "sqlite")))


def running_postgres() -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster with a migrated template database, stopped after use
    (the body of a fixture; skips the test where PostgreSQL is not installed)."""
    if postgres_binary("initdb") is None:
        pytest.skip("PostgreSQL is not installed (scripts/test installs it)")
    server = start_postgres()
    server.prepare_template()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster for the session."""
    yield from running_postgres()


def raw_sql(settings: Settings, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Run SQL (``?`` placeholders) on a store's database behind its back: to set up or
    look at what sitewarden itself never would."""
    target = settings.database
    if target.postgres_url is not None:
        with psycopg.connect(target.postgres_url, autocommit=True) as conn:
            cursor = conn.execute(postgres_sql(sql), params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []
    conn = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def postgres_for(request: pytest.FixtureRequest, backend: str) -> PostgresServer | None:
    """The session's PostgreSQL cluster when the backend is PostgreSQL."""
    if backend == "sqlite":
        return None
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server


def database_url_for(request: pytest.FixtureRequest, backend: str) -> str | None:
    """None (the data folder's SQLite file) or the URL of a fresh PostgreSQL database."""
    server = postgres_for(request, backend)
    return None if server is None else server.fresh_database()


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest, backend: str) -> Settings:
    return load_settings(
        tmp_path / "data", port=free_port(), database_url=database_url_for(request, backend)
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Storage]:
    opened = open_storage(settings)
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
    admin_password_changed: bool = False  # init's generated one must be changed first
    _last_totp_step: int = 0
    # the admin's browser session once signed in through the form (test_web.sign_in)
    admin_cookies: list[Any] = field(default_factory=list)
    # the admin's API session (cookie, CSRF token) from admin_session, while it lasts
    _admin_api_session: tuple[str, str] | None = None
    postgres: PostgresServer | None = None  # the cluster, when the database is PostgreSQL
    _keys: dict[str, str] = field(default_factory=dict)

    def totp_code(self) -> str:
        """A code of the admin's for a 30-second step not used yet (the server takes each
        step once): the current one or the next, else it waits for the next step."""
        assert self.admin_totp is not None
        totp = pyotp.TOTP(self.admin_totp)
        while True:
            now = totp.timecode(time.time())
            step = max(now, self._last_totp_step + 1)
            if step <= now + 1:
                self._last_totp_step = step
                return totp.generate_otp(step)
            time.sleep(0.5)

    def login(self, username: str, password: str, totp: str | None = None) -> httpx.Response:
        """``POST /api/v1/auth/login`` for a test's set-up: waits out the per-address
        sign-in limit (every test signs in from 127.0.0.1) instead of failing on its
        429. Tests of the limit itself post directly."""
        body = {"username": username, "password": password}
        if totp is not None:
            body["totp"] = totp
        with httpx.Client(transport=PatientTransport()) as patient:
            return patient.post(self.url + "/api/v1/auth/login", json=body)

    def change_admin_password(self) -> None:
        """Replace init's generated password, as the first sign-in must."""
        answer = self.login("admin", self.admin_password)
        answer.raise_for_status()
        jar = {"sitewarden_session": answer.cookies["sitewarden_session"]}
        new_password = self.admin_password + "-own"
        changed = httpx.post(
            self.url + "/api/v1/me/password",
            json={"current_password": self.admin_password, "new_password": new_password},
            cookies=jar,
            headers={"x-csrf-token": answer.json()["csrf_token"]},
        )
        assert changed.status_code == 204, changed.text
        self.admin_password, self.admin_password_changed = new_password, True

    def admin_session(self, fresh: bool = False) -> tuple[str, str]:
        """The admin's session signed in with password and second factor (changing init's
        password and enrolling the second factor the first time, through the API as a
        person would); returns (cookie, CSRF token).

        The session of the last call is given again while it still reads ``/me``:
        each sign-in spends a TOTP step of its own, 30 seconds each, and a suite signing
        in afresh every time waited minutes. ``fresh`` signs in anew, for tests of
        signing in itself."""
        cached = self._admin_api_session
        if cached and not fresh:
            me = httpx.get(self.url + "/api/v1/me", cookies={"sitewarden_session": cached[0]})
            if me.status_code == 200:
                return cached
        if not self.admin_password_changed:
            self.change_admin_password()
        code = self.totp_code() if self.admin_totp else None
        answer = self.login("admin", self.admin_password, code)
        answer.raise_for_status()
        cookie, csrf = answer.cookies["sitewarden_session"], answer.json()["csrf_token"]
        if not self.admin_totp:
            jar, headers = {"sitewarden_session": cookie}, {"x-csrf-token": csrf}
            secret = httpx.post(self.url + "/api/v1/me/totp", cookies=jar, headers=headers)
            self.admin_totp = secret.json()["secret"]
            code = {"code": self.totp_code()}
            confirmed = httpx.post(
                self.url + "/api/v1/me/totp/confirm", json=code, cookies=jar, headers=headers
            )
            assert confirmed.status_code == 204, confirmed.text
        self._admin_api_session = cookie, csrf
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

    def database_bytes(self) -> bytes:
        """Everything the database holds on disk (SQLite file and WAL, or PostgreSQL's
        files of this database and its write-ahead log)."""
        url = self.settings.database.postgres_url
        if url is None:
            folder = self.settings.sqlite_path.parent
            paths = [p for p in folder.iterdir() if p.name.startswith("sitewarden.db")]
        else:
            assert self.postgres is not None
            paths = self.postgres.files_of(url)
        return b"".join(path.read_bytes() for path in paths)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def open_storage(self) -> Storage:
        return open_storage(self.settings)

    def api_key_for(self, role: Role, *, sites: tuple[str, ...] | None = None) -> str:
        """An API key of a fresh user with ``role`` (cached per role and scope)."""
        name = f"{role.value}-{'-'.join(sites) if sites else 'all'}"
        if name not in self._keys:
            store = self.open_storage()
            try:
                user, _ = create_user(store.accounts, store.registry, name, role, site_scope=sites)
                _, token = create_api_key(store.accounts, user, "tests")
            finally:
                store.close()
            self._keys[name] = token
        return self._keys[name]

    def client(
        self, role: Role = Role.ADMIN, *, patient: bool = False, **kwargs: Any
    ) -> httpx.Client:
        """A client with a fresh user's API key; ``patient`` waits out the per-user rate
        limit (429) and sends again, for tests that walk hundreds of routes quickly."""
        token = self.api_key_for(role, **kwargs)
        return httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            transport=PatientTransport() if patient else None,
        )

    def audit_entries(self) -> list[dict[str, Any]]:
        """Every audit entry, oldest first, read by an admin page by page."""
        entries: list[dict[str, Any]] = []
        after = 0
        with self.client(Role.ADMIN) as admin:
            while True:
                page = admin.get("/api/v1/audit", params={"after": after, "limit": 1000}).json()
                entries += page["entries"]
                if page["next_after"] is None:
                    return entries
                after = page["next_after"]

    def add_site_with_device(
        self, site_id: str, device_id: str, kind: DeviceKind, zone_id: str = "main"
    ) -> str:
        """Register a site (if new), a zone and a device; return the device token."""
        store = self.open_storage()
        try:
            if store.registry.get_site(site_id) is None:
                service.create_site(
                    store.registry, site_id, site_id.title(), "Asia/Shanghai", 1000, 700
                )
            if store.registry.get_zone(site_id, zone_id) is None:
                service.create_zone(store.registry, site_id, zone_id, zone_id.title(), None)
            _, token = service.create_device(
                store.registry, site_id, device_id, kind, zone_id=zone_id
            )
        finally:
            store.close()
        return token


class PatientTransport(httpx.HTTPTransport):
    """Sends a request again after the Retry-After a 429 answer asks for."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        while True:
            response = super().handle_request(request)
            if response.status_code != 429:
                return response
            response.read()
            response.close()
            time.sleep(float(response.headers.get("Retry-After", "1")))


def _started_server(
    folder: Path, config: str = "", postgres: PostgresServer | None = None
) -> LiveServer:
    server = prepared_server(folder, config, postgres)
    server.start()
    if postgres is not None:  # the server really runs on PostgreSQL, not a stray file
        assert not (server.settings.data_dir / "db").exists()
    return server


def prepared_server(
    folder: Path, config: str = "", postgres: PostgresServer | None = None
) -> LiveServer:
    """An initialised data folder and its server, not started yet."""
    database_url = None if postgres is None else postgres.fresh_database()
    settings = load_settings(folder / "data", port=free_port(), database_url=database_url)
    result = initialise(settings)
    config_file = settings.data_dir / "sitewarden.toml"
    if database_url is not None:  # as an operator would: every command on the folder uses it
        config_file.write_text(f'database_url = "{database_url}"\n' + config_file.read_text())
    if config:
        config_file.write_text(config_file.read_text() + "\n" + config + "\n")
    server = LiveServer(
        postgres=postgres,
        settings=settings,
        url=f"http://127.0.0.1:{settings.port}",
        admin_password=result.admin_password,
        log_path=folder / "server.log",
    )
    return server


@pytest.fixture
def live_server(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> Iterator[LiveServer]:
    """A fresh server for this test alone."""
    server = _started_server(tmp_path, postgres=postgres_for(request, backend))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, backend: str
) -> Iterator[LiveServer]:
    """One server for a whole test module (per backend); tests must use their own site ids."""
    server = _started_server(
        tmp_path_factory.mktemp("shared"), postgres=postgres_for(request, backend)
    )
    yield server
    server.stop()


def device_client(server: LiveServer, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


@pytest.fixture
def configured_server(
    tmp_path: Path, request: pytest.FixtureRequest, backend: str
) -> Iterator[Callable[[str], LiveServer]]:
    """Start a fresh server with extra lines for its sitewarden.toml."""
    started: list[LiveServer] = []

    postgres = postgres_for(request, backend)  # started now, before the test runs

    def start(config: str) -> LiveServer:
        server = _started_server(tmp_path / f"s{len(started)}", config, postgres)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
