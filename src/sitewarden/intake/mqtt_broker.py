"""mosquitto's password file, ACL and configuration, written from the device registry.

Devices authenticate to the broker with their own MQTT secret (``swm_...``), issued
by ``sitewarden mqtt config`` or ``sitewarden mqtt secret`` and shown once. Device
tokens for HTTP are kept only as hashes, so they cannot be turned into broker
passwords later; a separate secret also means a broker file never holds anything
that opens the HTTP API. The only place a device's MQTT secret is kept is
mosquitto's password file, as a salted PBKDF2-SHA512 hash (``$7$``, mosquitto's own
format). The nodes' service account reads its secret from a key file (0600) in the
keys folder, like the other keys.
"""

from __future__ import annotations

import base64
import grp
import hashlib
import os
import pwd
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sitewarden.config import LOOPBACK_HOSTS, Settings
from sitewarden.errors import ConfigError, InvalidInput
from sitewarden.intake.mqtt_topics import (
    ROOT,
    commands_topic,
    device_username,
    errors_topic,
    events_topic,
)
from sitewarden.privacy.keyfiles import check_key_file
from sitewarden.registry.tables import RegistryTables

PASSWORDS = "passwords"
ACL = "acl"
CONF = "mosquitto.conf"
NODE_SECRET_FILE = "mqtt-node.key"
FRIGATE_USER = "frigate"
# The secrets are 256 random bits: stretching adds nothing, so mosquitto's default count.
PBKDF2_ITERATIONS = 101
SECRET_PREFIX = "swm_"


def mosquitto_hash(password: str, salt: bytes | None = None) -> str:
    """``$7$<iterations>$<salt>$<hash>``: PBKDF2-SHA512 as ``mosquitto_passwd`` writes it."""
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encode = base64.b64encode
    return f"$7${PBKDF2_ITERATIONS}${encode(salt).decode()}${encode(digest).decode()}"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def node_secret_path(settings: Settings) -> Path:
    return settings.key_path / NODE_SECRET_FILE


def ensure_node_secret(settings: Settings) -> str:
    """The nodes' broker password, created (0600) in the keys folder on first use."""
    path = node_secret_path(settings)
    if not path.exists():
        if not settings.key_path.is_dir():
            raise ConfigError(f"no keys folder at {settings.key_path}; run 'sitewarden init'")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_secret() + "\n")
    return read_node_secret(path)


def read_node_secret(path: Path) -> str:
    check_key_file(path)  # refuses a file others can read
    return path.read_text().strip()


def read_password_file(path: Path) -> dict[str, str]:
    """``user -> hash`` of an existing password file (empty if there is none)."""
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        user, sep, hashed = line.rpartition(":")
        if sep and user and hashed.startswith("$7$"):
            entries[user] = hashed
    return entries


@dataclass(frozen=True)
class BrokerFiles:
    """What ``sitewarden mqtt config`` produced."""

    folder: Path
    devices: int
    new_secrets: dict[str, str]  # user -> secret, to show once


