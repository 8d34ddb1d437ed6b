"""What the client chooses stays the client's: its forwarded address, the Host of a
redirect and the request id written into the audit log (issue 17, items 7 and 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from sitewarden.accounts.roles import Role
from sitewarden.config import load_settings
from sitewarden.doctor.checks import check_trusted_proxies
from sitewarden.doctor.findings import Level
from sitewarden.errors import ConfigError
from sitewarden.server import proxy_options

WRONG = {"username": "nobody", "password": "x" * 12}


def _failed_sign_ins(server: Any) -> list[dict[str, Any]]:
    with server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit").json()["entries"]
    return [e for e in entries if e["action"] == "auth.failed"]


def test_forwarded_for_from_an_untrusted_peer_neither_escapes_the_limit_nor_reaches_the_audit(
    configured_server: Any,
) -> None:
    server = configured_server("rate_limit_login_per_min = 6")
    answers = [
        httpx.post(
            server.url + "/api/v1/auth/login",
            json=WRONG,
            headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Request-ID": "chosen-by-client"},
        )
        for n in range(6)
    ]
    assert answers[-1].status_code == 429  # one client, whatever address it claims
    assert answers[0].headers["x-request-id"] != "chosen-by-client"
    failed = _failed_sign_ins(server)
    assert failed and {tuple(e["targets"]) for e in failed} == {("127.0.0.1",)}
    assert all(e["request_id"] != "chosen-by-client" for e in failed)
    assert failed[0]["request_id"] == answers[0].headers["x-request-id"]


def test_forwarded_for_from_a_trusted_proxy_is_the_client(configured_server: Any) -> None:
    server = configured_server('rate_limit_login_per_min = 6\ntrusted_proxies = ["127.0.0.1"]')
    answers = [
        httpx.post(
            server.url + "/api/v1/auth/login",
            json=WRONG,
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        for n in range(6)
    ]
    assert [a.status_code for a in answers] == [401] * 6  # six clients behind the proxy
    assert ("203.0.113.5",) in {tuple(e["targets"]) for e in _failed_sign_ins(server)}


def test_trailing_slash_is_a_clear_404_not_a_redirect_to_the_host_header(
    shared_server: Any,
) -> None:
    with shared_server.client() as admin:
        answer = admin.get("/api/v1/users/", headers={"Host": "evil.example"})
    assert answer.status_code == 404 and "location" not in answer.headers
    assert "trailing '/'" in answer.json()["message"]
    page = httpx.get(shared_server.url + "/devices/", headers={"Host": "evil.example"})
    assert page.status_code == 404 and "location" not in page.headers


def test_proxy_headers_are_off_unless_proxies_are_configured(tmp_path: Path) -> None:
    plain = load_settings(tmp_path)
    assert proxy_options(plain) == {"proxy_headers": False, "forwarded_allow_ips": []}
    assert check_trusted_proxies(plain)[0].level is Level.OK
    proxied = load_settings(tmp_path, trusted_proxies=["10.0.0.5", "fd00::/64"])
    assert proxy_options(proxied)["forwarded_allow_ips"] == ["10.0.0.5", "fd00::/64"]
    everyone = check_trusted_proxies(load_settings(tmp_path, trusted_proxies=["0.0.0.0/0"]))
    assert everyone[0].level is Level.MAJOR and "anyone" in everyone[0].message
    with pytest.raises(ConfigError, match="not an IP address or network"):
        load_settings(tmp_path, trusted_proxies=["*"])
