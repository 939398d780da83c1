"""The report as JSON-ready data (money as strings with two decimals, dates as YYYY-MM-DD)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shop.analytics.period import Period
from shop.analytics.report import Report


def plain(value: Any) -> Any:
    """Decimals as "12.30", dates as ISO strings, containers walked."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _range(period: Period) -> dict[str, str]:
    return {"from": period.first.isoformat(), "to": period.last.isoformat()}


def report_data(report: Report) -> dict[str, Any]:
    """The API's answer: the contract's members first, then the extensions."""
    data: dict[str, Any] = plain(
        {
            **_range(report.period),
            "currency": report.currency,
            **report.totals,
            "by_day": report.by_day,
            "codes": report.codes,
            "offers": report.offers,
            "giveaways": report.giveaways,
            "previous": {**_range(report.previous), **report.totals_before},
            "customers": report.customers,
            "bundles": report.bundles,
            "reminders": report.reminders,
        }
    )
    return data
