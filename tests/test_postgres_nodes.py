"""Several nodes on one PostgreSQL database: two real stores (as two ``serve`` processes
hold them) on one fresh database of the session's real server."""

from __future__ import annotations

import queue
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sitewarden.alerts.alert_search import AlertFilter
from sitewarden.alerts.model import AlertSignal
from sitewarden.alerts.webhook_records import Webhook
from sitewarden.alerts.webhook_tables import DELIVERY_LEASE
from sitewarden.events.kinds import Severity
from sitewarden.runtime.storage import Storage
from tests.postgres_server import PostgresServer
from tests.test_store import make_event

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def nodes(postgres_server: PostgresServer) -> Iterator[tuple[Storage, Storage]]:
    url = postgres_server.fresh_database()
    a, b = Storage.postgres(url), Storage.postgres(url)
    yield a, b
    a.close()
    b.close()


def smoke(site: str, event_id: uuid.UUID) -> AlertSignal:
    return AlertSignal(
        "fire", "smoke", "Smoke", Severity.CRITICAL, site, "zone:z", "z", "d", event_id, NOW
    )


def listen(node: Storage) -> tuple[queue.Queue[dict[str, Any]], Any]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    stop = node.db.listen_to_other_nodes(lambda messages: [received.put(m) for m in messages])
    return received, stop


def test_an_alert_raised_on_one_node_reaches_the_other_nodes_listener(
    nodes: tuple[Storage, Storage],
) -> None:
    a, b = nodes
    on_a, stop_a = listen(a)
    on_b, stop_b = listen(b)
    try:
        event = make_event("s", "d", "alarm.smoke", NOW)
        changes = a.batch.insert_events([event], {}, [smoke("s", event.id)])
        assert [c.kind for c in changes] == ["opened"]
        got = on_b.get(timeout=10)["change"]
        assert got["change"] == "opened" and got["alert"]["alert_id"] == changes[0].alert.alert_id
        with pytest.raises(queue.Empty):
            on_a.get(timeout=1)  # a node's own changes reach its hub from its writer instead
    finally:
        stop_a()
        stop_b()


def test_a_rolled_back_batch_announces_nothing(
    nodes: tuple[Storage, Storage],
) -> None:
    a, b = nodes
    on_b, stop_b = listen(b)
    try:
        event = make_event("s", "d", "alarm.smoke", NOW)
        a.batch.insert_events([event], {})
        with pytest.raises(Exception, match="duplicate key"):
            a.batch.insert_events([event], {}, [smoke("s", event.id)])  # same id again: refused
        with pytest.raises(queue.Empty):
            on_b.get(timeout=1.5)
        assert a.alert_search.list_alerts(AlertFilter(site_id="s", limit=10)) == []
    finally:
        stop_b()


def test_a_due_webhook_delivery_is_claimed_by_one_node_until_its_lease_runs_out(
    nodes: tuple[Storage, Storage],
) -> None:
    a, b = nodes
    a.webhooks.add_webhook(
        Webhook("wh", None, "https://127.0.0.1:9/h", "secret", "info", True, NOW)
    )
    event = make_event("s", "d", "alarm.smoke", NOW)
    a.batch.insert_events([event], {}, [smoke("s", event.id)])
    later = datetime.now(UTC) + timedelta(seconds=1)
    claimed = a.webhooks.due_deliveries(later, 100)
    assert len(claimed) == 1
    assert b.webhooks.due_deliveries(later, 100) == []  # the other node skips it while A sends
    assert a.webhooks.due_deliveries(later, 100) == []  # and so does A's own next pass
    # A dies without recording an outcome: after the lease, B takes it over.
    retaken = b.webhooks.due_deliveries(later + DELIVERY_LEASE + timedelta(seconds=1), 100)
    assert [d.delivery_id for d in retaken] == [claimed[0].delivery_id]


def test_a_rules_change_on_one_node_is_told_to_the_others(
    nodes: tuple[Storage, Storage],
) -> None:
    a, b = nodes
    on_b, stop_b = listen(b)
    try:
        a.rules.save_rule("quiet-smoke", "{}", "admin", NOW)
        assert on_b.get(timeout=10) == {"rules": "changed"}
        assert a.rules.delete_rule("quiet-smoke") == 1
        assert on_b.get(timeout=10) == {"rules": "changed"}
    finally:
        stop_b()


def test_work_that_must_happen_once_has_one_owner_and_passes_on_when_it_stops(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.fresh_database()
    a, b = Storage.postgres(url), Storage.postgres(url)
    try:
        assert a.db.owns_job("device-health") and a.db.owns_job("device-health")  # kept
        assert not b.db.owns_job("device-health")
        assert b.db.owns_job("retention")  # jobs are owned one by one
        assert not a.db.owns_job("retention")
        a.close()  # the owner stops (or dies): its session, and the lock, end
        assert b.db.owns_job("device-health")
    finally:
        b.close()
