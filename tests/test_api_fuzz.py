"""Schemathesis against the served OpenAPI schema of a real server: generated requests,
authenticated as an operator and as an admin's API key and anonymously, must never get
a server error (5xx). Bounded so that CI stays within its time."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from sitewarden.auth.roles import Role
from sitewarden.registry.device_kinds import DeviceKind
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: object, value: object) -> bytes:
    """Generated batches sent as NDJSON: one JSON value a line."""
    items = value if isinstance(value, list) else [value]
    return b"\n".join(orjson.dumps(item) for item in items)


@pytest.fixture(scope="module")
def fuzz_target(shared_server: LiveServer) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    shared_server.add_site_with_device("fuzz", "door-1", DeviceKind.DOOR_CONTACT)
    yield shared_server, {"Authorization": f"Bearer {shared_server.api_key_for(Role.ADMIN)}"}


@pytest.fixture(scope="module")
def api_schema(fuzz_target: tuple[LiveServer, dict[str, str]]) -> schemathesis.BaseSchema:
    server, admin = fuzz_target
    document = httpx.get(server.url + "/api/v1/openapi.json", headers=admin).json()
    document["servers"] = [{"url": server.url}]
    loaded = schemathesis.openapi.from_dict(document)
    loaded.config.update(base_url=server.url)
    return loaded


def call_as(case: schemathesis.Case, server: LiveServer, role: Role | None) -> None:
    headers = {"Authorization": f"Bearer {server.api_key_for(role)}"} if role else {}
    response = case.call(headers=headers, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])


BOUNDED = settings(
    max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.OPERATOR, None], ids=["admin", "operator", "anonymous"]
)
def test_no_server_errors_on_any_operation(
    api_schema: schemathesis.BaseSchema, shared_server: LiveServer, role: Role | None
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @BOUNDED
        def fuzz(case: schemathesis.Case) -> None:
            call_as(case, shared_server, role)

        fuzz()
