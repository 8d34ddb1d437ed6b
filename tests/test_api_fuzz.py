"""Schemathesis against the served OpenAPI schema of a real server: every operation of
the API gets generated requests, and none may get a server error (5xx).

As an admin the path ids name a real site, zone and device (re-created if a generated
DELETE removed them), so that generated bodies and queries reach the handlers instead
of stopping at a 404; as an operator and anonymously the ids are generated too. Seeded
and bounded: the same requests every run, a few minutes on two cores. Every failing
operation is reported at once, not only the first."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.registry import service
from tests.conftest import LiveServer

pytestmark = pytest.mark.slow

SEED = 17
EXAMPLES = {Role.ADMIN: 8, Role.OPERATOR: 3, None: 2}  # per operation
SITE, ZONE, DEVICE = "fuzz", "main", "door-1"
REAL_IDS = {"site_id": SITE, "zone_id": ZONE, "device_id": DEVICE}


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: object, value: object) -> bytes:
    """Generated batches sent as NDJSON: one JSON value a line."""
    items = value if isinstance(value, list) else [value]
    return b"\n".join(orjson.dumps(item) for item in items)


@pytest.fixture(scope="module")
def fuzz_target(shared_server: LiveServer) -> Iterator[tuple[LiveServer, dict[str, str]]]:
    shared_server.add_site_with_device(SITE, DEVICE, DeviceKind.DOOR_CONTACT, zone_id=ZONE)
    yield shared_server, {"Authorization": f"Bearer {shared_server.api_key_for(Role.ADMIN)}"}


@pytest.fixture(scope="module")
def api_schema(fuzz_target: tuple[LiveServer, dict[str, str]]) -> schemathesis.BaseSchema:
    server, admin = fuzz_target
    document = httpx.get(server.url + "/api/v1/openapi.json", headers=admin).json()
    document["servers"] = [{"url": server.url}]
    loaded = schemathesis.openapi.from_dict(document)
    loaded.config.update(base_url=server.url)
    return loaded


def restore_registry(server: LiveServer) -> None:
    """Put the site, zone and device back if a generated request removed one."""
    store = server.open_storage()
    try:
        if store.registry.get_site(SITE) is None:
            service.create_site(store.registry, SITE, "Fuzz", "UTC", 1000, 700)
        if store.registry.get_zone(SITE, ZONE) is None:
            service.create_zone(store.registry, SITE, ZONE, "Main", None)
        if store.registry.get_device(SITE, DEVICE) is None:
            service.create_device(
                store.registry, SITE, DEVICE, DeviceKind.DOOR_CONTACT, zone_id=ZONE
            )
    finally:
        store.close()


def server_errors(
    operation: schemathesis.APIOperation, examples: int, send: Callable[[schemathesis.Case], None]
) -> str | None:
    """Run the seeded examples of one operation; what went wrong, or None."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @seed(SEED)
    def fuzz(case: schemathesis.Case) -> None:
        send(case)

    try:
        fuzz()
    except (Exception, FailureGroup) as exc:
        return f"{operation.method.upper()} {operation.path}: {str(exc).strip()[:600]}"
    return None


@pytest.mark.parametrize(
    "role", [Role.ADMIN, Role.OPERATOR, None], ids=["admin", "operator", "anonymous"]
)
def test_no_operation_answers_a_server_error(
    api_schema: schemathesis.BaseSchema, shared_server: LiveServer, role: Role | None
) -> None:
    headers = {"Authorization": f"Bearer {shared_server.api_key_for(role)}"} if role else {}

    def send(case: schemathesis.Case) -> None:
        if role is Role.ADMIN:
            for name in REAL_IDS.keys() & (case.path_parameters or {}).keys():
                case.path_parameters[name] = REAL_IDS[name]  # type: ignore[index]
        response = case.call(headers=headers, timeout=30)
        case.validate_response(response, checks=[not_a_server_error])

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 100  # the whole API, not a part that happened to load
    failures = []
    for operation in operations:
        if role is Role.ADMIN:
            restore_registry(shared_server)
        failure = server_errors(operation, EXAMPLES[role], send)
        if failure is not None:
            failures.append(failure)
    assert failures == [], "\n\n".join(failures)