@dataclass(frozen=True)
class ListenerOptions:
    port: int = 1883
    bind: str = "127.0.0.1"
    tls_cert: Path | None = None
    tls_key: Path | None = None

    def check(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise InvalidInput("give both --tls-cert and --tls-key, or neither")
        if self.tls_cert is None and self.bind not in LOOPBACK_HOSTS:
            raise InvalidInput(
                f"refusing a broker listener on {self.bind} without TLS: device secrets and "
                "events would cross the network in clear. Give --tls-cert and --tls-key, or "
                "bind 127.0.0.1"
            )


def registered_users(registry: RegistryTables) -> list[tuple[str, str]]:
    """``(site, device)`` of every device whose token is not revoked."""
    return [
        (device.site_id, device.device_id)
        for site in registry.list_sites()
        for device in registry.list_devices(site.site_id)
        if device.token_revoked_at is None
    ]


def write_broker_files(
    registry: RegistryTables,
    settings: Settings,
    folder: Path,
    listener: ListenerOptions,
    *,
    rotate: Iterable[tuple[str, str]] = (),
    frigate: bool = False,
) -> BrokerFiles:
    """Write the password file, the ACL and a mosquitto.conf into ``folder``.

    Devices keep the secrets they have; new devices, and those in ``rotate``, get a
    new one (returned, to be shown once). Devices removed or revoked lose access.
    """
    listener.check()
    devices = registered_users(registry)
    registered = set(devices)
    for site_id, device_id in rotate:
        if (site_id, device_id) not in registered:
            raise InvalidInput(f"device {device_id!r} is not registered in site {site_id!r}")
    folder.mkdir(parents=True, exist_ok=True)
    existing = read_password_file(folder / PASSWORDS)
    rotated = {device_username(*device) for device in rotate}
    entries: dict[str, str] = {settings.mqtt_username: mosquitto_hash(ensure_node_secret(settings))}
    shown: dict[str, str] = {}
    users = [device_username(*device) for device in devices]
    if frigate or FRIGATE_USER in existing:
        users.append(FRIGATE_USER)
    for user in users:
        if user in existing and user not in rotated:
            entries[user] = existing[user]
        else:
            shown[user] = new_secret()
            entries[user] = mosquitto_hash(shown[user])
    _write_shared(folder / PASSWORDS, "".join(f"{u}:{h}\n" for u, h in entries.items()))
    _write_shared(folder / ACL, render_acl(settings.mqtt_username, devices, FRIGATE_USER in users))
    persistence = folder / "persist"
    persistence.mkdir(exist_ok=True)
    _give_to_broker(persistence, 0o750)
    _write_shared(folder / CONF, render_conf(folder, listener))
    return BrokerFiles(folder, len(devices), shown)


def render_acl(node_user: str, devices: Iterable[tuple[str, str]], frigate: bool) -> str:
    lines = [
        "# Written by 'sitewarden mqtt config' from the device registry; run it again after",
        "# adding or removing devices (then reload mosquitto: kill -HUP).",
        "# Anything not granted here is refused.",
        "",
        "# sitewarden nodes: shared subscriptions to events, publish alerts and commands",
        f"user {node_user}",
        f"topic readwrite {ROOT}/#",
        "topic read frigate/events",
    ]
    if frigate:
        lines += ["", "# a Frigate NVR publishing its own topics", f"user {FRIGATE_USER}"]
        lines += ["topic readwrite frigate/#"]
    for site_id, device_id in devices:
        lines += [
            "",
            f"user {device_username(site_id, device_id)}",
            f"topic write {events_topic(site_id, device_id)}",
            f"topic read {commands_topic(site_id, device_id)}",
            f"topic read {errors_topic(site_id, device_id)}",
        ]
    return "\n".join(lines) + "\n"


def render_conf(folder: Path, listener: ListenerOptions) -> str:
    host = listener.bind
    lines = [
        "# Written by 'sitewarden mqtt config'. Run 'mosquitto -c <this file>' or include it.",
        "per_listener_settings true",
        # Messages wait for a node that restarts: a node's session outlives it (see
        # docs/deployment.md); the default queue of 1000 would drop acknowledged messages.
        "max_queued_messages 1000000",
        "max_packet_size 8388608",
        "persistence true",
        f"persistence_location {folder.resolve() / 'persist'}/",
        "autosave_interval 10",
        "",
        f"listener {listener.port} {host}",
        "allow_anonymous false",
        f"password_file {(folder / PASSWORDS).resolve()}",
        f"acl_file {(folder / ACL).resolve()}",
    ]
    if listener.tls_cert is not None and listener.tls_key is not None:
        lines += [
            f"certfile {listener.tls_cert.resolve()}",
            f"keyfile {listener.tls_key.resolve()}",
            "tls_version tlsv1.2",
        ]
    return "\n".join(lines) + "\n"


def _write_shared(path: Path, text: str) -> None:
    """Write ``path`` for mosquitto to read (group mosquitto, 0640), atomically."""
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    _give_to_broker(temporary, 0o640)
    temporary.replace(path)


def _give_to_broker(path: Path, mode: int) -> None:
    """mosquitto drops root for its own user: let its group read (or, for a folder, own)."""
    try:
        group = grp.getgrnam("mosquitto").gr_gid
    except KeyError:
        os.chmod(path, mode)
        return
    if os.getuid() == 0:
        if path.is_dir():
            os.chown(path, pwd.getpwnam("mosquitto").pw_uid, group)
        else:
            os.chown(path, 0, group)
    os.chmod(path, mode)
