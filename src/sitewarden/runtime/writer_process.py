"""The store's event transactions, run in a child process of their own (both backends).

Inside one server process the event writer shares the interpreter lock with the request
handlers. Most of an insert is the database's own work (SQLite's C code, or PostgreSQL's
server process), but the writer needs the lock back between statements and for the
Python around them (a COPY's rows are formatted in this process), and waits for it while
it holds the write lock: validation and the write path took turns on one core instead
of using two. A child process has an interpreter lock of its own, so the writer's
transaction never waits behind a request.

The parent turns events into rows (:func:`event_rows`, cheap to pickle) as batches are
submitted, sends each group to the child's standard input and reads its answer from the
child's standard output: the alert changes once the transaction committed, or the error
that stopped it. The vault's new data keys and subjects go the same way
(:meth:`WriterProcess.add_data_keys`): on SQLite, with two processes writing one file,
the server's key transactions waited on the child's write lock through SQLite's busy
handler, which sleeps in growing steps (up to 100 ms a time), in the middle of a
request; on PostgreSQL they took the cross-node write lock from a request thread. The
child takes one job at a time, whoever sends it.

The child learns which store to open from its first message, not its command line, so
that a PostgreSQL password never shows in the process list; on PostgreSQL it speaks
with the parent's node id, so that its alert broadcasts count as the parent's own.
If the child dies, the group in hand fails (its requests are not acknowledged) and the
next group starts a new child. The child exits when its standard input closes, so a
parent killed with SIGKILL leaves no writer behind.
"""

from __future__ import annotations

import contextlib
import logging
import pickle
import struct
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from sitewarden.alerts.batch_transaction import BatchSignal, split_signals
from sitewarden.alerts.model import AlertChange
from sitewarden.database_url import DatabaseTarget
from sitewarden.db.database import event_rows
from sitewarden.errors import StoreError
from sitewarden.events.model import Event
from sitewarden.intake.event_tables import DeviceKey
from sitewarden.privacy.records import Subject, WrappedKey

if TYPE_CHECKING:
    from sitewarden.runtime.storage import Storage

log = logging.getLogger(__name__)

_LENGTH = struct.Struct("<I")  # each message on the pipes: its length, then its pickle
STOP = b""  # an empty message asks the child to finish
EVENTS, KEYS = "events", "keys"  # what a job asks: commit event batches, or store data keys


class WriterProcess:
    """``insert_events`` of the batch transaction and ``add_data_keys`` of the vault's
    tables, done by a child process.

    ``node_id`` is the PostgreSQL store's (:attr:`PostgresDatabase.node_id`)."""

    def __init__(self, database: DatabaseTarget, node_id: str | None = None) -> None:
        self._target = (database, node_id)
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs."""
        return None if self._child is None else self._child.pid

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        # A fresh interpreter (no copy of this process's threads); its stderr is ours.
        command = [sys.executable, "-m", __name__]
        child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert child.stdin is not None
        with contextlib.suppress(OSError):  # a child that died at once fails the first job
            send_message(child.stdin, pickle.dumps(self._target, protocol=5))
        self._child = child

    def stop(self) -> None:
        with self._lock:
            child, self._child = self._child, None
            if child is None:
                return
            assert child.stdin is not None
            with contextlib.suppress(OSError):  # a child gone already
                send_message(child.stdin, STOP)
                child.stdin.close()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)

    def prepare(self, events: Sequence[Event]) -> object:
        """The batch's rows, pickled (in the submitting thread, not the writer's)."""
        return pickle.dumps(event_rows(events), protocol=5)

    def insert_prepared(
        self,
        batches: Sequence[object],
        last_seen: Mapping[DeviceKey, datetime],
        signals: Sequence[BatchSignal],
    ) -> list[AlertChange]:
        """As :meth:`BatchTransaction.insert_events` for prepared batches: committed on
        return."""
        verdicts, offline = split_signals(signals)
        job = (EVENTS, list(batches), dict(last_seen), verdicts, offline)
        changes: list[AlertChange] = self._call(job, "the events were not acknowledged")
        return changes

    def add_data_keys(
        self,
        items: Sequence[tuple[WrappedKey, Subject | None]],
        links: Sequence[tuple[str, str, str]] = (),
    ) -> set[tuple[str, str]]:
        """As :meth:`PrivacyTables.add_data_keys`: committed on return; the (site, subject) pairs
        that were stored already."""
        job = (KEYS, list(items), list(links))
        existing: set[tuple[str, str]] = self._call(job, "no data key was stored")
        return existing

    def _call(self, job: tuple[Any, ...], lost: str) -> Any:
        """Send one job to the child and return its answer (raise the error it sent)."""
        message = pickle.dumps(job, protocol=5)
        with self._lock:
            if self._child is None:
                self._start()
            child = self._child
            assert child is not None and child.stdin is not None and child.stdout is not None
            try:
                send_message(child.stdin, message)
                answer = pickle.loads(receive_message(child.stdout))
            except (EOFError, OSError) as exc:
                self._child = None
                code = child.wait(timeout=10)
                log.error("event writer process exited (code %s)", code)
                raise StoreError(
                    f"the event writer process stopped before answering; {lost}, and the "
                    "next write starts a new writer"
                ) from exc
        if isinstance(answer, BaseException):
            raise answer
        return answer


def send_message(pipe: IO[bytes], message: bytes) -> None:
    pipe.write(_LENGTH.pack(len(message)) + message)
    pipe.flush()


def receive_message(pipe: IO[bytes]) -> bytes:
    """The next message; EOFError when the other side has gone."""
    header = pipe.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        raise EOFError("pipe closed")
    (length,) = _LENGTH.unpack(header)
    message = pipe.read(length)
    if len(message) < length:
        raise EOFError("pipe closed mid-message")
    return message


def open_target(database: DatabaseTarget, node_id: str | None) -> Storage:
    """The storage the child writes with (imported here, not by the parent's callers)."""
    from sitewarden.runtime.storage import Storage

    if database.postgres_url is not None:
        return Storage.postgres(database.postgres_url, pool_size=2, node_id=node_id)
    assert database.sqlite_path is not None
    return Storage.sqlite(database.sqlite_path, checkpoint_thread=False)  # the parent checkpoints


def serve_writes(jobs: IO[bytes], answers: IO[bytes]) -> None:
    """The child: open the store its first message names, then apply each job to it
    until told to stop or orphaned."""
    try:
        database, node_id = pickle.loads(receive_message(jobs))
    except EOFError:
        return
    store = open_target(database, node_id)
    try:
        while True:
            try:
                job = receive_message(jobs)
            except EOFError:
                return  # the parent is gone
            if job == STOP:
                return
            send_message(answers, _answer(store, job))
    finally:
        store.close()


def _answer(store: Storage, job: bytes) -> bytes:
    what, *arguments = pickle.loads(job)
    try:
        if what == KEYS:
            result: object = store.privacy.add_data_keys(*arguments)
        else:
            batches, last_seen, signals, offline = arguments
            rows = [row for batch in batches for row in pickle.loads(batch)]
            result = store.batch.insert_event_rows(rows, last_seen, signals, offline)
    except Exception as exc:  # the parent raises it for the callers
        result = exc
    try:
        return pickle.dumps(result, protocol=5)
    except Exception:
        return pickle.dumps(StoreError(f"event batch not stored: {result!r}"), protocol=5)


if __name__ == "__main__":
    serve_writes(sys.stdin.buffer, sys.stdout.buffer)
