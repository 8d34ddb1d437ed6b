"""Garage reports: occupancy and revenue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from sitewarden.api.authentication import ParkingReader
from sitewarden.api.context import Context
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.api.parking_schemas import GarageOccupancyOut, OccupancyPointOut, RevenueDayOut
from sitewarden.parking import reports

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.get("/parking/sites/{site_id}/occupancy", response_model=list[GarageOccupancyOut])
def occupancy_now(
    site_id: str, operator: ParkingReader, context: Context, site: SiteInScope
) -> list[GarageOccupancyOut]:
    return [
        GarageOccupancyOut(
            zone_id=g.zone_id, name=g.name, capacity=g.capacity, occupied=g.occupied, lanes=g.lanes
        )
        for g in reports.occupancy_now(context.store.parking_data(), site_id)
    ]


@router.get(
    "/parking/sites/{site_id}/garages/{zone_id}/occupancy",
    response_model=list[OccupancyPointOut],
)
def occupancy_over_time(
    site_id: str,
    zone_id: str,
    since: datetime,
    until: datetime,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    step_minutes: Annotated[int, Query(ge=5, le=1440)] = 60,
) -> list[OccupancyPointOut]:
    points = reports.occupancy_series(
        context.store.parking_data(),
        site_id,
        zone_id,
        since,
        until,
        timedelta(minutes=step_minutes),
    )
    return [OccupancyPointOut(at=p.at, occupied=p.occupied) for p in points]


@router.get("/parking/sites/{site_id}/revenue", response_model=list[RevenueDayOut])
def revenue(
    site_id: str,
    since: datetime,
    until: datetime,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
) -> list[RevenueDayOut]:
    """Payments per calendar day in the site's timezone."""
    days = reports.revenue_by_day(
        context.store.parking_data(), site_id, site.timezone, since, until
    )
    return [
        RevenueDayOut(
            day=d.day, currency=d.currency, amount_minor=d.amount_minor, payments=d.payments
        )
        for d in days
    ]
