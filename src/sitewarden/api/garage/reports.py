"""Garage reports: occupancy and revenue."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sitewarden.accounts.accounts import Operator
from sitewarden.api.authentication import requires
from sitewarden.api.context import AppContext, get_context
from sitewarden.api.garage.common import (
    READ,
)
from sitewarden.api.operator_scope import site_in_scope
from sitewarden.api.parking_schemas import (
    GarageOccupancyOut,
    OccupancyPointOut,
    RevenueDayOut,
)
from sitewarden.parking import reports
from sitewarden.registry.records import Site

router = APIRouter(prefix="/api/v1", tags=["parking"])


@router.get("/parking/sites/{site_id}/occupancy", response_model=list[GarageOccupancyOut])
def occupancy_now(
    site_id: str,
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    site: Site = Depends(site_in_scope),
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
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    step_minutes: Annotated[int, Query(ge=5, le=1440)] = 60,
    site: Site = Depends(site_in_scope),
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
    operator: Operator = requires(READ),
    context: AppContext = Depends(get_context),
    site: Site = Depends(site_in_scope),
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
