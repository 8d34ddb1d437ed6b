"""Every route is closed: 401 without credentials, 403 for a role that may not use it.

The routes come from the real app object, so a new route without an auth
dependency makes this test fail rather than slip through.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sitewarden.accounts.roles import Role, roles_with
from sitewarden.api.authentication import DeviceOnly, Requires
from sitewarden.app import PUBLIC_ROUTES, create_app
from sitewarden.config import load_settings
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.keyfiles import create_key_files
from sitewarden.runtime.storage import Storage
from tests.conftest import LiveServer


def _routes(tmp: Path) -> list[tuple[str, str, Any]]:
    settings = load_settings(tmp / "routes")
    create_key_files(settings.key_path)
    store = Storage.sqlite(settings.sqlite_path)
    app = create_app(settings, store)
    found = []
    for route in _flatten(app.routes):
        for method in sorted(route.methods):
            found.append((method, route.path, _guard(route.dependant)))
    store.close()
    return found


def _flatten(routes: list[Any]) -> list[APIRoute]:
    """API routes, including those of included routers (FastAPI keeps them nested)."""
    flat: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            flat.append(route)
        elif hasattr(route, "original_router"):  # an included router; our prefixes are on it
            flat.extend(_flatten(route.original_router.routes))
    return flat


def _guard(dependant: Dependant) -> Any:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requires | DeviceOnly):
            return dependency.call
        inner = _guard(dependency)
        if inner is not None:
            return inner
    return None


def _concrete(path: str) -> str:
    return re.sub(
        r"\{(\w+)\}",
        lambda m: "01900000-0000-7000-8000-000000000000" if m.group(1) == "event_id" else "walk",
        path,
    )


ROUTES = _routes(Path(__import__("tempfile").mkdtemp()))
GUARDED = [(m, p, g) for m, p, g in ROUTES if (m, p) not in PUBLIC_ROUTES]


def test_every_route_is_public_by_decision_or_guarded() -> None:
    assert len(ROUTES) > 30
    unguarded = [(m, p) for m, p, g in GUARDED if g is None]
    assert unguarded == []
    assert {("GET", "/healthz"), ("POST", "/api/v1/auth/login")} <= {(m, p) for m, p, _ in ROUTES}


@pytest.mark.parametrize(
    ("method", "path", "guard"), GUARDED, ids=[f"{m} {p}" for m, p, _ in GUARDED]
)
def test_route_answers_401_without_credentials(
    shared_server: LiveServer, method: str, path: str, guard: Any
) -> None:
    response = httpx.request(method, shared_server.url + _concrete(path), json={})
    assert response.status_code == 401, response.text


def test_route_answers_403_for_roles_without_the_permission(shared_server: LiveServer) -> None:
    checked = 0
    for method, path, guard in GUARDED:
        if isinstance(guard, DeviceOnly):
            forbidden = list(Role)  # no operator role may post events
        else:
            forbidden = sorted(set(Role) - roles_with(guard.permission))
        for role in forbidden:
            with shared_server.client(role) as client:
                response = client.request(method, _concrete(path), json={})
            assert response.status_code == 403, f"{role} {method} {path}: {response.text}"
            checked += 1
    assert checked > 20


def test_device_token_is_refused_on_operator_routes(shared_server: LiveServer) -> None:
    token = shared_server.add_site_with_device("walk", "cam-1", DeviceKind.CAMERA)
    headers = {"Authorization": f"Bearer {token}"}
    for method, path, guard in GUARDED:
        if isinstance(guard, Requires):
            response = httpx.request(
                method, shared_server.url + _concrete(path), headers=headers, json={}
            )
            assert response.status_code == 403, f"{method} {path}"


def test_public_routes_reveal_nothing(shared_server: LiveServer) -> None:
    assert httpx.get(shared_server.url + "/healthz").json() == {"status": "ok"}
    login = httpx.get(shared_server.url + "/login")
    assert login.status_code == 200 and "Sign in" in login.text
    assert "riverside" not in login.text.lower()
    wrong = httpx.post(
        shared_server.url + "/api/v1/auth/login", json={"username": "admin", "password": "x" * 12}
    )
    assert wrong.status_code == 401
    assert wrong.json()["message"] == "wrong username or password"
    nobody = httpx.post(
        shared_server.url + "/api/v1/auth/login", json={"username": "ghost", "password": "x" * 12}
    )
    assert nobody.json() == wrong.json()


def test_openapi_schema_is_served_to_signed_in_operators_only(shared_server: LiveServer) -> None:
    assert httpx.get(shared_server.url + "/api/v1/openapi.json").status_code == 401
    assert (
        httpx.get(shared_server.url + "/openapi.json").status_code == 401
        or httpx.get(shared_server.url + "/openapi.json").status_code == 404
    )
    with shared_server.client(Role.VIEWER) as viewer:
        schema = viewer.get("/api/v1/openapi.json").json()
    assert "/api/v1/events" in schema["paths"]
    assert (
        "application/x-ndjson"
        in schema["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]
    )
