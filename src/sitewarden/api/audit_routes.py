"""The audit viewer's API: entries found by who, what, whose data, site and time (newest
first); the chain's verification state; a period exported for an inspector (CSV or JSON
lines, itself audited).

Entries name their subjects by reference (subject and record ids), never by value; the
export carries what the viewer shows, the MACs too, so an inspector holding the audit
key can check the rows against each other.
"""

from __future__ import annotations

import csv
import io
import weakref
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from sitewarden.accounts.accounts import Operator
from sitewarden.api.authentication import AuditReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import Purpose, check_site_scope, record_audit
from sitewarden.api.schemas import AuditEntryOut
from sitewarden.errors import InvalidInput
from sitewarden.privacy.audit import AuditLog
from sitewarden.privacy.audit_query import AuditFilter, AuditQuery, KnownActions
from sitewarden.privacy.audit_watch import ChainWatch
from sitewarden.privacy.records import AuditEntry

router = APIRouter(prefix="/api/v1/audit", tags=["privacy"])

MAX_SEQ = 2**63 - 1
TEXT = 200
EXPORT_FIELDS = (
    "seq",
    "at",
    "actor",
    "role",
    "action",
    "site_id",
    "targets",
    "purpose",
    "request_id",
    "address",
    "mac",
)

_watches: weakref.WeakKeyDictionary[AuditLog, ChainWatch] = weakref.WeakKeyDictionary()


_actions: weakref.WeakKeyDictionary[AuditLog, KnownActions] = weakref.WeakKeyDictionary()


def chain_watch(audit: AuditLog) -> ChainWatch:
    """The one watch of this app's audit log (it keeps what was verified already)."""
    watch = _watches.get(audit)
    if watch is None:
        watch = _watches.setdefault(audit, ChainWatch(audit))
    return watch


class AuditSearchOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None  # pass as ?before= for older entries


class ChainOut(BaseModel):
    ok: bool
    checked: int
    last_verified_seq: int | None
    broken_seq: int | None
    reason: str | None
    anchored: int | None
    checked_at: datetime
    full_at: datetime | None
    full: bool
    took_ms: float


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def _filter(
    operator: Operator,
    actor: str | None,
    action: str | None,
    subject: str | None,
    site: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditFilter:
    if site:
        check_site_scope(operator, site)
    if since is not None and until is not None and since >= until:
        raise InvalidInput("'since' must be before 'until'")
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("give times with their offset (e.g. 2026-12-04T08:00:00Z)")
    return AuditFilter(
        actor=actor or None,
        action=action or None,
        subject=subject or None,
        site_id=site or None,
        since=since,
        until=until,
        site_scope=operator.site_scope,
    )


Text = Annotated[str | None, Query(max_length=TEXT)]


@router.get("/entries", response_model=AuditSearchOut, summary="Audit entries, newest first")
def search_audit(
    operator: AuditReader,
    context: Context,
    actor: Text = None,
    action: Annotated[str | None, Query(max_length=TEXT, description="'x.' for a family")] = None,
    subject: Text = None,
    site: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_SEQ)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditSearchOut:
    found = AuditQuery(context.store.db).newest(
        _filter(operator, actor, action, subject, site, since, until), before, limit
    )
    return AuditSearchOut(
        entries=[AuditEntryOut.model_validate(e, from_attributes=True) for e in found],
        next_before=found[-1].seq if len(found) == limit else None,
    )


@router.get("/actions", response_model=list[str], summary="The actions written so far")
def audit_actions(operator: AuditReader, context: Context) -> list[str]:
    known = _actions.setdefault(context.audit, KnownActions())
    return known.read(AuditQuery(context.store.db))


@router.get("/verify", response_model=ChainOut, summary="Whether the audit chain is intact")
def verify_audit(
    operator: AuditReader,
    context: Context,
    full: Annotated[bool, Query(description="walk the whole chain now")] = False,
) -> ChainOut:
    state = chain_watch(context.audit).check(full=full)
    return ChainOut(
        ok=state.ok,
        checked=state.checked,
        last_verified_seq=state.checked or None,
        broken_seq=state.broken_seq,
        reason=state.reason,
        anchored=state.anchored,
        checked_at=state.checked_at,
        full_at=state.full_at,
        full=state.full,
        took_ms=state.took_ms,
    )


def _row(entry: AuditEntry) -> dict[str, object]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "site_id": entry.site_id,
        "targets": list(entry.targets),
        "purpose": entry.purpose,
        "request_id": entry.request_id,
        "address": entry.address,
        "mac": entry.mac.hex(),
    }


def _csv_lines(entries: Iterator[AuditEntry]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_FIELDS)
    for count, entry in enumerate(entries):
        row = _row(entry)
        row["targets"] = " ".join(entry.targets)
        writer.writerow(["" if row[k] is None else row[k] for k in EXPORT_FIELDS])
        if count % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _json_lines(entries: Iterator[AuditEntry]) -> Iterator[bytes]:
    for entry in entries:
        yield orjson.dumps(_row(entry), option=orjson.OPT_APPEND_NEWLINE)


def _stamp(moment: datetime | None) -> str:
    return "all" if moment is None else moment.strftime("%Y%m%dT%H%M%S")


def export_audit_period(
    context: AppContext,
    request: Request,
    operator: Operator,
    f: AuditFilter,
    purpose: str,
    form: ExportFormat,
) -> StreamingResponse:
    """Record the export first (it is itself an audited read), then stream the period."""
    record_audit(context, request, operator, "audit.export", f.site_id, _export_targets(f), purpose)
    entries = AuditQuery(context.store.db).oldest_first(f)
    body = _csv_lines(entries) if form is ExportFormat.CSV else _json_lines(entries)
    media = "text/csv; charset=utf-8" if form is ExportFormat.CSV else "application/x-ndjson"
    name = f"sitewarden-audit-{_stamp(f.since)}-{_stamp(f.until)}.{form.value}"
    return StreamingResponse(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _export_targets(f: AuditFilter) -> list[str]:
    """What was exported, as references: the period and the filters."""
    parts = [
        f"since={'' if f.since is None else f.since.isoformat()}",
        f"until={'' if f.until is None else f.until.isoformat()}",
    ]
    named = (("actor", f.actor), ("action", f.action), ("subject", f.subject))
    parts += [f"{name}={value}" for name, value in named if value]
    return parts


@router.get("/export", summary="A period of the audit log as CSV or JSON lines (audited)")
def export_audit(
    request: Request,
    operator: AuditReader,
    context: Context,
    purpose: Purpose,
    format: ExportFormat = ExportFormat.CSV,
    actor: Text = None,
    action: Text = None,
    subject: Text = None,
    site: Text = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    f = _filter(operator, actor, action, subject, site, since, until)
    return export_audit_period(context, request, operator, f, purpose, format)
