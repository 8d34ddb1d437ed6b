"""Which database a URL names, and the refusal of PostgreSQL URLs that would send
passwords or personal data across a network unprotected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitewarden.config import load_settings
from sitewarden.db.postgres import PostgresDatabase
from sitewarden.doctor.checks import check_database_file
from sitewarden.doctor.findings import Level
from sitewarden.errors import ConfigError
from sitewarden.runtime.storage import Storage, open_storage
from tests.postgres_server import PostgresServer

REMOTE = "db.example.net"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        (f"postgresql://sitewarden@{REMOTE}/sw?sslmode=verify-full", "has no password"),
        (f"postgresql://sitewarden:s3cret@{REMOTE}/sw", "does not require TLS"),
        (f"postgresql://sitewarden:s3cret@{REMOTE}/sw?sslmode=prefer", "does not require TLS"),
        (f"postgres://sitewarden:s3cret@{REMOTE}:6432/sw?sslmode=disable", "does not require TLS"),
        ("mysql://root@127.0.0.1/sw", "is not supported"),
    ],
)
def test_unsafe_or_unknown_urls_are_refused_saying_why(tmp_path: Path, url: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why) as refused:
        load_settings(tmp_path, database_url=url)
    assert "s3cret" not in refused.value.message  # the password is never echoed


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://sitewarden:s3cret@{REMOTE}/sw?sslmode=verify-full",
        f"postgresql://sitewarden:s3cret@{REMOTE}/sw?sslmode=require",
        "postgresql://sitewarden@127.0.0.1:5432/sw",
        "postgresql://sitewarden@[::1]/sw",
        "postgresql://sitewarden@localhost/sw",
        "postgresql:///sw?host=/var/run/postgresql",
        "postgresql:///sw",
    ],
)
def test_tls_with_password_or_this_machine_is_accepted(tmp_path: Path, url: str) -> None:
    settings = load_settings(tmp_path, database_url=url)
    assert settings.uses_postgres and settings.database.postgres_url == url


def test_the_environment_names_the_database_and_is_checked_too(tmp_path: Path) -> None:
    refused = subprocess.run(
        [sys.executable, "-m", "sitewarden.cli", "doctor", "--data-dir", str(tmp_path)],
        env={**os.environ, "SITEWARDEN_DATABASE_URL": f"postgresql://sw:pw@{REMOTE}/sw"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "does not require TLS" in refused.stdout + refused.stderr


def test_doctor_grades_tls_without_certificate_checks_minor(tmp_path: Path) -> None:
    def level(url: str) -> Level:
        [finding] = check_database_file(load_settings(tmp_path, database_url=url))
        return finding.level

    assert level(f"postgresql://u:p@{REMOTE}/sw?sslmode=require") is Level.MINOR
    assert level(f"postgresql://u:p@{REMOTE}/sw?sslmode=verify-full") is Level.OK
    assert level("postgresql://u@127.0.0.1/sw") is Level.OK


def test_a_wrong_password_is_reported_without_the_password(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.url().replace(postgres_server.password, "wrong-pw-123")
    with pytest.raises(ConfigError, match="password authentication failed") as refused:
        Storage.postgres(url)
    assert "wrong-pw-123" not in refused.value.message


def test_open_store_picks_postgres_for_a_postgres_url(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    store = open_storage(load_settings(tmp_path, database_url=postgres_server.fresh_database()))
    try:
        assert isinstance(store.db, PostgresDatabase) and store.registry.list_sites() == []
    finally:
        store.close()


def test_init_and_doctor_work_on_postgres_and_init_refuses_twice(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.fresh_database()

    def sitewarden(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sitewarden.cli", *args, "--data-dir", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "SITEWARDEN_DATABASE_URL": url, "COLUMNS": "200"},
        )

    created = sitewarden("init")
    assert created.returncode == 0, created.stderr
    assert postgres_server.password not in created.stdout + created.stderr
    assert "127.0.0.1" in created.stdout  # where the database is, password redacted
    assert not (tmp_path / "d" / "db").exists()  # no SQLite file on the side
    again = sitewarden("init")
    assert again.returncode != 0 and "initialised already" in again.stdout + again.stderr
    doctor = sitewarden("doctor", "--json")
    findings = {f["check"]: f for f in json.loads(doctor.stdout)}
    assert findings["database"]["level"] == "ok"
    assert "PostgreSQL on this machine" in findings["database"]["message"]
