"""Webhooks reach only public addresses unless an admin allows a range: checked when a
webhook is saved and again at each delivery (a name may resolve elsewhere later), and
a refused delivery is dead-lettered with the reason."""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.accounts.roles import Role
from sitewarden.alerts.model import AlertSignal
from sitewarden.alerts.notify import WebhookDispatcher
from sitewarden.alerts.webhook_records import Webhook, WebhookDelivery
from sitewarden.alerts.webhook_targets import (
    WebhookHostUnresolved,
    WebhookTargetRefused,
    check_target,
    parse_networks,
)
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.events.kinds import Severity
from sitewarden.runtime.storage import Storage
from tests.conftest import LiveServer, device_client
from tests.test_alerts_live import Receiver, wait_for
from tests.test_store import make_event

LOOPBACK = parse_networks(["127.0.0.0/8"])


def answers(*replies: Sequence[str]) -> Callable[[str, int], Sequence[str]]:
    """A resolver that gives each reply in turn (the last one from then on), as a DNS
    server that changes its answer between two lookups would."""
    given_replies = list(replies)

    def resolve(host: str, port: int) -> Sequence[str]:
        return given_replies.pop(0) if len(given_replies) > 1 else given_replies[0]

    return resolve


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://127.0.0.1:8470/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://[::ffff:127.0.0.1]/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://192.168.1.20/hook", "private"),
        ("https://[fd00::5]/hook", "private"),
        ("https://100.64.0.9/hook", "reserved"),
        ("http://0.0.0.0/hook", "unspecified"),
    ],
)
def test_literal_non_public_address_is_refused_with_its_kind(url: str, kind: str) -> None:
    with pytest.raises(WebhookTargetRefused) as refused:
        check_target(url, ())
    assert f"a {kind} address" in refused.value.message
    assert "webhook_allowed_networks" in refused.value.message


def test_name_is_refused_when_any_of_its_addresses_is_not_public() -> None:
    resolve = answers(["93.184.216.34", "10.0.0.7"])
    with pytest.raises(WebhookTargetRefused) as refused:
        check_target("https://hooks.example.org/in", (), resolve)
    assert "hooks.example.org resolves to 10.0.0.7, a private address" in refused.value.message


def test_public_and_allowed_addresses_are_accepted() -> None:
    target = check_target("https://hooks.example.org:8443/in", (), answers(["93.184.216.34"]))
    assert (target.host, target.port, str(target.address)) == (
        "hooks.example.org",
        8443,
        "93.184.216.34",
    )
    assert str(check_target("http://127.0.0.1:9/h", LOOPBACK).address) == "127.0.0.1"
    allowed = parse_networks(["10.20.0.0/16"])
    assert str(check_target("http://10.20.3.4/h", allowed).address) == "10.20.3.4"
    with pytest.raises(WebhookTargetRefused):
        check_target("http://10.21.3.4/h", allowed)


def test_a_name_that_does_not_resolve_is_its_own_error() -> None:
    def nowhere(host: str, port: int) -> Sequence[str]:
        raise OSError("Name or service not known")

    with pytest.raises(WebhookHostUnresolved) as unresolved:
        check_target("https://no-such-host.invalid/h", (), nowhere)
    assert "does not resolve" in unresolved.value.message


@given(st.ip_addresses())
def test_every_address_is_either_public_or_refused(address: Any) -> None:
    host = f"[{address}]" if address.version == 6 else str(address)
    public = address.is_global and not address.is_multicast
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        public = mapped.is_global and not mapped.is_multicast
    try:
        check_target(f"http://{host}/h", ())
    except WebhookTargetRefused:
        assert not public
    else:
        assert public and not ipaddress.ip_address(address).is_private


# --- at delivery time, with a real store and receiver ---------------------------------
@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def _queue_delivery(store: Storage, url: str) -> None:
    """A webhook for site s and a smoke alert there, which queues one delivery."""
    now = datetime.now(UTC)
    store.webhooks.add_webhook(Webhook(uuid.uuid4().hex, "s", url, "secret", "info", True, now))
    event = make_event("s", "d", "alarm.smoke", now)
    signal = AlertSignal(
        "fire", "smoke", "Smoke", Severity.CRITICAL, "s", "zone:z", "z", "d", event.id, now
    )
    store.batch.insert_events([event], {}, [signal])


