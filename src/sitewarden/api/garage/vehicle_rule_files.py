"""Allow and deny list entries and permits as CSV: an import checked whole (one bad row
refuses the file, nothing stored) and an export with plates in full (personal:read and a
purpose, audited). The rows are those of ``vehicle_rules``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from sitewarden.accounts.roles import Permission
from sitewarden.api.authentication import ParkingManager
from sitewarden.api.context import AppContext, Context
from sitewarden.api.errors import error_response
from sitewarden.api.garage.common import AppGateDesk
from sitewarden.api.garage.vehicle_rule_schemas import (
    RowProblemOut,
    RulesImportIn,
    RulesImportOut,
    VehicleRuleEdit,
)
from sitewarden.api.garage.vehicle_rules import Rule, audit_rule_change, new_rule, site_rules
from sitewarden.api.operator_scope import Purpose, SiteInScope, record_audit
from sitewarden.errors import PermissionDenied
from sitewarden.parking.records import ListEntry, Permit
from sitewarden.parking.rule_csv import ExportRow, RuleRow, read_rules, write_rules
from sitewarden.vision.plate_formats import match_plate

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.post(
    "/parking/sites/{site_id}/vehicle-rules/import",
    response_model=RulesImportOut,
    status_code=201,
    responses={422: {"description": "bad rows: nothing stored; each row's line and problem"}},
)
def import_vehicle_rules(
    site_id: str,
    body: RulesImportIn,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> RulesImportOut | JSONResponse:
    """A CSV of rules (the export's columns), checked whole: one bad row refuses the file."""
    zones = {zone.zone_id for zone in context.store.registry.list_zones(site_id)}
    rows, problems = read_rules(body.csv, desk.gates.formats(site_id), zones)
    if problems:
        return error_response(
            422,
            "invalid_input",
            f"{len(problems)} bad row(s); nothing was stored",
            problems=[RowProblemOut(line=p.line, problem=p.problem).model_dump() for p in problems],
        )
    entries: list[ListEntry] = []
    permits: list[Permit] = []
    for row in rows:
        rule = _imported_rule(context, site_id, row, operator.username)
        if isinstance(rule, ListEntry):
            entries.append(rule)
        else:
            permits.append(rule)
    context.store.parking_config.add_rules(entries, permits)
    targets = [e.entry_id for e in entries] + [p.permit_id for p in permits]
    audit_rule_change(
        context, request, operator, "parking.vehicle_rules.import", site_id, targets, body.reason
    )
    return RulesImportOut(stored=len(targets), list_entries=len(entries), permits=len(permits))


def _imported_rule(context: AppContext, site_id: str, row: RuleRow, username: str) -> Rule:
    subject = context.vault.subject_for(site_id, "plate", "vehicle", row.plate.compact)
    edit = VehicleRuleEdit.model_validate(
        {
            "reason": row.reason or "imported",
            "type": row.rule_type,
            "zone_id": row.zone_id,
            "permit_kind": row.permit_kind,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
        }
    )
    return new_rule(site_id, subject, edit, username)


@router.get(
    "/parking/sites/{site_id}/vehicle-rules/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_vehicle_rules(
    site_id: str,
    purpose: Purpose,
    request: Request,
    operator: ParkingManager,
    context: Context,
    site: SiteInScope,
    desk: AppGateDesk,
) -> Response:
    """Every rule with its plate in full, as CSV; needs personal:read too, and is audited."""
    if not operator.may(Permission.PERSONAL_READ):
        raise PermissionDenied("exporting plates in full needs personal:read")
    formats = desk.gates.formats(site_id)
    rows: list[ExportRow] = []
    opened: list[str] = []
    for rule in site_rules(context, site_id):
        value = context.vault.subject_value(site_id, rule.subject_id)
        if value is None:
            continue  # erased: nothing left to export
        opened.append(rule.subject_id)
        match = match_plate(value, formats)
        rows.append(
            ExportRow(
                rule.list_name if isinstance(rule, ListEntry) else "permit",
                value if match is None else match.display,
                rule.zone_id,
                None if isinstance(rule, ListEntry) else rule.kind,
                rule.reason if isinstance(rule, ListEntry) else None,
                rule.valid_from,
                rule.valid_until,
            )
        )
    record_audit(
        context, request, operator, "parking.vehicle_rules.export", site_id, opened, purpose
    )
    return Response(
        write_rules(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vehicle-rules-{site_id}.csv"'},
    )
