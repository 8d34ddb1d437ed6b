"""Audit viewer figures: verifying the chain in full and incrementally, and the viewer's
queries, on a log of many entries.

    python -m bench.audit_chain [--entries 100000]

Writes the entries with their real MACs in one transaction (appending them one by one
through ``AuditLog.record`` would take minutes: a transaction and an anchor write
each), then times ``AuditLog.verify`` (full), ``ChainWatch.check`` (incremental) and
the viewer's searches and export through ``AuditQuery``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from sitewarden.db.database import _t
from sitewarden.privacy.audit import GENESIS, AuditLog
from sitewarden.privacy.audit_query import AuditFilter, AuditQuery, KnownActions
from sitewarden.privacy.audit_watch import ChainWatch
from sitewarden.privacy.records import AuditEntry
from sitewarden.runtime.storage import Storage

ACTIONS = ("events.read", "subject.export", "consent.record", "snapshot.read")


def fill(store: Storage, log: AuditLog, count: int) -> None:
    previous, rows = GENESIS, []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, count + 1):
        entry = AuditEntry(
            seq, start + timedelta(seconds=seq), f"user{seq % 7}", "operator",
            ACTIONS[seq % len(ACTIONS)], f"site{seq % 4}", (f"subject-{seq % 1000}",),
            "shift check", f"request-{seq}", b"", "192.0.2.10",
        )  # fmt: skip
        mac = log._mac(previous, entry)
        previous = mac
        rows.append(
            (seq, _t(entry.at), entry.actor, entry.role, entry.action, entry.site_id,
             orjson.dumps(list(entry.targets)).decode(), entry.purpose, entry.request_id,
             mac, entry.address)
        )  # fmt: skip
    with store.db.transaction() as conn:
        conn.executemany(
            "INSERT INTO audit_log (seq, at, actor, role, action, site_id, targets, purpose,"
            " request_id, mac, address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute(
            "INSERT INTO audit_head VALUES (1, ?, ?, ?)",
            (count, previous, log._head_seal(count, previous)),
        )


def timed(label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    print(f"{label:<44} {(time.perf_counter() - started) * 1000:>9.1f} ms")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        store = Storage.sqlite(Path(folder) / "bench.db")
        log = AuditLog(store.privacy, b"k" * 32, Path(folder) / "keys")
        fill(store, log, args.entries)
        watch = ChainWatch(log)
        query = AuditQuery(store.db)
        known = KnownActions()
        print(f"{args.entries} audit entries, SQLite")
        timed("full verify (AuditLog.verify)", log.verify)
        timed("ChainWatch.check, first (full)", watch.check)
        timed("ChainWatch.check, nothing new (incremental)", watch.check)
        timed("newest 100, no filter", lambda: query.newest(AuditFilter(), None, 100))
        timed("newest 100, one actor and action", lambda: query.newest(
            AuditFilter(actor="user3", action="subject.export"), None, 100))  # fmt: skip
        timed("newest 100, one subject", lambda: query.newest(
            AuditFilter(subject="subject-999"), None, 100))  # fmt: skip
        timed("known actions, first", lambda: known.read(query))
        timed("known actions, again", lambda: known.read(query))
        timed("export every entry (rows only)", lambda: sum(1 for _ in query.oldest_first(
            AuditFilter())))  # fmt: skip
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
