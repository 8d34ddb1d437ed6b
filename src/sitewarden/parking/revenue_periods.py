"""Revenue per week or month, summed from the days :func:`reports.revenue_by_day` gives.

A week starts on Monday, a month on its first day, both in the site's timezone (the days
are already local), so a period's figure is exactly the sum of its days'.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from babel.numbers import get_currency_precision

from sitewarden.parking.reports import DayRevenue

Period = Literal["day", "week", "month"]


@dataclass(frozen=True, slots=True)
class PeriodRevenue:
    start: date  # the period's first local day
    currency: str
    amount_minor: int
    payments: int


def period_start(day: date, period: Period) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def revenue_by_period(days: Sequence[DayRevenue], period: Period) -> list[PeriodRevenue]:
    totals: dict[tuple[date, str], list[int]] = {}
    for day in days:
        total = totals.setdefault((period_start(day.day, period), day.currency), [0, 0])
        total[0] += day.amount_minor
        total[1] += day.payments
    return [
        PeriodRevenue(start, currency, amount, payments)
        for (start, currency), (amount, payments) in sorted(totals.items())
    ]


def major_amount(amount_minor: int, currency: str) -> str:
    """Minor units as the major amount, with the currency's own digits (CLDR, as the
    console's Intl has them): 1234 CNY is "12.34", 500 JPY "500", 12345 KWD "12.345"."""
    return str(Decimal(amount_minor).scaleb(-get_currency_precision(currency)))


def revenue_csv(rows: Sequence[PeriodRevenue], period: Period) -> str:
    """Amounts in minor units (fen, cents, yen), as the API gives them, and in major units."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((period + "_start", "currency", "amount_minor", "amount", "payments"))
    for row in rows:
        major = major_amount(row.amount_minor, row.currency)
        writer.writerow(
            (row.start.isoformat(), row.currency, row.amount_minor, major, row.payments)
        )
    return out.getvalue()
