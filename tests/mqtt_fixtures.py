"""A real mosquitto configured by ``sitewarden mqtt config``, and real MQTT clients.

The broker runs from Debian's binary on a free loopback port with the password file,
ACL and mosquitto.conf that the command line wrote from the test's device registry.
The ``mqtt_site`` fixture (import ``mqtt_site_fixture``) is a broker plus a
``sitewarden serve`` subscribed to it; ``Broker`` can be used alone.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from tests.conftest import LiveServer, free_port, prepared_server
from tests.postgres_server import PostgresServer

SECRET_LINE = re.compile(r"^\s+(\S+)\s+secret\s+(swm_\S+)", re.MULTILINE)


def mosquitto_binary() -> str:
    path = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(path).exists():
        pytest.skip("mosquitto is not installed (scripts/test installs it)")
    return path


def sitewarden(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitewarden.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "400"},
    )


@dataclass
class Broker:
    """mosquitto with the files ``sitewarden mqtt config`` wrote for one data folder."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sw-mqtt-")))
    secrets: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        os.chmod(self.folder, 0o755)  # mosquitto runs as its own user

    def configure(self, *extra: str) -> str:
        """Run ``sitewarden mqtt config``; remember the secrets it showed; return its output."""
        result = sitewarden(
            "mqtt", "config", "--out", str(self.folder), "--port", str(self.port),
            "-d", str(self.data_dir), *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        self.secrets.update(SECRET_LINE.findall(result.stdout))
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)  # reload passwords and ACL
            time.sleep(0.3)
        return result.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.folder / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "broker.log").open("wb"),
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not start: {(self.folder / 'broker.log').read_text()}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


class Client:
    """A paho MQTT 5 client that records what it receives and how it connected."""

    def __init__(self, port: int, username: str | None, password: str | None, name: str) -> None:
        self.connected = threading.Event()
        self.reason: ReasonCode | None = None
        self.received: list[mqtt.MQTTMessage] = []
        self.subscribed: list[list[ReasonCode]] = []
        self._lock = threading.Lock()
        self.paho = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
        if username is not None:
            self.paho.username_pw_set(username, password)
        self.paho.on_connect = self._on_connect
        self.paho.on_message = self._on_message
        self.paho.on_subscribe = self._on_subscribe
        self.paho.connect("127.0.0.1", port)
        self.paho.loop_start()

    def _on_connect(self, client: object, userdata: object, flags: object, reason: ReasonCode,
                    properties: object) -> None:  # fmt: skip
        self.reason = reason
        self.connected.set()

    def _on_message(self, client: object, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.received.append(message)

    def _on_subscribe(self, client: object, userdata: object, mid: int,
                      reasons: list[ReasonCode], properties: object) -> None:  # fmt: skip
        self.subscribed.append(reasons)

    def wait_connected(self) -> ReasonCode:
        assert self.connected.wait(10), "no CONNACK within 10 s"
        assert self.reason is not None
        return self.reason

    def subscribe(self, topic: str) -> list[ReasonCode]:
        count = len(self.subscribed)
        self.paho.subscribe(topic, qos=1)
        deadline = time.monotonic() + 10
        while len(self.subscribed) == count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.subscribed[-1]

    def messages_on(self, topic: str) -> list[mqtt.MQTTMessage]:
        with self._lock:
            return [m for m in self.received if m.topic == topic]

    def wait_for(self, topic: str, count: int = 1, timeout: float = 15) -> list[mqtt.MQTTMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages_on(topic)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages_on(topic)

    def close(self) -> None:
        self.paho.disconnect()
        self.paho.loop_stop()


@dataclass
class MqttSite:
    """A broker and a ``sitewarden serve`` that ingests from it."""

    broker: Broker
    server: LiveServer
    clients: list[Client] = field(default_factory=list)
    http_tokens: dict[tuple[str, str], str] = field(default_factory=dict)

    def add_device(self, site_id: str, device_id: str, kind: object, zone_id: str = "main") -> str:
        """Register a device, rewrite the broker's files, reload; return its MQTT secret."""
        self.http_tokens[(site_id, device_id)] = self.server.add_site_with_device(
            site_id,
            device_id,
            kind,
            zone_id,  # type: ignore[arg-type]
        )
        self.broker.configure()
        return self.broker.secrets[f"{site_id}/{device_id}"]

    def client(self, username: str | None, password: str | None, name: str = "") -> Client:
        client = Client(self.broker.port, username, password, name or f"t-{len(self.clients)}")
        self.clients.append(client)
        return client

    def device(self, site_id: str, device_id: str) -> Client:
        """A connected client for a registered device (asserting the broker accepted it)."""
        user = f"{site_id}/{device_id}"
        client = self.client(user, self.broker.secrets[user], f"{site_id}-{device_id}")
        assert client.wait_connected().value == 0
        return client

    def node(self) -> Client:
        """A client on the nodes' service account (it may read the alerts topics)."""
        secret = (self.server.settings.key_path / "mqtt-node.key").read_text().strip()
        client = self.client("sitewarden-node", secret, f"test-node-{len(self.clients)}")
        assert client.wait_connected().value == 0
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()


def start_mqtt_site(
    folder: Path, config: str = "", postgres: PostgresServer | None = None
) -> MqttSite:
    """Initialise a data folder, write the broker's files, start mosquitto, then serve
    (on a fresh database of ``postgres`` when given, else on SQLite)."""
    port = free_port()
    server = prepared_server(folder, f'mqtt_url = "mqtt://127.0.0.1:{port}"\n{config}', postgres)
    broker = Broker(server.settings.data_dir, port)
    broker.configure()
    broker.start()
    server.start()
    return MqttSite(broker, server)


@pytest.fixture(name="mqtt_site")
def mqtt_site_fixture(tmp_path: Path) -> Iterator[MqttSite]:
    """A broker and a server for one test (import ``mqtt_site_fixture`` to use it)."""
    site = start_mqtt_site(tmp_path)
    yield site
    site.close()
    site.server.stop()
    site.broker.stop()
