"""Privacy commands on a real data folder: audit verify, key rotation, erasure,
retention, backup, and a byte scan of everything written to disk."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sitewarden.accounts.roles import Role
from sitewarden.events.device_kinds import DeviceKind
from sitewarden.privacy.keyfiles import key_file
from tests.conftest import LiveServer, device_client, raw_sql
from tests.postgres_server import readable_backup
from tests.test_cli import sitewarden

pytestmark = pytest.mark.both_backends

PLATE = "苏E·8K2M7"


def populate(server: LiveServer) -> list[str]:
    token = server.add_site_with_device("cli", "gw", DeviceKind.GATEWAY)
    old = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    events = [
        {"kind": "plate.read", "attributes": {"confidence": 0.9}, "personal": {"plate": PLATE}},
        {
            "kind": "plate.read",
            "time": old,
            "attributes": {"confidence": 0.9},
            "personal": {"plate": "苏E11111"},
        },
        {
            "kind": "access.granted",
            "attributes": {"credential": "face"},
            "personal": {"badge_id": "BADGE-100234", "face_crop": "aGVsbG8gZmFjZQ=="},
        },
        {"kind": "device.heartbeat", "time": old},
    ]
    with device_client(server, token) as device:
        ids: list[str] = device.post("/api/v1/events", json=events).json()["accepted"]
    with server.client(Role.ADMIN) as admin:
        for event_id in ids[:3]:
            admin.get(f"/api/v1/events/{event_id}", params={"purpose": "fill the audit log"})
    return ids


@pytest.fixture
def stopped(live_server: LiveServer) -> tuple[LiveServer, list[str]]:
    ids = populate(live_server)
    live_server.stop()
    return live_server, ids


def test_audit_verify_passes_then_names_an_edited_or_deleted_entry(
    stopped: tuple[LiveServer, list[str]],
) -> None:
    server, _ = stopped
    folder = server.settings.data_dir
    ok = sitewarden("audit", "verify", data_dir=folder)
    assert ok.returncode == 0 and "3 entries verified" in ok.stdout
    raw_sql(server.settings, "UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 2")
    edited = sitewarden("audit", "verify", data_dir=folder)
    assert edited.returncode == 1 and "entry 2" in edited.stderr and "altered" in edited.stderr
    raw_sql(server.settings, "DELETE FROM audit_log WHERE seq = 2")
    deleted = sitewarden("audit", "verify", data_dir=folder)
    assert deleted.returncode == 1 and "entry 2 is missing" in deleted.stderr


def test_deleting_the_newest_audit_entry_is_detected(stopped: tuple[LiveServer, list[str]]) -> None:
    server, _ = stopped
    raw_sql(server.settings, "DELETE FROM audit_log WHERE seq = 3")
    result = sitewarden("audit", "verify", data_dir=server.settings.data_dir)
    assert result.returncode == 1 and "deleted" in result.stderr


def test_audit_verify_fails_on_an_emptied_chain(stopped: tuple[LiveServer, list[str]]) -> None:
    server, _ = stopped
    folder = server.settings.data_dir
    intact = sitewarden("audit", "verify", data_dir=folder)
    assert intact.returncode == 0 and "reaches entry 3" in intact.stdout
    raw_sql(server.settings, "DELETE FROM audit_log")
    raw_sql(server.settings, "DELETE FROM audit_head")
    emptied = sitewarden("audit", "verify", data_dir=folder)
    assert emptied.returncode == 1
    assert "chain ends at entry 0" in emptied.stderr and "entry 3 was written" in emptied.stderr


def test_key_rotation_rewraps_keys_and_data_still_opens(
    stopped: tuple[LiveServer, list[str]],
) -> None:
    server, ids = stopped
    folder = server.settings.data_dir
    old_kek = key_file(server.settings.key_path, "kek").read_text()
    events_before = raw_sql(server.settings, "SELECT id, personal FROM events ORDER BY id")
    rotated = sitewarden("keys", "rotate", data_dir=folder)
    assert rotated.returncode == 0, rotated.stderr
    assert key_file(server.settings.key_path, "kek").read_text() != old_kek
    assert key_file(server.settings.key_path, "kek.previous").read_text() == old_kek
    events_after = raw_sql(server.settings, "SELECT id, personal FROM events ORDER BY id")
    assert events_after == events_before  # event rows untouched
    server.start()
    with server.client(Role.ADMIN) as admin:
        opened = admin.get(f"/api/v1/events/{ids[0]}", params={"purpose": "after rotation"}).json()
    assert opened["personal"] == {"plate": PLATE}


def test_interrupted_rotation_resumes(stopped: tuple[LiveServer, list[str]]) -> None:
    from sitewarden.privacy.rotation import rotate_kek
    from sitewarden.runtime.storage import open_storage

    server, ids = stopped
    store = open_storage(server.settings)
    try:
        first = rotate_kek(store.privacy, server.settings.key_path, batch=1, stop_after_batches=1)
        assert first.rewrapped == 1 and key_file(server.settings.key_path, "kek.next").exists()
        finished = rotate_kek(store.privacy, server.settings.key_path, batch=1)
        assert (
            finished.rewrapped
            == store.privacy.count_data_keys()
            == store.privacy.count_data_keys(finished.new_kek_id)
        )
    finally:
        store.close()
    server.start()
    with server.client(Role.ADMIN) as admin:
        assert admin.get(f"/api/v1/events/{ids[2]}", params={"purpose": "resume"}).json()[
            "personal"
        ]


def test_subject_export_and_erase_from_the_cli(
    stopped: tuple[LiveServer, list[str]], tmp_path: Path
) -> None:
    server, ids = stopped
    folder = server.settings.data_dir
    out = tmp_path / "export.json"
    exported = sitewarden(
        "subject",
        "export",
        "cli",
        "--plate",
        "苏E8K2M7",
        "-o",
        str(out),
        "--purpose",
        "DSAR-9",
        data_dir=folder,
    )
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert [e["personal"]["plate"] for e in document["events"]] == [PLATE]
    assert oct(out.stat().st_mode)[-3:] == "600"
    none = sitewarden(
        "subject",
        "export",
        "cli",
        "--plate",
        "苏E00000",
        "-o",
        str(tmp_path / "none.json"),
        "--purpose",
        "DSAR-9",
        data_dir=folder,
    )
    assert none.returncode == 1 and "no subject" in none.stderr
    assert not (tmp_path / "none.json").exists()  # nothing left behind
    erased = sitewarden(
        "subject", "erase", "cli", "--plate", PLATE, "--purpose", "DSAR-9", "--yes", data_dir=folder
    )
    assert erased.returncode == 0 and "1 events" in erased.stdout
    [row] = raw_sql(
        server.settings,
        "SELECT personal, subject_id FROM events WHERE id = ?",
        (bytes.fromhex(ids[0].replace("-", "")),),
    )
    assert tuple(row) == (b"\x00", None)
    verify = sitewarden("audit", "verify", data_dir=folder)
    assert verify.returncode == 0 and "5 entries" in verify.stdout


def test_cli_erasure_beside_a_running_server_reaches_its_vault(live_server: LiveServer) -> None:
    """The server cached the plate's subject and key; after the CLI erased them, the
    server's next sighting of the plate must start a new subject with a stored key."""
    ids = populate(live_server)
    subject_of_event = "SELECT subject_id FROM events WHERE id = ?"
    [(erased_id,)] = raw_sql(
        live_server.settings, subject_of_event, (bytes.fromhex(ids[0].replace("-", "")),)
    )
    erased = sitewarden(
        "subject",
        "erase",
        "cli",
        "--plate",
        PLATE,
        "--purpose",
        "DSAR-10",
        "--yes",
        data_dir=live_server.settings.data_dir,
    )
    assert erased.returncode == 0, erased.stderr
    token = live_server.add_site_with_device("cli", "gw-2", DeviceKind.GATEWAY)
    seen_again = {
        "kind": "plate.read",
        "attributes": {"confidence": 0.9},
        "personal": {"plate": PLATE},
    }
    with device_client(live_server, token) as device:
        [new_id] = device.post("/api/v1/events", json=[seen_again]).json()["accepted"]
    [(subject_id,)] = raw_sql(
        live_server.settings, subject_of_event, (bytes.fromhex(new_id.replace("-", "")),)
    )
    assert subject_id not in (None, erased_id)
    keys = raw_sql(
        live_server.settings,
        "SELECT count(*) FROM data_keys WHERE site_id = 'cli' AND subject_id = ?",
        (subject_id,),
    )
    assert [tuple(row) for row in keys] == [(1,)]
    with live_server.client(Role.ADMIN) as admin:
        opened = admin.get(f"/api/v1/events/{new_id}", params={"purpose": "DSAR-10 check"}).json()
    assert opened["personal"]["plate"] == PLATE


