"""``sitewarden mqtt config`` and ``mqtt secret``: what they write, keep and refuse
(the broker reading these files is tested in test_mqtt_ingest.py)."""

from __future__ import annotations

import base64
import hashlib
import stat
from pathlib import Path

import pytest

from sitewarden.intake.mqtt_broker import mosquitto_hash, read_password_file
from tests.conftest import free_port
from tests.test_cli import sitewarden


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    assert sitewarden("init", data_dir=folder).returncode == 0
    assert sitewarden("sites", "add", "hq", "--name", "HQ", data_dir=folder).returncode == 0
    for device in ("door-1", "door-2"):
        added = sitewarden(
            "devices", "add", "hq", device, "--kind", "access_reader", data_dir=folder
        )
        assert added.returncode == 0, added.stderr
    return folder


def config(data_dir: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    result = sitewarden("mqtt", *extra, "--out", str(out), data_dir=data_dir)
    return result.returncode, result.stdout, result.stderr


def test_config_shows_new_secrets_once_and_keeps_them_on_the_next_run(
    data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "broker"
    code, first, _ = config(data_dir, out, "config")
    assert code == 0 and first.count("swm_") == 2
    hashes = read_password_file(out / "passwords")
    assert set(hashes) == {"sitewarden-node", "hq/door-1", "hq/door-2"}
    code, second, _ = config(data_dir, out, "config")
    assert code == 0 and "swm_" not in second
    again = read_password_file(out / "passwords")
    assert again["hq/door-1"] == hashes["hq/door-1"]
    assert stat.S_IMODE((out / "passwords").stat().st_mode) == 0o640
    key = data_dir / "keys" / "mqtt-node.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    code, rotated, _ = config(data_dir, out, "secret", "hq", "door-2")
    assert code == 0 and rotated.count("swm_") == 1 and "hq/door-2" in rotated
    after = read_password_file(out / "passwords")
    assert after["hq/door-2"] != hashes["hq/door-2"]
    assert after["hq/door-1"] == hashes["hq/door-1"]


def test_acl_confines_each_device_to_its_own_topics(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "broker"
    assert config(data_dir, out, "config", "--port", str(free_port()))[0] == 0
    acl = (out / "acl").read_text()
    block = acl.split("user hq/door-1\n", 1)[1].split("\n\n", 1)[0]
    assert block.splitlines() == [
        "topic write sitewarden/hq/door-1/events",
        "topic read sitewarden/hq/door-1/commands",
        "topic read sitewarden/hq/door-1/errors",
    ]
    conf = (out / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "listener" in conf and "127.0.0.1" in conf
    assert "allow_anonymous true" not in conf


def test_revoked_devices_lose_their_broker_account(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "broker"
    assert config(data_dir, out, "config")[0] == 0
    assert sitewarden("devices", "revoke", "hq", "door-2", data_dir=data_dir).returncode == 0
    assert config(data_dir, out, "config")[0] == 0
    assert "hq/door-2" not in read_password_file(out / "passwords")
    assert "hq/door-2" not in (out / "acl").read_text()


def test_bad_requests_fail_with_a_reason(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "broker"
    code, _, err = config(data_dir, out, "secret", "hq", "nowhere")
    assert code == 1 and "not registered" in err
    code, _, err = config(data_dir, out, "config", "--bind", "0.0.0.0")
    assert code == 1 and "without TLS" in err
    assert not (out / "passwords").exists()


def test_serve_refuses_mqtt_without_the_nodes_secret(data_dir: Path) -> None:
    config_file = data_dir / "sitewarden.toml"
    config_file.write_text(config_file.read_text() + '\nmqtt_url = "mqtt://127.0.0.1:1"\n')
    result = sitewarden("serve", "--port", str(free_port()), data_dir=data_dir)
    assert result.returncode == 1 and "sitewarden mqtt config" in result.stderr


def test_password_hash_is_mosquittos_pbkdf2_sha512_format() -> None:
    salt = bytes(range(12))
    hashed = mosquitto_hash("secret", salt)
    _, seven, iterations, salt_b64, digest_b64 = hashed.split("$")
    assert seven == "7" and iterations == "101"
    assert base64.b64decode(salt_b64) == salt
    expected = hashlib.pbkdf2_hmac("sha512", b"secret", salt, 101)
    assert base64.b64decode(digest_b64) == expected


def test_serve_refuses_a_broker_beyond_loopback_without_tls(data_dir: Path, tmp_path: Path) -> None:
    assert config(data_dir, tmp_path / "broker", "config")[0] == 0  # the nodes' secret exists
    config_file = data_dir / "sitewarden.toml"
    config_file.write_text(config_file.read_text() + '\nmqtt_url = "mqtt://192.0.2.7:1883"\n')
    result = sitewarden("serve", "--port", str(free_port()), data_dir=data_dir)
    assert result.returncode == 1 and "in clear" in result.stderr and "mqtts://" in result.stderr