def _dispatch(store: Storage, resolve: Callable[[str, int], Sequence[str]], **kwargs: Any) -> None:
    dispatcher = WebhookDispatcher(store.webhooks, resolve=resolve, **kwargs)
    dispatcher.start()
    dispatcher.notify([])
    try:
        wait_for(
            lambda: store.webhooks.deliveries("dead") or store.webhooks.deliveries("delivered"),
            seconds=10,
        )
    finally:
        dispatcher.stop()


def test_a_name_that_rebinds_to_the_metadata_service_is_refused_at_delivery(
    store: Storage, receiver: Receiver
) -> None:
    # Public when the admin saved it; the cloud's metadata service when it is sent.
    resolve = answers(["93.184.216.34"], ["169.254.169.254"])
    url = "http://hooks.example.org/in"
    check_target(url, (), resolve)  # what the API does on save: accepted
    _queue_delivery(store, url)
    _dispatch(store, resolve)
    [dead] = store.webhooks.deliveries("dead")
    assert dead.attempts == 1  # refused, not retried: no request was made
    assert dead.last_error is not None
    assert "hooks.example.org resolves to 169.254.169.254, a link-local address" in (
        dead.last_error
    )
    assert store.webhooks.deliveries("delivered") == []


def test_delivery_goes_to_the_address_checked_with_the_names_host_header(
    store: Storage, receiver: Receiver
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    _queue_delivery(store, f"http://hooks.example.org:{port}/hook")
    _dispatch(store, answers(["127.0.0.1"]), allowed_networks=LOOPBACK)
    delivered: list[WebhookDelivery] = store.webhooks.deliveries("delivered")
    assert len(delivered) == 1
    [(headers, _body)] = receiver.requests
    assert headers["Host"] == f"hooks.example.org:{port}"


# --- through the API of a real server -------------------------------------------------
REFUSED_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:9/hook",
    "http://localhost:9/hook",
    "http://[::1]:9/hook",
    "http://10.0.0.5/hook",
]


def test_saving_a_webhook_to_a_non_public_address_is_refused(live_server: LiveServer) -> None:
    live_server.add_site_with_device("wt", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with live_server.client(Role.ADMIN) as admin:
        for url in REFUSED_URLS:
            answer = admin.post("/api/v1/webhooks", json={"url": url, "site_id": "wt"})
            assert answer.status_code == 422, (url, answer.text)
            assert answer.json()["error"] == "webhook_target_refused"
            assert "webhook_allowed_networks" in answer.json()["message"]
        assert admin.get("/api/v1/webhooks").json() == []
        public = admin.post("/api/v1/webhooks", json={"url": "https://93.184.216.34/in"})
        assert public.status_code == 201, public.text


def test_a_target_no_longer_allowed_is_refused_at_delivery_and_dead_lettered(
    configured_server: Callable[[str], LiveServer], receiver: Receiver
) -> None:
    allowed = 'webhook_allowed_networks = ["127.0.0.0/8"]'
    server = configured_server(allowed)
    token = server.add_site_with_device("wd", "smoke-1", DeviceKind.SMOKE_DETECTOR)
    with server.client(Role.ADMIN) as admin:
        saved = admin.post("/api/v1/webhooks", json={"url": receiver.url, "site_id": "wd"})
        assert saved.status_code == 201, saved.text
    # The admin takes the range back; the saved webhook must not be sent to any more.
    server.stop()
    config = server.settings.data_dir / "sitewarden.toml"
    config.write_text(config.read_text().replace(allowed, ""))
    server.start()
    with device_client(server, token) as device:
        device.post("/api/v1/events", json=[{"kind": "alarm.smoke"}])
    with server.client(Role.ADMIN) as admin:
        dead = wait_for(lambda: admin.get("/api/v1/webhooks/dead-letters").json())
    assert dead[0]["attempts"] == 1
    assert "127.0.0.1, a loopback address" in dead[0]["last_error"]
    time.sleep(0.5)
    assert receiver.requests == []
