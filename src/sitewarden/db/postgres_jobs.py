"""Which node runs the work that must happen once (device health, escalation,
retention), when several nodes share one PostgreSQL database.

A node owns a job while it holds a session-level advisory lock for it on a connection
of its own. The lock lasts as long as that connection: a node that stops or dies
loses it at once, and the next node to ask takes the job over. Writes would stay
correct without this (each is a conditional statement under the writer lock); owning
a job saves the other nodes the duplicated work.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import psycopg


def job_key(job: str) -> int:
    """A stable signed 64-bit lock key for a job name."""
    return int.from_bytes(
        hashlib.sha256(f"sitewarden:{job}".encode()).digest()[:8], "big", signed=True
    )


class JobOwnership:
    def __init__(self, url: str) -> None:
        self._url = url
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._owned: set[str] = set()

    def owns(self, job: str) -> bool:
        """True if this node runs ``job`` now (taking it over if nobody holds it)."""
        with self._lock:
            try:
                conn = self._connection()
                if job not in self._owned:
                    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (job_key(job),))
                    if row.fetchone()[0]:  # type: ignore[index]
                        self._owned.add(job)
                else:
                    conn.execute("SELECT 1")  # still connected, so still holding it
            except psycopg.OperationalError:
                self._drop()  # the connection (and with it every lock) is gone
                return False
            return job in self._owned

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._owned.clear()
            self._conn = psycopg.connect(self._url, autocommit=True)
        return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._owned.clear()

    def close(self) -> None:
        with self._lock:
            self._drop()
