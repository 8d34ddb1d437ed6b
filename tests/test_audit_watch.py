"""The audit viewer's storage side on both backends: the chain verified incrementally
(and in full when asked), the address inside the MAC, and the viewer's filters."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.audit_query import AuditFilter, AuditQuery, KnownActions
from sitewarden.privacy.audit_watch import ChainWatch
from sitewarden.runtime.storage import Storage

pytestmark = pytest.mark.both_backends

KEY = os.urandom(32)


def audit_log(store: Storage, tmp_path: Path) -> AuditLog:
    return AuditLog(store.privacy, KEY, tmp_path / "keys")


def record(
    audit: AuditLog,
    count: int,
    *,
    actor: str = "officer",
    action: str = "events.read",
    targets: list[str] | None = None,
    site_id: str | None = "s1",
    address: str | None = "192.0.2.1",
) -> None:
    for n in range(count):
        audit.record(
            actor=actor,
            role="admin",
            action=action,
            targets=[f"e{n}"] if targets is None else targets,
            site_id=site_id,
            address=address,
        )


def rewrite(store: Storage, seq: int, column: str, value: str) -> None:
    with store.db.transaction() as conn:
        conn.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (value, seq))


def test_the_watch_walks_only_new_entries_until_asked_for_the_whole_chain(
    store: Storage, tmp_path: Path
) -> None:
    audit = audit_log(store, tmp_path)
    watch = ChainWatch(audit)
    record(audit, 5)
    first = watch.check()
    assert first.ok and first.full and first.checked == 5 and first.anchored == 5

    record(audit, 2)
    again = watch.check()
    assert again.ok and not again.full and again.checked == 7
    assert again.full_at == first.full_at

    rewrite(store, 3, "purpose", "rewritten")  # an entry an earlier walk verified
    assert watch.check().ok  # an incremental walk does not read it again
    whole = watch.check(full=True)
    assert not whole.ok and whole.broken_seq == 3 and whole.full
    after = watch.check()  # broken: every later check walks in full
    assert not after.ok and after.full and after.broken_seq == 3


def test_a_chain_of_one_entry_continues_incrementally(store: Storage, tmp_path: Path) -> None:
    audit = audit_log(store, tmp_path)
    watch = ChainWatch(audit)
    record(audit, 1)
    assert watch.check().ok
    record(audit, 1)
    state = watch.check()
    assert state.ok and not state.full and state.checked == 2


def test_the_remembered_entry_rewritten_is_caught_by_an_incremental_check(
    store: Storage, tmp_path: Path
) -> None:
    audit = audit_log(store, tmp_path)
    watch = ChainWatch(audit)
    record(audit, 4)
    assert watch.check().ok
    rewrite(store, 4, "actor", "someone else")
    state = watch.check()
    assert not state.ok and state.broken_seq == 4


def test_the_address_is_inside_the_mac_and_entries_without_one_still_verify(
    store: Storage, tmp_path: Path
) -> None:
    audit = audit_log(store, tmp_path)
    record(audit, 2, address=None)  # as the CLI writes, and every entry before 0020
    record(audit, 2, address="198.51.100.7")
    assert audit.verify().ok
    assert [e.address for e in store.privacy.audit_entries()] == [
        None,
        None,
        "198.51.100.7",
        "198.51.100.7",
    ]
    rewrite(store, 3, "address", "203.0.113.9")
    result = audit.verify()
    assert not result.ok and result.broken_seq == 3


def test_the_viewers_filters(store: Storage, tmp_path: Path) -> None:
    audit = audit_log(store, tmp_path)
    record(audit, 2, actor="kim", action="subject.export", targets=["subj_1"])
    record(audit, 1, actor="kim", action="subject.erase", targets=["subj%1"], site_id="s2")
    record(audit, 1, actor="lee", action="consent.record", targets=["c1", "subj_1"])
    record(audit, 1, actor="lee", action="events.lookup", targets=[], site_id=None)
    query = AuditQuery(store.db)

    def seqs(f: AuditFilter, before: int | None = None, limit: int = 100) -> list[int]:
        return [e.seq for e in query.newest(f, before, limit)]

    assert seqs(AuditFilter()) == [5, 4, 3, 2, 1]
    assert seqs(AuditFilter(actor="kim", action="subject.export")) == [2, 1]
    assert seqs(AuditFilter(action="subject.")) == [3, 2, 1]  # a family
    assert seqs(AuditFilter(subject="subj_1")) == [4, 2, 1]  # exactly: not subj%1
    assert seqs(AuditFilter(subject="subj%1")) == [3]
    assert seqs(AuditFilter(subject="subj")) == []
    assert seqs(AuditFilter(site_id="s2")) == [3]
    assert seqs(AuditFilter(site_scope=("s1",))) == [5, 4, 2, 1]  # and entries of no site
    assert seqs(AuditFilter(site_scope=())) == [5]
    assert seqs(AuditFilter(), before=4, limit=2) == [3, 2]
    everything = query.newest(AuditFilter(), None, 100)
    middle = everything[2].at
    assert seqs(AuditFilter(since=middle)) == [e.seq for e in everything if e.at >= middle]
    assert seqs(AuditFilter(until=middle)) == [e.seq for e in everything if e.at < middle]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert seqs(AuditFilter(since=later)) == []
    assert [e.seq for e in query.oldest_first(AuditFilter(actor="lee"), page=1)] == [4, 5]

    known = KnownActions()
    assert known.read(query) == [
        "consent.record",
        "events.lookup",
        "subject.erase",
        "subject.export",
    ]
    record(audit, 1, action="snapshot.read")
    assert "snapshot.read" in known.read(query)