def test_retention_run_deletes_expired_and_drops_old_face_crops(
    stopped: tuple[LiveServer, list[str]],
) -> None:
    server, _ = stopped
    config = server.settings.data_dir / "sitewarden.toml"
    config.write_text(
        config.read_text()
        + "\n[retention_days]\nplate_reads = 10\nheartbeats = 10\nface_crops = 0\n"
    )
    result = sitewarden("retention", "run", data_dir=server.settings.data_dir)
    assert result.returncode == 0, result.stderr
    assert "plate_reads" in result.stdout
    kinds = [row[0] for row in raw_sql(server.settings, "SELECT kind FROM events ORDER BY kind")]
    assert kinds == ["access.granted", "plate.read"]  # the 20-day-old plate read and heartbeat went


def test_bad_retention_setting_is_a_clear_error(stopped: tuple[LiveServer, list[str]]) -> None:
    server, _ = stopped
    config = server.settings.data_dir / "sitewarden.toml"
    config.write_text(config.read_text() + "\n[retention_days]\nfaces = 3\n")
    result = sitewarden("retention", "run", data_dir=server.settings.data_dir)
    assert result.returncode == 1 and "unknown retention categories" in result.stderr


def test_nothing_personal_in_database_wal_or_backup(
    stopped: tuple[LiveServer, list[str]], tmp_path: Path
) -> None:
    server, _ = stopped
    copy = tmp_path / "backup.db"
    assert sitewarden("backup", str(copy), data_dir=server.settings.data_dir).returncode == 0
    raw = server.database_bytes() + readable_backup(copy)
    assert len(raw) > 10_000
    for secret in (PLATE, "苏E8K2M7", "苏E11111", "BADGE-100234", "aGVsbG8gZmFjZQ=="):
        assert secret.encode() not in raw, secret
    assert b"plate.read" in raw  # the scan reads real content


