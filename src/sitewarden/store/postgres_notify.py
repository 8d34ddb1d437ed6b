"""Alert changes crossing nodes with PostgreSQL's LISTEN/NOTIFY.

Every transaction that changes alerts also sends ``NOTIFY sitewarden_alerts`` with the
changes (no personal data: the same payload webhooks carry); PostgreSQL delivers it
only if that transaction commits. Each node listens on its own connection and hands
other nodes' changes to its live hub, so an operator's dashboard on node B shows an
alert raised by an event that node A ingested.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import orjson
import psycopg

from sitewarden.alerts.model import AlertChange

CHANNEL = "sitewarden_alerts"
log = logging.getLogger(__name__)

Deliver = Callable[[list[dict[str, Any]]], None]


def notify_sql(node_id: str, changes: Sequence[AlertChange]) -> tuple[str, tuple[Any, ...]]:
    """One statement (``?`` placeholders) that announces every change."""
    payloads = [
        orjson.dumps({"node": node_id, "change": change.as_payload()}).decode()
        for change in changes
    ]
    return f"SELECT pg_notify('{CHANNEL}', p) FROM unnest(?::text[]) AS p", (payloads,)


class AlertListener:
    """A thread on its own connection that passes other nodes' alert changes on."""

    def __init__(self, url: str, node_id: str, deliver: Deliver) -> None:
        self._url = url
        self._node_id = node_id
        self._deliver = deliver
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-listener", daemon=True)

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
                        theirs = [p["change"] for p in received if p["node"] != self._node_id]
                        if theirs:
                            self._deliver(theirs)
            except psycopg.Error:
                log.exception("alert listener lost its connection; reconnecting")
                self._stop.wait(1.0)
