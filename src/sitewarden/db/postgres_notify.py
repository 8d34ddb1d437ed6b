"""What nodes tell each other, with PostgreSQL's LISTEN/NOTIFY.

Every transaction that changes alerts also sends ``NOTIFY sitewarden_nodes`` with the
changes (no personal data: the same payload webhooks carry), and one that changes the
alert rules says so; PostgreSQL delivers a notification only if its transaction
commits. Each node listens on its own connection: other nodes' alert changes go to its
live hub (an operator's dashboard on node B shows an alert raised by an event node A
ingested) and a rules change makes it reload its rules.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import psycopg

CHANNEL = "sitewarden_nodes"
log = logging.getLogger(__name__)

Deliver = Callable[[list[dict[str, Any]]], None]


def notify_sql(node_id: str, messages: Sequence[dict[str, Any]]) -> tuple[str, tuple[Any, ...]]:
    """One statement (``?`` placeholders) that sends every message."""
    payloads = [orjson.dumps({"node": node_id, **message}).decode() for message in messages]
    return f"SELECT pg_notify('{CHANNEL}', p) FROM unnest(?::text[]) AS p", (payloads,)


class NodeListener:
    """A thread on its own connection that passes other nodes' messages on."""

    def __init__(self, url: str, node_id: str, deliver: Deliver) -> None:
        self._url = url
        self._node_id = node_id
        self._deliver = deliver
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="node-listener", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        self._listening.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        received = [orjson.loads(n.payload) for n in conn.notifies(timeout=0.5)]
                        theirs = [p for p in received if p.pop("node") != self._node_id]
                        if theirs:
                            self._deliver(theirs)
            except psycopg.Error:
                log.exception("node listener lost its connection; reconnecting")
                self._stop.wait(1.0)
