"""A mistyped alert rule never stops the intake: saving one is refused with the reason,
and one already in the database (written by hand) is set aside and raised as a
``rule.error`` alert while every event of the batch is stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client, prepared_server, raw_sql

pytestmark = pytest.mark.slow

TYPO = {
    "title": "Barred door",
    "severity": "critical",
    "kinds": ["door.forced"],
    "conditions": [{"field": "door", "op": "in", "value": "barred"}],  # a string, not a list
}


def test_saving_a_condition_whose_value_does_not_fit_its_operator_is_422_and_stores_nothing(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as admin:
        refused = admin.put("/api/v1/alert-rules/typo", json=TYPO)
        checked = admin.post("/api/v1/alert-rules/validate", json={**TYPO, "rule_id": "typo"})
        rules = admin.get("/api/v1/alert-rules").json()
    assert refused.status_code == 422, refused.text
    assert "rule 'typo'" in refused.json()["message"]
    assert "'in' needs a list of values, got a text" in refused.json()["message"]
    assert checked.status_code == 422
    assert "typo" not in {rule["rule_id"] for rule in rules}
    assert raw_sql(shared_server.settings, "SELECT rule_id FROM alert_rules") == []


@pytest.fixture
def server_with_a_bad_rule(tmp_path: Path) -> Iterator[LiveServer]:
    """A server whose database holds a rule no check has seen (written with SQL)."""
    server = prepared_server(tmp_path)
    raw_sql(
        server.settings,
        "INSERT INTO alert_rules VALUES (?, ?, ?, ?)",
        ("typo", orjson.dumps({**TYPO, "rule_id": "typo"}).decode(), 0, "hand"),
    )
    server.start()
    yield server
    server.stop()


def test_a_bad_rule_in_the_database_does_not_stop_intake_and_raises_one_rule_error(
    server_with_a_bad_rule: LiveServer,
) -> None:
    server = server_with_a_bad_rule
    token = server.add_site_with_device("rules", "door-1", DeviceKind.DOOR_CONTACT)
    with device_client(server, token) as door:
        answers = [
            door.post("/api/v1/events", json=[{"kind": "door.forced"}, {"kind": "door.forced"}])
            for _ in range(2)
        ]
    assert [a.status_code for a in answers] == [200, 200], answers[0].text
    assert [len(a.json()["accepted"]) for a in answers] == [2, 2]
    with server.client() as admin:
        events = admin.get("/api/v1/events", params={"site": "rules", "kind": "door.forced"})
        alerts = admin.get("/api/v1/alerts", params={"site": "rules"}).json()["alerts"]
    assert len(events.json()["events"]) == 4
    by_rule = {alert["rule_id"]: alert for alert in alerts}
    assert set(by_rule) == {"door-forced", "rule.error"}
    assert by_rule["door-forced"]["count"] == 4
    error = by_rule["rule.error"]
    assert error["count"] == 1 and error["state"] == "open" and error["severity"] == "major"
    assert "'typo'" in error["title"] and "'in' needs a list" in error["title"]
