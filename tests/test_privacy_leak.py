"""The leak test: run the demo workload, then read the raw bytes of the database file,
its WAL and a backup. No name, national ID number, phone number or plate of any seeded
subject may appear, by exact value or by pattern."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.demo import site
from sitewarden.demo.people import is_valid_national_id
from sitewarden.demo.simulator import Scenario, Simulator
from tests.conftest import LiveServer
from tests.postgres_server import readable_backup
from tests.test_cli import sitewarden
from tests.test_web import demo_simulator

# 18-digit PRC ID numbers (last may be X); a match is a leak only if its checksum holds.
# Digit runs inside hex strings (hashes, ids) are not phone numbers: require edges that
# are not letters or digits, as a number in JSON or text would have.
NATIONAL_ID = re.compile(rb"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(rb"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Each province character as its own UTF-8 bytes: a byte class of them would match any
# one of their bytes, so it found random bytes and missed "浙B54321" (no "·").
PLATE = re.compile(
    b"(?:"
    + b"|".join(re.escape(province.encode()) for province in PROVINCES)
    + b")[A-Z](?:"
    + re.escape("·".encode())
    + b")?[A-Z0-9]{5,6}"
)


def run_demo_workload(server: LiveServer, accepted: int) -> Simulator:
    simulator, _ = demo_simulator(server, seed=2026, rate=60)
    simulator.send([o for s in Scenario for o in simulator.traffic.generate(s, datetime.now(UTC))])
    stop = threading.Event()
    runner = threading.Thread(target=simulator.run, args=(stop,), daemon=True)
    runner.start()
    deadline = time.monotonic() + 40
    while simulator.stats().accepted_total < accepted and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    runner.join(timeout=20)
    return simulator


@pytest.mark.slow
@pytest.mark.both_backends
def test_no_personal_value_reaches_the_database_wal_or_backup(
    live_server: LiveServer, tmp_path: Path
) -> None:
    simulator = run_demo_workload(live_server, accepted=600)
    stats = simulator.stats()
    assert stats.rejected == 0 and stats.accepted_total >= 600
    assert stats.accepted["access.granted"] and stats.accepted["plate.read"]

    # The server opens sealed fields for an admin who states a purpose: it really holds them.
    with live_server.client(Role.ADMIN) as admin:
        page = admin.get(
            "/api/v1/events",
            params={"site": site.SITE_ID, "kind": "access", "limit": 50, "purpose": "leak test"},
        ).json()
    opened = [e["personal"] for e in page["events"] if e["personal"]]
    assert opened and any("person_name" in p for p in opened)

    backup = tmp_path / "backup.db"
    assert sitewarden("backup", str(backup), data_dir=live_server.settings.data_dir).returncode == 0
    if not live_server.settings.uses_postgres:
        folder = live_server.settings.sqlite_path.parent
        assert any(p.name.endswith("-wal") for p in folder.iterdir())
    # The database's files with its WAL (SQLite's -wal or PostgreSQL's pg_wal after a
    # checkpoint), and the backup as it reads (pg_dump's compressed format restored).
    raw = {"database": live_server.database_bytes(), "backup": readable_backup(backup)}
    assert sum(len(b) for b in raw.values()) > 100_000

    seeded = simulator.traffic.population.personal_values()
    assert len(seeded) > 100
    for name, content in raw.items():
        for value in seeded:
            assert value.encode() not in content, f"{value!r} found in {name}"
        ids = [m for m in NATIONAL_ID.findall(content) if is_valid_national_id(m.decode().upper())]
        assert ids == [], f"national ID numbers in {name}: {ids[:3]}"
        assert MOBILE.findall(content) == [], f"phone numbers in {name}"
        assert PLATE.findall(content) == [], f"plates in {name}"
