"""The audit chain is anchored outside the database: a chain emptied, cut back or
rewritten fails ``verify`` even though what is left of it is a valid chain."""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitewarden.config import Settings
from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.audit_anchor import ANCHOR_FILE, Anchor, AnchorUnusable, AuditAnchor
from sitewarden.runtime.storage import Storage, open_storage
from tests.conftest import raw_sql

pytestmark = pytest.mark.both_backends

KEY = os.urandom(32)


def record(audit: AuditLog, count: int) -> None:
    for n in range(count):
        audit.record(actor="officer", role="admin", action="events.read", targets=[f"e{n}"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def other_store(settings: Settings) -> Iterator[Storage]:
    """A second connection to the same database, as another process holds."""
    opened = open_storage(settings)
    yield opened
    opened.close()


def test_an_intact_chain_passes_and_reaches_the_anchor(store: Storage, folder: Path) -> None:
    audit = AuditLog(store.privacy, KEY, folder)
    assert audit.verify().anchored is None  # nothing appended, nothing anchored yet
    record(audit, 3)
    result = audit.verify()
    assert result.ok and result.checked == 3 and result.anchored == 3
    assert (folder / ANCHOR_FILE).stat().st_mode & 0o077 == 0


def test_an_emptied_chain_fails(store: Storage, settings: Settings, folder: Path) -> None:
    audit = AuditLog(store.privacy, KEY, folder)
    record(audit, 3)
    raw_sql(settings, "DELETE FROM audit_log")
    raw_sql(settings, "DELETE FROM audit_head")
    result = audit.verify()
    assert not result.ok and result.checked == 0
    assert result.reason is not None and "says entry 3 was written" in result.reason


def test_a_chain_cut_back_with_an_older_head_fails(
    store: Storage, settings: Settings, folder: Path
) -> None:
    audit = AuditLog(store.privacy, KEY, folder)
    record(audit, 2)
    [(seq, mac, seal)] = raw_sql(settings, "SELECT seq, mac, seal FROM audit_head")
    record(audit, 2)
    # What an older copy of the database holds: entries 1-2 and their authentic head.
    raw_sql(settings, "DELETE FROM audit_log WHERE seq > 2")
    raw_sql(settings, "UPDATE audit_head SET seq = ?, mac = ?, seal = ?", (seq, mac, seal))
    result = audit.verify()
    assert not result.ok and result.broken_seq == 3
    assert result.reason is not None and "chain ends at entry 2" in result.reason


def test_a_chain_rewritten_past_the_anchor_fails(
    store: Storage, settings: Settings, folder: Path
) -> None:
    """Anyone with the audit key could rebuild a chain; the anchored MAC still differs."""
    audit = AuditLog(store.privacy, KEY, folder)
    record(audit, 2)
    raw_sql(settings, "DELETE FROM audit_log")
    raw_sql(settings, "DELETE FROM audit_head")
    record(AuditLog(store.privacy, KEY, folder.parent / "elsewhere"), 3)  # a fresh, valid chain
    result = audit.verify()
    assert not result.ok and result.broken_seq == 2
    assert result.reason is not None and "not the one anchored" in result.reason


def test_the_anchor_only_moves_forward(folder: Path) -> None:
    anchor = AuditAnchor(folder, KEY)
    anchor.advance(5, b"5" * 32)
    anchor.advance(3, b"3" * 32)  # an append that committed earlier but anchors later
    assert anchor.read() == Anchor(5, b"5" * 32)


def test_an_altered_anchor_is_refused(store: Storage, folder: Path) -> None:
    audit = AuditLog(store.privacy, KEY, folder)
    record(audit, 2)
    path = folder / ANCHOR_FILE
    path.write_text(path.read_text().replace('"seq":2', '"seq":1'))
    with pytest.raises(AnchorUnusable, match="altered"):
        audit.verify()
    path.write_text("{")
    with pytest.raises(AnchorUnusable, match="not readable"):
        audit.verify()


def test_concurrent_appenders_leave_the_anchor_at_the_newest_entry(
    store: Storage, other_store: Storage, folder: Path
) -> None:
    """Request threads and another process (the CLI) append at once."""
    logs = [AuditLog(store.privacy, KEY, folder), AuditLog(other_store.privacy, KEY, folder)]
    errors: list[BaseException] = []

    def append(audit: AuditLog) -> None:
        try:
            record(audit, 15)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(logs[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = logs[0].verify()
    assert result.ok and result.checked == 60 and result.anchored == 60
    anchored = AuditAnchor(folder, KEY).read()
    assert anchored is not None
    [newest] = store.privacy.audit_entries(after_seq=59)
    assert anchored.mac == newest.mac
    expected = hmac.new(KEY, b"head" + (60).to_bytes(8, "big") + newest.mac, hashlib.sha256)
    head = store.privacy.audit_head()
    assert head is not None and head.seal == expected.digest()
