"""Exposure probes against real local servers started here (PostgreSQL, Redis, mosquitto
from Debian's packages, each with and without authentication), and against local
replays of Elasticsearch's and MongoDB's documented answers (neither runs here)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import socketserver
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sitewarden.doctor.probe import _bson, probe
from tests.conftest import free_port
from tests.postgres_server import start_postgres

pytestmark = pytest.mark.slow


def levels(url: str) -> list[str]:
    return [f.level.name.lower() for f in probe(url)]


def wait_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


@pytest.fixture
def process_group() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def need(binary: str) -> str:
    path = shutil.which(binary) or next(Path("/usr/lib/postgresql").glob(f"*/bin/{binary}"), None)
    if path is None:
        pytest.skip(f"{binary} is not installed (scripts/test installs it)")
    return str(path)


@pytest.mark.parametrize("password", [None, "s3cret-redis"])
def test_redis_with_and_without_a_password(process_group: list[Any], password: str | None) -> None:
    port = free_port()
    command = [
        need("redis-server"),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    if password:
        command += ["--requirepass", password]
    process_group.append(subprocess.Popen(command, stdout=subprocess.DEVNULL))
    wait_port(port)
    assert levels(f"redis://127.0.0.1:{port}") == (["ok"] if password else ["critical"])


@pytest.mark.parametrize("anonymous", [True, False])
def test_mosquitto_with_and_without_anonymous_clients(
    process_group: list[Any], anonymous: bool
) -> None:
    # mosquitto drops root for its own user: keep its files where that user can read them.
    folder = Path(tempfile.mkdtemp(prefix="sw-mqtt-"))
    os.chmod(folder, 0o755)
    port = free_port()
    config = folder / "mosquitto.conf"
    lines = [f"listener {port} 127.0.0.1", f"allow_anonymous {'true' if anonymous else 'false'}"]
    if not anonymous:
        passwords = folder / "passwords"
        passwords.write_text("")
        os.chmod(passwords, 0o644)
        lines.append(f"password_file {passwords}")
    config.write_text("\n".join(lines) + "\n")
    os.chmod(config, 0o644)
    process_group.append(
        subprocess.Popen(
            [need("mosquitto"), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    wait_port(port)
    assert levels(f"mqtt://127.0.0.1:{port}") == (["critical"] if anonymous else ["ok"])


@pytest.mark.parametrize("method", ["trust", "scram-sha-256"])
def test_postgresql_trust_and_password(method: str) -> None:
    need("initdb")  # skips with the reason when PostgreSQL is not installed
    server = start_postgres(auth=method)
    try:
        found = levels(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    finally:
        server.stop()
    assert "major" in found  # no TLS configured on this test server
    assert ("critical" in found) == (method == "trust")


class SearchReplay(BaseHTTPRequestHandler):
    """Answers as Elasticsearch does (its REST API documentation), open or secured."""

    secured = False

    def do_GET(self) -> None:
        if self.secured:
            body = {
                "error": {
                    "root_cause": [
                        {
                            "type": "security_exception",
                            "reason": "missing authentication credentials for REST request "
                            f"[{self.path}]",
                        }
                    ],
                    "type": "security_exception",
                },
                "status": 401,
            }
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="security" charset="UTF-8"')
        else:
            body = (
                {
                    "name": "node-1",
                    "cluster_name": "cameras",
                    "version": {"number": "8.15.0"},
                    "tagline": "You Know, for Search",
                }
                if self.path == "/"
                else [{"health": "yellow", "index": "faces", "docs.count": "2000000"}]
            )
            self.send_response(200)
        payload = json.dumps(body).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize("secured", [False, True])
def test_search_engine_replay_open_and_secured(secured: bool) -> None:
    handler = type("Handler", (SearchReplay,), {"secured": secured})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = levels(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert found == (["ok", "ok"] if secured else ["critical", "critical"])


def _mongo_reply(ok: float) -> bytes:
    document = _bson({"errmsg": "requires authentication", "code": 13}) if not ok else _bson({})
    # re-encode with a double "ok" field first, as mongod does
    body = b"\x01ok\x00" + struct.pack("<d", ok) + document[4:-1]
    document = struct.pack("<i", len(body) + 5) + body + b"\x00"
    message = struct.pack("<I", 0) + b"\x00" + document
    return struct.pack("<iiii", 16 + len(message), 2, 1, 2013) + message


@pytest.mark.parametrize("authorised", [False, True])
def test_mongodb_replay_open_and_secured(authorised: bool) -> None:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            length = struct.unpack("<i", self.request.recv(4))[0]
            self.request.recv(length - 4)
            self.request.sendall(_mongo_reply(0.0 if authorised else 1.0))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        found = levels(f"mongodb://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
    assert found == (["ok"] if authorised else ["critical"])


def test_unknown_schemes_and_silent_hosts_are_reported_not_raised() -> None:
    assert levels("ftp://127.0.0.1:21") == ["major"]
    assert levels(f"redis://127.0.0.1:{free_port()}") == ["info"]
