"""The tamper-evident audit log: who read or changed personal data, when, and why.

Each entry carries ``mac = HMAC(audit key, previous mac || entry)``; the head row
(newest seq and mac) is authenticated too. Editing, deleting or reordering any row
in the database breaks the chain at that row, and ``verify`` names it. Someone with
the database but not the audit key cannot forge a chain. Emptying the table, or cutting
it back together with its head, leaves a valid but shorter chain: the anchor kept in the
key folder (``audit_anchor.py``) shows that.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from sitewarden.events.model import to_micros
from sitewarden.privacy.audit_anchor import Anchor, AuditAnchor
from sitewarden.privacy.records import AuditEntry, AuditHead
from sitewarden.privacy.tables import PrivacyTables

GENESIS = bytes(32)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    anchored: int | None = None  # the anchor's seq, checked; None where none was written yet
    last_mac: bytes | None = None  # the MAC of entry ``checked`` where ok: to continue from


@dataclass(frozen=True)
class VerifiedUpTo:
    """The newest entry a walk verified, to continue from."""

    seq: int
    mac: bytes


def _entry_bytes(entry: AuditEntry) -> bytes:
    fields: list[object] = [
        entry.seq,
        to_micros(entry.at),
        entry.actor,
        entry.role,
        entry.action,
        entry.site_id,
        list(entry.targets),
        entry.purpose,
        entry.request_id,
    ]
    if entry.address is not None:  # entries without one (older ones) keep their MAC
        fields.append(entry.address)
    return orjson.dumps(fields)


class AuditLog:
    def __init__(self, privacy: PrivacyTables, audit_key: bytes, key_folder: Path) -> None:
        self._privacy = privacy
        self._key = audit_key
        self._anchor = AuditAnchor(key_folder, audit_key)

    def _mac(self, previous: bytes, entry: AuditEntry) -> bytes:
        return hmac.new(self._key, previous + _entry_bytes(entry), hashlib.sha256).digest()

    def _head_seal(self, seq: int, mac: bytes) -> bytes:
        return hmac.new(self._key, b"head" + seq.to_bytes(8, "big") + mac, hashlib.sha256).digest()

    def record(
        self,
        *,
        actor: str,
        role: str,
        action: str,
        targets: Sequence[str] = (),
        site_id: str | None = None,
        purpose: str | None = None,
        request_id: str | None = None,
        address: str | None = None,
    ) -> AuditEntry:
        """Append one entry to the chain (durably, before the caller answers)."""

        def build(head: AuditHead | None) -> tuple[AuditEntry, AuditHead]:
            seq = 1 if head is None else head.seq + 1
            previous = GENESIS if head is None else head.mac
            draft = AuditEntry(
                seq,
                datetime.now(UTC),
                actor,
                role,
                action,
                site_id,
                tuple(targets),
                purpose,
                request_id,
                b"",
                address,
            )
            mac = self._mac(previous, draft)
            return _with_mac(draft, mac), AuditHead(seq, mac, self._head_seal(seq, mac))

        entry = self._privacy.append_audit(build)
        self._anchor.advance(entry.seq, entry.mac)  # after the commit: never ahead of the chain
        return entry

    def verify(
        self,
        progress: Callable[[int], None] | None = None,
        since: VerifiedUpTo | None = None,
    ) -> VerifyResult:
        """Walk the whole chain; the first entry that does not check out is named. Then
        hold it against the anchor: a chain that ends before it was cut back.

        ``since``: a point an earlier walk verified; only the entries after it are walked
        (its own row is checked to still carry the MAC verified then). Rows before it are
        not read again, so an incremental walk does not see them altered: walk in full now
        and then."""
        anchor = self._anchor.read()  # before the walk: entries appended meanwhile only add
        result = self._walk(progress, anchor, since)
        if not result.ok or anchor is None:
            return result
        if result.checked < anchor.seq:
            return VerifyResult(
                False,
                result.checked,
                result.checked + 1,
                f"the chain ends at entry {result.checked} but the anchor in {self._anchor.path} "
                f"says entry {anchor.seq} was written: entries were deleted, or the database "
                "was restored from an older copy",
            )
        return VerifyResult(True, result.checked, anchored=anchor.seq, last_mac=result.last_mac)

    def _walk(
        self,
        progress: Callable[[int], None] | None,
        anchor: Anchor | None,
        since: VerifiedUpTo | None = None,
    ) -> VerifyResult:
        previous = GENESIS
        expected = 1
        checked = 0
        if since is not None and since.seq > 0:
            # The remembered entry, with its content, against the MAC verified then.
            near = self._privacy.audit_entries(after_seq=max(0, since.seq - 2), limit=2)
            rows = [r for r in near if r.seq <= since.seq]  # it and the one before it
            entry = rows[-1] if rows else None
            before = rows[0].mac if len(rows) == 2 else GENESIS
            if (
                entry is None
                or entry.seq != since.seq
                or not hmac.compare_digest(entry.mac, since.mac)
                or not hmac.compare_digest(self._mac(before, entry), since.mac)
            ):
                return VerifyResult(
                    False,
                    since.seq - 1,
                    since.seq,
                    f"entry {since.seq}, verified before, was altered or deleted since",
                )
            previous, expected, checked = since.mac, since.seq + 1, since.seq
        while True:
            page = self._privacy.audit_entries(after_seq=expected - 1, limit=5000)
            if not page:
                break
            for entry in page:
                if entry.seq != expected:
                    return VerifyResult(
                        False, checked, expected, f"entry {expected} is missing (deleted)"
                    )
                if not hmac.compare_digest(entry.mac, self._mac(previous, entry)):
                    return VerifyResult(
                        False,
                        checked,
                        entry.seq,
                        f"entry {entry.seq} was altered (its MAC does not match its content "
                        "and the chain before it)",
                    )
                if anchor is not None and entry.seq == anchor.seq and entry.mac != anchor.mac:
                    return VerifyResult(
                        False,
                        checked,
                        entry.seq,
                        f"entry {entry.seq} is not the one anchored in {self._anchor.path}: "
                        "the chain was rewritten from there",
                    )
                previous = entry.mac
                expected += 1
                checked += 1
            if progress is not None:
                progress(checked)
        head = self._privacy.audit_head()
        if head is None:
            if checked:
                return VerifyResult(False, checked, checked, "the chain head was deleted")
            return VerifyResult(True, 0)
        if not hmac.compare_digest(head.seal, self._head_seal(head.seq, head.mac)):
            return VerifyResult(False, checked, head.seq, "the chain head was altered")
        if head.seq != checked or not hmac.compare_digest(head.mac, previous):
            return VerifyResult(
                False,
                checked,
                checked + 1,
                f"entries after {checked} were deleted (the head says {head.seq})",
            )
        return VerifyResult(True, checked, last_mac=previous)


def _with_mac(entry: AuditEntry, mac: bytes) -> AuditEntry:
    return AuditEntry(
        entry.seq,
        entry.at,
        entry.actor,
        entry.role,
        entry.action,
        entry.site_id,
        entry.targets,
        entry.purpose,
        entry.request_id,
        mac,
        entry.address,
    )
