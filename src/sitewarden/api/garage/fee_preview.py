"""The fee a stay would cost at a garage, worked out by the very code the exit gate runs
(:func:`sitewarden.parking.tariffs.fee_breakdown`, which ``parking_fee`` sums), so the
tariffs page's preview and the gate cannot differ."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from sitewarden.api.authentication import ParkingReader
from sitewarden.api.context import Context
from sitewarden.api.garage.vehicle_rule_schemas import FeeDayOut, FeePreviewOut
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.errors import InvalidInput, NotFound
from sitewarden.parking.tariffs import fee_breakdown
from sitewarden.validity import check_window

router = APIRouter(prefix="/api/v1", tags=["parking"])
MAX_STAY_DAYS = 62


@router.get("/parking/sites/{site_id}/garages/{zone_id}/fee-preview", response_model=FeePreviewOut)
def preview_fee(
    site_id: str,
    zone_id: str,
    entry_at: datetime,
    exit_at: datetime,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
) -> FeePreviewOut:
    """What a car entering at ``entry_at`` and paying at ``exit_at`` owes under the
    garage's saved tariff, day by local day (night slots, daily caps, a DST change)."""
    check_window(entry_at, exit_at, ("entry_at", "exit_at"))
    if (exit_at - entry_at).days > MAX_STAY_DAYS:
        raise InvalidInput(f"preview stays of at most {MAX_STAY_DAYS} days")
    stored = context.store.parking_config.get_tariff(site_id, zone_id)
    if stored is None:
        raise NotFound(f"garage {zone_id!r} has no tariff (parking there is free)")
    fee = fee_breakdown(stored.tariff, entry_at, exit_at, site.timezone)
    return FeePreviewOut(
        currency=stored.tariff.currency,
        entry_at=entry_at,
        exit_at=exit_at,
        timezone=site.timezone,
        fee_minor=fee.total_minor,
        elapsed_minutes=int(fee.elapsed.total_seconds() // 60),
        within_free_minutes=fee.within_free_minutes,
        clock_change_minutes=int(fee.clock_change.total_seconds() // 60),
        days=[
            FeeDayOut(
                day=d.day,
                slots=d.slots,
                night_slots=d.night_slots,
                before_cap_minor=d.before_cap_minor,
                charged_minor=d.charged_minor,
                capped=d.capped,
            )
            for d in fee.days
        ],
    )
