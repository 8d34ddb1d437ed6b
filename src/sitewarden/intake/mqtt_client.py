"""The intake's paho client, tuned to read and acknowledge thousands of messages a second.

Stock paho 2.x costs a node several system calls a message: it reads one packet per
wake-up, with one ``recv`` for the command byte, one per length byte and one for the
body, and every acknowledgement is queued on its own, with its own wake-up write to the
network loop and its own ``send``. Each of those calls gives up the interpreter lock and
then waits to take it back behind the node's other threads, and under a drain that wait,
not the work, set the pace. This client

- reads what is waiting in one ``recv`` of up to ``RECV_BYTES`` and serves paho's small
  reads from that buffer;
- handles up to ``PACKETS_PER_WAKEUP`` packets a wake-up (then finishes only what the
  buffer holds, so that select() is right about what is left on the socket);
- queues a batch's acknowledgements as one write (``ack_many``);
- hands each QoS 0/1 PUBLISH straight to ``deliver`` as (topic, payload, packet id, QoS,
  duplicate flag), skipping the ``Properties`` and ``MQTTMessage`` objects, the debug-log
  formatting and the topic-filter match paho builds for every message (a third of the
  node's time in a drain). The node sets no topic alias maximum, so the broker always
  sends the topic; the properties of device messages carry nothing the node reads.

It relies on paho's private ``_sock_recv``, ``_sock_close``, ``_packet_read``,
``_packet_queue``, ``_handle_publish`` and ``_in_packet``, which is why
``pyproject.toml`` keeps paho below 3; ``tests/test_mqtt_ingest.py`` runs it against a
real mosquitto.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import MQTTErrorCode

RECV_BYTES = 256 * 1024
PACKETS_PER_WAKEUP = 500
_PUBACK = 0x40
_PUBACK_LENGTH = 2  # the packet id alone: reason "success", no properties

# (topic, payload, packet id, QoS, duplicate flag) of one received PUBLISH
Deliver = Callable[[str, bytes, int, int, bool], None]


class BulkClient(mqtt.Client):
    """An ``mqtt.Client`` that reads in bulk and acknowledges a batch at a time."""

    _inbound: bytes = b""  # read from the socket, not yet handed to paho
    _offset: int = 0
    _may_recv: bool = True
    deliver: Deliver | None = None  # set: PUBLISH packets go here, not to on_message

    def loop_read(self, max_packets: int = 1) -> MQTTErrorCode:
        handled = 0
        while True:
            if self._sock is None:
                return MQTTErrorCode.MQTT_ERR_NO_CONN
            self._may_recv = handled < PACKETS_PER_WAKEUP
            rc = self._packet_read()
            if rc > 0:
                return self._loop_rc_handle(rc)
            if rc == MQTTErrorCode.MQTT_ERR_AGAIN:
                return MQTTErrorCode.MQTT_ERR_SUCCESS
            handled += 1

    def _sock_recv(self, bufsize: int) -> bytes:
        if self._offset >= len(self._inbound):
            if not self._may_recv:
                raise BlockingIOError  # paho keeps a part-read packet for the next wake-up
            self._inbound = super()._sock_recv(RECV_BYTES)
            self._offset = 0
            if not self._inbound:
                return b""  # the broker closed the connection
        start = self._offset
        self._offset = min(start + bufsize, len(self._inbound))
        return self._inbound[start : self._offset]

    def _sock_close(self) -> None:
        self._inbound, self._offset = b"", 0  # a new connection starts from a clean buffer
        super()._sock_close()

    def _handle_publish(self) -> MQTTErrorCode:
        header: int = self._in_packet["command"]
        qos = (header & 0x06) >> 1
        if self.deliver is None or qos == 2 or self._protocol != mqtt.MQTTv5:
            return super()._handle_publish()
        packet: bytearray = self._in_packet["packet"]
        try:
            topic, mid, payload_at = _publish_header(packet, qos)
        except (struct.error, IndexError, UnicodeDecodeError):
            return super()._handle_publish()  # paho names what is malformed
        payload = bytes(memoryview(packet)[payload_at:])
        self.deliver(topic, payload, mid, qos, bool(header & 0x08))
        return MQTTErrorCode.MQTT_ERR_SUCCESS

    def ack_many(self, mids: Iterable[int]) -> None:
        """PUBACK the QoS 1 messages ``mids``: one queued write, one wake-up of the loop."""
        packet = b"".join(struct.pack("!BBH", _PUBACK, _PUBACK_LENGTH, mid) for mid in mids)
        if packet:
            self._packet_queue(_PUBACK, packet, 0, 1)


def _publish_header(packet: bytearray, qos: int) -> tuple[str, int, int]:
    """An MQTT 5 PUBLISH's variable header: topic, packet id, where the payload starts."""
    (topic_length,) = struct.unpack_from("!H", packet, 0)
    at = 2 + topic_length
    topic = packet[2:at].decode()
    mid = 0
    if qos > 0:
        (mid,) = struct.unpack_from("!H", packet, at)
        at += 2
    properties_length, shift = 0, 0
    while True:  # a variable byte integer: 7 bits a byte, low bits first
        byte = packet[at]
        at += 1
        properties_length |= (byte & 0x7F) << shift
        if byte < 0x80:
            break
        shift += 7
        if shift > 21:
            raise struct.error("properties length longer than four bytes")
    return topic, mid, at + properties_length
