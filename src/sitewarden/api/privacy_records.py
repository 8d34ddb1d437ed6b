"""The privacy centre's published pages: the retention schedule with what the next run
will delete and the last runs, and the records of processing (JSON and Markdown)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from sitewarden.accounts.accounts import Operator
from sitewarden.api.authentication import AuditReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import record_audit
from sitewarden.privacy.retention_ledger import RetentionLedger
from sitewarden.runtime.processing_records import (
    ProcessingRecord,
    processing_record,
    records_markdown,
)

router = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.get("/retention", summary="The retention schedule, the next run's deletions, past runs")
def retention_overview(operator: AuditReader, context: Context) -> dict[str, Any]:
    """Counts are over every site: one run deletes for all of them."""
    settings = context.settings
    ledger = RetentionLedger(context.store.db)
    now = datetime.now(UTC)
    return {
        "schedule": settings.retention_days,
        "reader_image_days": settings.reader_image_days,
        "interval_s": settings.retention_interval_s,
        "due": ledger.due_for_deletion(settings.retention_days, now),
        "counted_at": now.isoformat(),
        "runs": [
            {
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat(),
                "trigger": run.trigger,
                "deleted": run.deleted,
                "total": run.total,
            }
            for run in ledger.recent_runs()
        ],
    }


def _records(operator: Operator, context: AppContext) -> list[ProcessingRecord]:
    webhooks = context.store.webhooks.list_webhooks()
    return [
        processing_record(context.settings, site, webhooks)
        for site in context.store.registry.list_sites(operator.site_scope)
    ]


@router.get("/records-of-processing", summary="Art. 30 records, per site, from the configuration")
def records_of_processing(operator: AuditReader, context: Context) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(),
        "sites": [asdict(record) for record in _records(operator, context)],
    }


@router.get("/records-of-processing.md", summary="The same records as Markdown (audited)")
def records_markdown_export(request: Request, operator: AuditReader, context: Context) -> Response:
    records = _records(operator, context)
    record_audit(
        context, request, operator, "records.export", None, [r.site_id for r in records], "Art. 30"
    )
    return Response(
        records_markdown(records, datetime.now(UTC)),
        media_type="text/markdown; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="records-of-processing.md"'},
    )