def export_to(folder: Path, output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return sitewarden(
        "subject",
        "export",
        "cli",
        "--plate",
        PLATE,
        "-o",
        str(output),
        "--purpose",
        "DSAR-12",
        *extra,
        data_dir=folder,
    )


def test_subject_export_refuses_an_existing_file_or_symlink_unless_forced(
    stopped: tuple[LiveServer, list[str]], tmp_path: Path
) -> None:
    server, _ = stopped
    folder = server.settings.data_dir
    exports = tmp_path / "exports"
    exports.mkdir()
    existing = exports / "shared.json"
    existing.write_text("not yours")
    existing.chmod(0o644)
    elsewhere = exports / "elsewhere.json"
    elsewhere.write_text("someone else's")
    elsewhere.chmod(0o644)
    link = exports / "link.json"
    link.symlink_to(elsewhere)
    audited = len(raw_sql(server.settings, "SELECT seq FROM audit_log"))

    for path in (existing, link):
        refused = export_to(folder, path)
        assert (
            refused.returncode == 1 and "exists" in refused.stderr and "--force" in refused.stderr
        )
    assert existing.read_text() == "not yours" and stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert elsewhere.read_text() == "someone else's" and link.is_symlink()
    assert len(raw_sql(server.settings, "SELECT seq FROM audit_log")) == audited  # no export ran

    for path in (existing, link):
        forced = export_to(folder, path, "--force")
        assert forced.returncode == 0, forced.stderr
        assert not path.is_symlink() and stat.S_IMODE(path.lstat().st_mode) == 0o600
        assert json.loads(path.read_text())["events"][0]["personal"]["plate"] == PLATE
    assert elsewhere.read_text() == "someone else's"  # the link was replaced, not followed
    assert sorted(p.name for p in exports.iterdir()) == [
        "elsewhere.json",
        "link.json",
        "shared.json",
    ]
