"""The dashboard's tables: each a title, columns and rows of cells, every figure linked to the
admin list of the records behind it. The page renders them, the CSV downloads write them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from shop.analytics.period import Period
from shop.analytics.report import Report
from shop.analytics.sales import COUNTED_STATUSES
from shop.templatetags.money import money

Value = int | Decimal | str | None


@dataclass(frozen=True)
class Cell:
    value: Value
    link: str = ""

    @property
    def numeric(self) -> bool:
        return isinstance(self.value, int | Decimal)

    @property
    def text(self) -> str:
        """As the page shows it: money as "$1,234.50" (every Decimal here is money)."""
        if isinstance(self.value, Decimal):
            return money(self.value)
        return "" if self.value is None else str(self.value)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


COUNTED = ",".join(COUNTED_STATUSES)


def _admin_list(name: str, **params: Any) -> str:
    return f"{reverse(f'admin:{name}_changelist')}?{urlencode(params)}"


def orders_link(period: Period, **params: Any) -> str:
    """The Order admin list of the counted orders of a period (plus `params`)."""
    return _admin_list(
        "shop_order",
        created_at__gte=period.start.isoformat(),
        created_at__lt=period.end.isoformat(),
        status__in=COUNTED,
        **params,
    )


def _change(now: Decimal | int, before: Decimal | int) -> str:
    if not before:
        return "" if not now else "new"
    percent = (Decimal(now) - Decimal(before)) * 100 / Decimal(before)
    return f"{percent:+.1f}%"


SUMMARY_FIGURES = [
    ("orders", "Orders"),
    ("revenue", "Revenue"),
    ("average_order_value", "Average order value"),
    ("discount_total", "Discount given"),
    ("shipping_total", "Shipping charged"),
    ("refunded", "Refunded"),
    ("net_revenue", "Revenue after refunds"),
]


def summary_table(report: Report) -> Table:
    now_link, before_link = orders_link(report.period), orders_link(report.previous)
    rows = [
        [
            Cell(label),
            Cell(report.totals[key], now_link),
            Cell(report.totals_before[key], before_link),
            Cell(_change(report.totals[key], report.totals_before[key])),
        ]
        for key, label in SUMMARY_FIGURES
    ]
    return Table(
        "summary",
        "Sales, this period and the one before",
        ["Figure", "This period", "Previous period", "Change"],
        rows,
        f"Previous period: {report.previous.first} to {report.previous.last}.",
    )


def days_table(report: Report) -> Table:
    rows = []
    for row in report.by_day:
        day = Period(row["date"], row["date"])
        link = orders_link(day)
        rows.append(
            [
                Cell(row["date"].isoformat()),
                Cell(row["orders"], link),
                Cell(row["revenue"], link),
                Cell(row["discount_total"], link),
            ]
        )
    return Table("days", "Sales by day", ["Date", "Orders", "Revenue", "Discount given"], rows)


def customers_table(report: Report) -> Table:
    rows = []
    for group, label in (("new", "New customers"), ("returning", "Returning customers")):
        link = orders_link(report.period, customer=f"{group}:{report.period.first}")
        figures = report.customers[group]
        rows.append(
            [
                Cell(label),
                Cell(figures["customers"], link),
                Cell(figures["orders"], link),
                Cell(figures["revenue"], link),
            ]
        )
    return Table(
        "customers",
        "New and returning customers",
        ["Customers", "People", "Orders", "Revenue"],
        rows,
        "Returning: ordered before this period (same normalised email).",
    )


def bundles_table(report: Report) -> Table:
    rows = []
    for row in report.bundles:
        link = orders_link(report.period, line=f"{row['kind']}:{row['ref']}")
        rows.append(
            [
                Cell(row["kind"]),
                Cell(row["name"]),
                Cell(row["units"], link),
                Cell(row["orders"], link),
                Cell(row["revenue"], link),
            ]
        )
    return Table(
        "bundles",
        "Units per kit and routine",
        ["Kind", "Name", "Units", "Orders", "Line revenue"],
        rows,
    )


def _campaign_cells(row: dict[str, Any], link: str) -> list[Cell]:
    left = row["redemptions_left"]
    return [
        Cell(row["orders"], link),
        Cell(row["discount_total"], link),
        Cell(row["revenue"], link),
        Cell(row["average_order_value"], link),
        Cell(row["average_order_value_without"]),
        Cell("no limit" if left is None else left),
    ]


CAMPAIGN_COLUMNS = [
    "Orders",
    "Discount given",
    "Revenue",
    "Average order with it",
    "Average order without it",
    "Redemptions left",
]


def codes_table(report: Report) -> Table:
    rows = [
        [
            Cell(row["code"]),
            *_campaign_cells(row, orders_link(report.period, applied=f"code:{row['code']}")),
        ]
        for row in report.codes
    ]
    return Table("codes", "Promo codes", ["Code", *CAMPAIGN_COLUMNS], rows)


def offers_table(report: Report) -> Table:
    rows = [
        [
            Cell(row["name"]),
            *_campaign_cells(row, orders_link(report.period, applied=f"offer:{row['promotion']}")),
        ]
        for row in report.offers
    ]
    return Table("offers", "Automatic offers", ["Offer", *CAMPAIGN_COLUMNS], rows)


def giveaways_table(report: Report) -> Table:
    rows = []
    for row in report.giveaways:

        def entries(giveaway: int = row["id"], **params: Any) -> str:
            return _admin_list("promotions_entry", giveaway__id__exact=giveaway, **params)

        rows.append(
            [
                Cell(row["title"]),
                Cell(row["entries"], entries()),
                Cell(row["confirmed"], entries(confirmed_at__isnull="False")),
                Cell(row["held"], entries(status__exact="held")),
                Cell(row["winners"], entries(status__exact="winner")),
                Cell(row["claimed"], entries(claim__exact="claimed")),
                Cell(
                    row["ordered_within_30_days"],
                    _admin_list("shop_order", entrants=row["id"], status__in=COUNTED),
                ),
            ]
        )
    return Table(
        "giveaways",
        "Giveaways open in this period",
        [
            "Giveaway",
            "Entries",
            "Confirmed",
            "Held as spam",
            "Winners",
            "Claimed",
            "Ordered within 30 days",
        ],
        rows,
        "Whole giveaways, from first entry to last claim; ordered: a counted order within 30 "
        "days of entering, by the same normalised email.",
    )


def reminders_table(report: Report) -> Table:
    period = report.period
    rows = []
    for row in report.reminders:
        sent = _admin_list(
            "promotions_reminder",
            kind__exact=row["kind"],
            state__exact="sent",
            handed_at__gte=period.start.isoformat(),
            handed_at__lt=period.end.isoformat(),
        )
        gone = _admin_list(
            "promotions_subscription",
            kind__exact=row["kind"],
            unsubscribed_at__gte=period.start.isoformat(),
            unsubscribed_at__lt=period.end.isoformat(),
        )
        rows.append(
            [
                Cell(row["label"]),
                Cell(row["sent"], sent),
                Cell(row["unsubscribes"], gone),
                Cell(
                    row["orders_within_7_days"],
                    _admin_list(
                        "shop_order",
                        reminded=f"{row['kind']}:{period.first}:{period.last}",
                        status__in=COUNTED,
                    ),
                ),
            ]
        )
    return Table(
        "reminders",
        "Reminders",
        ["Reminder", "Sent", "Unsubscribes", "Orders within 7 days"],
        rows,
        "Orders within 7 days: counted orders by the same person in the 7 days after a "
        "reminder of that kind was sent in this period.",
    )


def report_tables(report: Report) -> dict[str, Table]:
    tables = [
        summary_table(report),
        days_table(report),
        customers_table(report),
        bundles_table(report),
        codes_table(report),
        offers_table(report),
        giveaways_table(report),
        reminders_table(report),
    ]
    return {table.name: table for table in tables}
