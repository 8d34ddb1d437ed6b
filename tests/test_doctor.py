"""sitewarden doctor: a fresh deployment has no critical finding; each seeded
misconfiguration is reported as exactly that finding; serve refuses critical ones."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from sitewarden.app import PUBLIC_ROUTES, create_app
from sitewarden.config import load_settings
from sitewarden.doctor.routes import check_routes
from sitewarden.initialise import initialise
from sitewarden.privacy.keyring import KeyRing
from sitewarden.runtime.storage import open_storage
from tests.test_cli import sitewarden

LEVELS = ("ok", "info", "minor", "major", "critical")


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "site"
    initialise(load_settings(folder))
    yield folder


def findings(folder: Path) -> tuple[int, list[dict[str, Any]]]:
    result = sitewarden("doctor", "--json", data_dir=folder)
    return result.returncode, json.loads(result.stdout)


def problems(found: list[dict[str, Any]], check: str) -> list[tuple[str, str]]:
    return [(f["level"], f["message"]) for f in found if f["check"] == check and f["level"] != "ok"]


def configure(folder: Path, lines: str) -> None:
    """Append settings, replacing a top-level key the file sets already."""
    config = folder / "sitewarden.toml"
    text = config.read_text()
    key = lines.split("=", 1)[0].strip()
    kept = [line for line in text.splitlines() if line.split("=", 1)[0].strip() != key]
    config.write_text("\n".join(kept) + "\n" + lines + "\n")


def test_a_fresh_init_has_no_critical_finding(deployment: Path) -> None:
    code, found = findings(deployment)
    assert code == 2  # majors: the initial admin password and the missing second factor
    assert not [f for f in found if f["level"] == "critical"]
    assert {f["check"] for f in found} >= {
        "listening",
        "accounts",
        "keys",
        "database",
        "retention",
        "webhooks",
        "debug",
        "routes",
    }
    assert problems(found, "protections") == [] and problems(found, "keys") == []
    assert problems(found, "accounts") == [
        ("major", "admin 'admin' still has its initial password"),
        ("major", "admin 'admin' has no second factor"),
    ]
    assert next(f["message"] for f in found if f["check"] == "routes").endswith(
        "refuse anonymous calls"
    )


@pytest.mark.parametrize(
    ("seed", "check", "level", "words"),
    [
        ('host = "0.0.0.0"', "listening", "critical", "without TLS"),
        ("require_second_factor = false", "accounts", "critical", "not required"),
        ("debug = true", "debug", "major", "debug mode is on"),
        ("[retention_days]\nplate_reads = 0", "retention", "major", "plate_reads"),
    ],
)
def test_each_configuration_mistake_is_reported(
    deployment: Path, seed: str, check: str, level: str, words: str
) -> None:
    _, before = findings(deployment)
    configure(deployment, seed)
    code, found = findings(deployment)
    added = [p for p in problems(found, check) if p not in problems(before, check)]
    assert len(added) == 1 and added[0][0] == level and words in added[0][1]
    assert code == LEVELS.index(level) - 1
    others = [f for f in found if f["check"] != check and f["level"] != "ok"]
    assert others == [f for f in before if f["check"] != check and f["level"] != "ok"]


def test_key_file_readable_by_others_is_critical(deployment: Path) -> None:
    os.chmod(deployment / "keys" / "index.key", 0o644)
    code, found = findings(deployment)
    assert problems(found, "keys") == [
        (
            "critical",
            f"key file {deployment / 'keys' / 'index.key'} is readable by others (mode 644)",
        )
    ]
    assert code == 3


def test_key_folder_inside_the_database_folder_is_major(deployment: Path) -> None:
    shutil.copytree(deployment / "keys", deployment / "db" / "keys")
    configure(deployment, f'keys_dir = "{deployment / "db" / "keys"}"')
    _, found = findings(deployment)
    assert [p[0] for p in problems(found, "keys")] == ["major"]
    assert "inside the database folder" in problems(found, "keys")[0][1]


def test_database_open_to_everyone_is_major(deployment: Path) -> None:
    os.chmod(deployment / "db" / "sitewarden.db", 0o644)
    _, found = findings(deployment)
    assert problems(found, "database") == [
        (
            "major",
            f"{deployment / 'db' / 'sitewarden.db'} is open to every user on the machine "
            "(mode 644)",
        )
    ]


def test_plain_http_webhook_is_major(deployment: Path) -> None:
    from datetime import UTC, datetime

    from sitewarden.alerts.webhook_records import Webhook

    store = open_storage(load_settings(deployment))
    store.webhooks.add_webhook(
        Webhook("w1", None, "http://alerts.example.org/hook", "s", "major", True, datetime.now(UTC))
    )
    store.webhooks.add_webhook(
        Webhook("w2", None, "http://127.0.0.1:9000/hook", "s", "major", True, datetime.now(UTC))
    )
    store.close()
    _, found = findings(deployment)
    assert problems(found, "webhooks") == [
        ("major", "webhook w1 sends alerts over plain HTTP to alerts.example.org")
    ]


def test_a_route_without_authentication_is_critical(deployment: Path) -> None:
    settings = load_settings(deployment)
    store = open_storage(settings)
    app = create_app(settings, store, KeyRing.load(settings.key_path))
    app.add_api_route("/api/v1/forgotten", lambda: {"names": ["everyone"]}, methods=["GET"])
    found = check_routes(app, PUBLIC_ROUTES)
    store.close()
    assert [(f.level.name, f.message) for f in found] == [
        ("CRITICAL", "route without authentication: GET /api/v1/forgotten answered 200")
    ]


def test_serve_refuses_critical_findings_unless_told(deployment: Path) -> None:
    from tests.conftest import free_port

    configure(deployment, "require_second_factor = false")
    refused = sitewarden("serve", "--port", str(free_port()), data_dir=deployment)
    assert refused.returncode == 1
    assert "refusing to start" in refused.stderr and "--allow-critical" in refused.stderr


SWITCHED_OFF = {
    "rate_limit_device_per_s = 0": "rate_limit_device_per_s = 0 switches this limit off",
    "rate_limit_user_per_s = 0": "rate_limit_user_per_s = 0 switches this limit off",
    "rate_limit_login_per_min = 0": "rate_limit_login_per_min = 0 switches this limit off",
    "frame_pixels_per_s = 0": "frame_pixels_per_s = 0 switches this limit off",
    "snapshot_pixels_per_s = 0": "snapshot_pixels_per_s = 0 switches this limit off",
    "lookup_quota_per_hour = 0": "lookup_quota_per_hour = 0 switches this limit off",
    "login_max_failures = 1000000": "login_max_failures = 1000000 allows more than 20 failed",
    "session_hours = 96432": "session_hours = 96432 allows more than 168 hours",
    "max_api_body_bytes = 4294967296": "max_api_body_bytes = 4294967296 allows more than 16777216",
    "max_ingest_body_bytes = 4294967296": "max_ingest_body_bytes = 4294967296 allows more",
    "max_batch_events = 10000000": "max_batch_events = 10000000 allows more than 100000 events",
    "max_json_depth = 100000": "max_json_depth = 100000 allows more than 128 levels",
}


def test_each_setting_that_switches_a_protection_off_is_major(deployment: Path) -> None:
    for seed in SWITCHED_OFF:  # all at once: each doctor run starts a whole process
        configure(deployment, seed)
    code, found = findings(deployment)
    reported = [message for level, message in problems(found, "protections") if level == "major"]
    assert code == 2 and len(reported) == len(problems(found, "protections")) == len(SWITCHED_OFF)
    for words in SWITCHED_OFF.values():
        assert len([m for m in reported if m.startswith(words)]) == 1, words


@pytest.mark.parametrize(
    ("mode", "level", "words"),
    [(0o755, "major", "open to others"), (0o777, "critical", "writable")],
)
def test_a_key_folder_open_to_others_is_reported(
    deployment: Path, mode: int, level: str, words: str
) -> None:
    os.chmod(deployment / "keys", mode)
    code, found = findings(deployment)
    assert [(p[0], words in p[1]) for p in problems(found, "keys")] == [(level, True)]
    assert code == LEVELS.index(level) - 1


def test_postgresql_down_is_critical_and_the_other_checks_still_report(
    deployment: Path,
) -> None:
    from tests.conftest import free_port

    configure(
        deployment, f'database_url = "postgresql://alice:s3cretpw@127.0.0.1:{free_port()}/sw"'
    )
    configure(deployment, "rate_limit_user_per_s = 0")
    result = sitewarden("doctor", "--json", data_dir=deployment)
    found = json.loads(result.stdout)
    assert result.returncode == 3
    database = problems(found, "database")
    assert database[0][0] == "critical" and "cannot connect to PostgreSQL" in database[0][1]
    assert {f["check"] for f in found} >= {"listening", "keys", "retention", "debug", "protections"}
    assert problems(found, "protections")[0][0] == "major"
    assert "s3cretpw" not in result.stdout + result.stderr


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        _Recorder.seen.append(self.headers.get("Authorization"))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_probe_output_never_shows_a_urls_user_or_password(deployment: Path) -> None:
    from tests.conftest import free_port

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        answering = f"http://alice:s3cretpw@127.0.0.1:{server.server_address[1]}"
        silent = f"https://alice:s3cretpw@127.0.0.1:{free_port()}/x"
        args = ["--probe", answering, "--probe", silent]
        as_json = sitewarden("doctor", "--json", *args, data_dir=deployment)
        as_table = sitewarden("doctor", *args, data_dir=deployment)
    finally:
        server.shutdown()
    shown = as_json.stdout + as_json.stderr + as_table.stdout + as_table.stderr
    assert "s3cretpw" not in shown and "alice" not in shown
    probed = [f for f in json.loads(as_json.stdout) if f["check"].startswith("probe")]
    assert [f["level"] for f in probed] == ["critical", "critical", "info"]
    assert _Recorder.seen == [None] * 4  # asked as a stranger would: no credentials sent


def test_probe_of_a_url_with_a_port_that_is_no_number_is_a_finding(deployment: Path) -> None:
    result = sitewarden(
        "doctor", "--json", "--probe", "http://alice:s3cretpw@127.0.0.1:port/", data_dir=deployment
    )
    probed = [f for f in json.loads(result.stdout) if f["check"].startswith("probe")]
    assert [(f["check"], f["level"], f["message"]) for f in probed] == [
        ("probe http://***@127.0.0.1:port/", "major", "cannot probe this URL")
    ]
