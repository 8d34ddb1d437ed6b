"""The demo's set-up talks to its own server like an administrator's script would.

Garage and access configuration go through the public API (``demo/garage_setup.py``,
``demo/access_setup.py``) so that the demo shows the real path and never writes
around it. :class:`AdminApi` is the one place that turns an unexpected answer into an
error that says which call failed and what the server said.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from sitewarden.errors import ConfigError

MAX_RATE_LIMITED = 10  # waits on 429 before a call counts as failed


class DemoSetupFailed(ConfigError):
    """The demo's own server refused a set-up call: a bug or a data folder from elsewhere."""


class AdminApi:
    """Calls as the demo administrator (an API key made for this start and revoked after)."""

    def __init__(self, client: httpx.Client, api_key: str) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {api_key}"}

    def call(
        self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> Any:
        """The JSON answer of one call (None for 204); anything unexpected raises.

        The set-up makes a few hundred calls at the first start: when the server's
        per-user rate limit says slow down, it waits as told and tries again.
        """
        response = self._client.request(method, path, headers=self._headers, **kwargs)
        for _ in range(MAX_RATE_LIMITED):
            if response.status_code != 429:
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
            response = self._client.request(method, path, headers=self._headers, **kwargs)
        if response.status_code not in expect:
            raise DemoSetupFailed(
                f"demo set-up: {method} {path} answered {response.status_code}: "
                f"{response.text[:300]}; start again with a fresh --data-dir if this persists"
            )
        return None if response.status_code == 204 else response.json()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("PUT", path, json=body)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, json=body)
