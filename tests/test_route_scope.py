"""Every route that names a site in its path checks the caller's site scope through the
one dependency, ``site_in_scope``, and only after the route's auth guard; and every
purpose a route takes in its query is the one purpose parameter.

The routes come from the real app object (as in ``test_route_auth``), so a route added
later with ``{site_id}`` in its path but without the dependency fails here. The answers
themselves (404 for another site's objects, 403 for a scoped admin's global actions)
are proved against a live server by ``test_site_isolation``, which walks the same table.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from sitewarden.api.authentication import DeviceOnly, Requires
from sitewarden.api.operator_scope import PURPOSE_MAX, PURPOSE_MIN, PURPOSE_TEXT, site_in_scope
from sitewarden.app import create_app
from sitewarden.config import load_settings
from sitewarden.privacy.keyfiles import create_key_files
from sitewarden.runtime.storage import Storage
from tests.test_route_auth import _flatten


def _app_routes() -> list[APIRoute]:
    settings = load_settings(Path(mkdtemp()) / "scope")
    create_key_files(settings.key_path)
    store = Storage.sqlite(settings.sqlite_path)
    try:
        return _flatten(create_app(settings, store).routes)
    finally:
        store.close()


APP_ROUTES = _app_routes()


def _name(route: APIRoute) -> str:
    return f"{','.join(sorted(route.methods))} {route.path}"


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    """The dependencies' callables in the order FastAPI runs them (a dependency's own
    dependencies before it, siblings in the order of the signature)."""
    for dependency in dependant.dependencies:
        yield from _calls(dependency)
        if dependency.call is not None:
            yield dependency.call


def _site_routes() -> list[APIRoute]:
    return [route for route in APP_ROUTES if "{site_id}" in route.path]


def test_the_walk_sees_the_site_routes() -> None:
    assert len(_site_routes()) > 50


def test_every_route_with_a_site_in_its_path_uses_the_scope_dependency() -> None:
    missing = [
        _name(route)
        for route in _site_routes()
        if site_in_scope not in list(_calls(route.dependant))
    ]
    assert missing == [], (
        "routes with {site_id} in their path must take "
        "`site: Site = Depends(site_in_scope)` (after their auth guard): " + ", ".join(missing)
    )


def test_the_scope_dependency_runs_after_the_auth_guard() -> None:
    """Authentication answers first (401/403); only then is the site looked at (404)."""
    misplaced = []
    for route in APP_ROUTES:
        calls = list(_calls(route.dependant))
        if site_in_scope not in calls:
            continue
        guards = [i for i, call in enumerate(calls) if isinstance(call, Requires)]
        if not guards or guards[0] > calls.index(site_in_scope):
            misplaced.append(_name(route))
    assert misplaced == [], "put the site after the operator in the signature: " + ", ".join(
        misplaced
    )


def test_the_scope_dependency_is_used_only_where_the_path_names_the_site() -> None:
    """Elsewhere its ``site_id`` would silently become a query parameter."""
    stray = [
        _name(route)
        for route in APP_ROUTES
        if "{site_id}" not in route.path and site_in_scope in list(_calls(route.dependant))
    ]
    assert stray == []


def test_device_routes_do_not_take_an_operator_scope() -> None:
    devices = [
        _name(route)
        for route in APP_ROUTES
        if any(isinstance(call, DeviceOnly) for call in _calls(route.dependant))
        and site_in_scope in list(_calls(route.dependant))
    ]
    assert devices == []


def _purposes(dependant: Dependant) -> Iterator[Any]:
    for param in dependant.query_params:
        if param.name == "purpose":
            yield param
    for dependency in dependant.dependencies:
        yield from _purposes(dependency)


def _length(field: Any, kind: str) -> int | None:
    for rule in field.field_info.metadata:
        value = getattr(rule, kind, None)
        if value is not None:
            return int(value)
    return None


def test_every_purpose_in_a_query_is_the_one_purpose_parameter() -> None:
    found = 0
    different = []
    for route in APP_ROUTES:
        for field in _purposes(route.dependant):
            found += 1
            lengths = (_length(field, "min_length"), _length(field, "max_length"))
            described = (field.field_info.description or "").startswith(PURPOSE_TEXT)
            if lengths != (PURPOSE_MIN, PURPOSE_MAX) or not described:
                different.append(f"{_name(route)}: {lengths}")
    assert found > 10
    assert different == [], "use Purpose or OptionalPurpose from operator_scope: " + ", ".join(
        different
    )


def test_route_handlers_do_not_check_the_path_site_by_hand() -> None:
    """The dependency is the check; a handler that repeats it by hand is a second copy."""
    by_hand = re.compile(r"\b(visible_site|_site|_visible)\([^)]*\bsite_id\)|sees_site\(site_id\)")
    repeated = [
        _name(route)
        for route in _site_routes()
        if by_hand.search(inspect.getsource(route.endpoint))
    ]
    assert repeated == []
