"""Alert commands on a real data folder while a real server runs."""

from __future__ import annotations

from pathlib import Path

from sitewarden.events.device_kinds import DeviceKind
from tests.conftest import LiveServer, device_client
from tests.test_cli import sitewarden


def test_alerts_from_the_command_line(live_server: LiveServer, tmp_path: Path) -> None:
    token = live_server.add_site_with_device("cli-alerts", "door-1", DeviceKind.DOOR_CONTACT)
    with device_client(live_server, token) as door:
        door.post("/api/v1/events", json=[{"kind": "door.forced"}])
    folder = live_server.settings.data_dir
    listed = sitewarden("alerts", "list", data_dir=folder)
    assert listed.returncode == 0 and "Door forced open" in listed.stdout
    alert_id = listed.stdout.split()[-1]
    acked = sitewarden("alerts", "ack", alert_id, "--note", "on it", data_dir=folder)
    assert acked.returncode == 0 and "acknowledged" in acked.stdout
    twice = sitewarden("alerts", "ack", alert_id, data_dir=folder)
    assert twice.returncode == 1 and "cannot be acknowledged" in twice.stderr
    assert sitewarden("alerts", "resolve", alert_id, data_dir=folder).returncode == 0
    assert "no open or acknowledged alerts" in sitewarden("alerts", "list", data_dir=folder).stdout
    rules = sitewarden("alerts", "rules", data_dir=folder)
    assert "repeated-denials" in rules.stdout and "3 in 60s" in rules.stdout
    bad = tmp_path / "rules.json"
    bad.write_text(
        '[{"rule_id": "ok-rule", "title": "Fine", "severity": "minor", "kinds": ["door.*"]},'
        ' {"rule_id": "bad", "title": "B", "severity": "minor", "kinds": ["door.slammed"]}]'
    )
    checked = sitewarden("alerts", "validate", str(bad))
    assert checked.returncode == 1 and "ok ok-rule" in checked.stdout
    assert "rule 'bad'" in checked.stderr and "door.slammed" in checked.stderr
