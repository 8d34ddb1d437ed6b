from __future__ import annotations

import httpx

from tests.conftest import LiveServer


def test_healthz_answers_without_credentials_and_reveals_nothing(live_server: LiveServer) -> None:
    response = httpx.get(live_server.url + "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "server" not in response.headers
