"""The node's one MQTT broker connection, inside ``sitewarden serve``.

Every node subscribes to ``$share/sitewarden/sitewarden/+/+/events`` (MQTT 5 shared
subscription), so the broker splits the device traffic between the nodes. The client
uses a persistent session (clean start off, a long session expiry, a client id that
stays the same across restarts) and manual acknowledgement, so that the intake
(``mqtt_intake.py``) acknowledges a message only once its events are committed. The
same connection publishes out: error replies, alert changes and commands. This module
is the connection alone; what a message holds is ``mqtt_messages.py``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from sitewarden.config import LOOPBACK_HOSTS, Settings
from sitewarden.errors import ConfigError
from sitewarden.intake.mqtt_client import BulkClient
from sitewarden.intake.mqtt_intake import IntakeDeps, MqttIntake
from sitewarden.intake.mqtt_messages import Handler
from sitewarden.intake.mqtt_topics import alerts_topic, shared

log = logging.getLogger(__name__)

RECEIVE_MAXIMUM = 20_000  # QoS 1 messages the broker may have in flight to this node


def broker_address(url: str) -> tuple[str, int, bool]:
    """``(host, port, tls)`` of ``mqtt://host:port`` or ``mqtts://host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ConfigError(f"mqtt_url {url!r} should read mqtt://host:port or mqtts://host:port")
    if parts.username or parts.password:
        raise ConfigError(
            "mqtt_url must not carry credentials; the nodes' password is read from the keys "
            "folder (written by 'sitewarden mqtt config')"
        )
    tls = parts.scheme == "mqtts"
    if not tls and parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"refusing mqtt://{parts.hostname}: the nodes' broker password and every event "
            "would cross the network in clear. Use mqtts:// (a TLS listener, see "
            "'sitewarden mqtt config --tls-cert'), or a broker on this machine"
        )
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


def default_node_id(settings: Settings) -> str:
    return settings.mqtt_node_id or f"sitewarden-{socket.gethostname()}-{settings.port}"[:64]


class SiteMessage(Protocol):
    """Something published to a site's topic (an alert change)."""

    @property
    def site_id(self) -> str: ...
    def as_payload(self) -> dict[str, Any]: ...


class MqttLink:
    """The node's one broker connection: subscribes, takes messages in, publishes out."""

    def __init__(self, settings: Settings, password: str, deps: IntakeDeps) -> None:
        assert settings.mqtt_url is not None
        self._host, self._port, tls = broker_address(settings.mqtt_url)
        self._session_expiry = settings.mqtt_session_expiry_s
        self._client = BulkClient(
            CallbackAPIVersion.VERSION2,
            client_id=default_node_id(settings),
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self._intake = MqttIntake(deps, self._client.ack_many, self.publish)
        self._client.username_pw_set(settings.mqtt_username, password)
        if tls:
            self._client.tls_set()
        self._client.reconnect_delay_set(1, 30)
        self._client.on_connect = self._on_connect
        self._client.deliver = self._intake.receive
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe

    # --- life cycle -----------------------------------------------------------------
    def add_handler(self, topic_filter: str, handler: Handler) -> None:
        """Take messages of ``topic_filter`` (subscribed as a shared subscription) too."""
        self._intake.add_handler(topic_filter, handler)

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self._session_expiry
        properties.ReceiveMaximum = RECEIVE_MAXIMUM
        self._intake.start()
        self._client.connect_async(
            self._host, self._port, keepalive=30, clean_start=False, properties=properties
        )
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()
        self._intake.stop()

    def publish(self, topic: str, payload: dict[str, Any], qos: int = 1) -> None:
        """Queue a message; paho sends it (and resends it after a reconnect)."""
        self._client.publish(topic, orjson.dumps(payload), qos=qos)

    # --- paho callbacks (network thread) ----------------------------------------------
    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s:%s refused the node: %s", self._host, self._port, reason)
            return
        log.info("MQTT connected to %s:%s (session present: %s)", self._host, self._port, flags)
        client.subscribe([(shared(topic), 1) for topic in self._intake.topic_filters])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: Any,
        mid: int,
        reasons: list[ReasonCode],
        properties: Properties | None,
    ) -> None:
        for topic, reason in zip(self._intake.topic_filters, reasons, strict=False):
            if reason.is_failure:
                log.error("MQTT broker refused the subscription to %s: %s", shared(topic), reason)

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: Any,
        flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.value != 0:
            log.warning("MQTT disconnected (%s); reconnecting", reason)

    # --- notifiers -----------------------------------------------------------------
    def notify(self, changes: Sequence[SiteMessage]) -> None:
        """Publish each alert change to ``sitewarden/<site>/alerts`` (QoS 1)."""
        for change in changes:
            self.publish(alerts_topic(change.site_id), change.as_payload())
