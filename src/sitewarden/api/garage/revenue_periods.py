"""Revenue per day, week or month (the site's calendar), as JSON for the revenue page's
chart and table and as CSV to download; both from the same sums."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Response
from pydantic import BaseModel

from sitewarden.api.authentication import ParkingReader
from sitewarden.api.context import AppContext, Context
from sitewarden.api.operator_scope import SiteInScope
from sitewarden.errors import InvalidInput
from sitewarden.parking import reports
from sitewarden.parking.revenue_periods import (
    Period,
    PeriodRevenue,
    revenue_by_period,
    revenue_csv,
)
from sitewarden.registry.records import Site

router = APIRouter(prefix="/api/v1", tags=["parking"])
MAX_DAYS = 400  # a year of months, with room


class PeriodRevenueOut(BaseModel):
    start: str
    currency: str
    amount_minor: int
    payments: int


def _periods(
    context: AppContext, site: Site, since: datetime, until: datetime, period: Period
) -> list[PeriodRevenue]:
    """The days in chunks the day report allows, so a year of months is one request."""
    if since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("since and until need a timezone offset, e.g. 2026-11-22T00:00:00Z")
    if until - since > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"revenue at most {MAX_DAYS} days at a time")
    chunk = timedelta(days=reports.MAX_REPORT_DAYS)
    days: list[reports.DayRevenue] = []
    start = since
    while True:
        end = min(start + chunk, until)
        days += reports.revenue_by_day(
            context.store.parking_data(), site.site_id, site.timezone, start, end
        )
        if end >= until:
            return revenue_by_period(days, period)
        start = end


@router.get("/parking/sites/{site_id}/revenue/periods", response_model=list[PeriodRevenueOut])
def revenue_periods(
    site_id: str,
    since: datetime,
    until: datetime,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    period: Period = "day",
) -> list[PeriodRevenueOut]:
    """Payments per day, week (from Monday) or month, in the site's timezone."""
    return [
        PeriodRevenueOut(
            start=p.start.isoformat(),
            currency=p.currency,
            amount_minor=p.amount_minor,
            payments=p.payments,
        )
        for p in _periods(context, site, since, until, period)
    ]


@router.get(
    "/parking/sites/{site_id}/revenue/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def revenue_export(
    site_id: str,
    since: datetime,
    until: datetime,
    operator: ParkingReader,
    context: Context,
    site: SiteInScope,
    period: Period = "day",
) -> Response:
    rows = _periods(context, site, since, until, period)
    return Response(
        revenue_csv(rows, period),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="revenue-{site_id}-{period}.csv"'},
    )
