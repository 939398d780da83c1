"""Sales figures over a period, aggregated in the database: totals, days, kits, customers.

Which orders count: every order created in the period in the shop's currency except cancelled
ones. Refunded orders (status `refunded`, and the refunds of paid orders) still count as
orders and revenue (the sales as made, as the API contract defines revenue); what was given
back is reported beside it as `refunded`, and `net_revenue` is revenue minus it. Placed orders
whose payment is not yet captured count too: they are orders the shop has to fulfil.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.analytics.period import Period
from shop.checkout.models import Order, OrderLine

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
COUNTED_STATUSES = (
    Order.Status.PLACED,
    Order.Status.PAID,
    Order.Status.REFUNDED,
)


def money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value.quantize(CENT, ROUND_HALF_UP)


def average(total: Decimal | None, count: int) -> Decimal:
    """Total over count to the cent (half up); 0.00 for no orders."""
    return money(Decimal(total or 0) / count) if count else ZERO


def counted_orders() -> QuerySet[Order]:
    """Orders the figures count, in any period (see the module's docstring)."""
    return Order.objects.filter(status__in=COUNTED_STATUSES, currency=settings.SHOP_CURRENCY)


def orders_in(period: Period) -> QuerySet[Order]:
    return counted_orders().filter(created_at__gte=period.start, created_at__lt=period.end)


def through_order(period: Period) -> Q:
    """The same orders seen from a row that points at one (a line, an adjustment): a join,
    not an IN over a second scan of the orders."""
    return Q(
        order__status__in=COUNTED_STATUSES,
        order__currency=settings.SHOP_CURRENCY,
        order__created_at__gte=period.start,
        order__created_at__lt=period.end,
    )


def _totals(days: list[dict[str, Any]]) -> dict[str, Any]:
    """A period's figures: the sums of its days' database aggregates (exact decimals)."""
    orders = sum(day["orders"] for day in days)
    revenue, discount, shipping, refunded = (
        money(sum((day[key] for day in days), Decimal(0)))
        for key in ("revenue", "discount_total", "shipping_total", "refunded")
    )
    return {
        "orders": orders,
        "revenue": revenue,
        "discount_total": discount,
        "shipping_total": shipping,
        "refunded": refunded,
        "net_revenue": revenue - refunded,
        "average_order_value": average(revenue, orders),
    }


def _day_rows(period: Period, found: dict[date, dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for each in period.day_list():
        row = found.get(each, {})
        rows.append(
            {
                "date": each,
                "orders": row.get("orders", 0),
                "revenue": money(row.get("revenue")),
                "discount_total": money(row.get("discount")),
                "shipping_total": money(row.get("shipping")),
                "refunded": money(row.get("refunded")),
            }
        )
    return rows


def sales_by_day(*, period: Period) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per day of the period and of the previous one of equal length (days without orders
    too): orders, revenue, discounts, shipping and refunds, grouped in the database by the
    day in the shop's time zone, in one query over both periods."""
    previous = period.previous()
    day = TruncDate("created_at", tzinfo=timezone.get_default_timezone())
    rows = (
        counted_orders()
        .filter(created_at__gte=previous.start, created_at__lt=period.end)
        .annotate(day=day)
        .values("day")
        .annotate(
            orders=Count("id"),
            revenue=Sum("total_amount"),
            discount=Sum("discount_amount"),
            shipping=Sum("shipping_amount"),
            refunded=Sum("refunded_amount"),
        )
        .order_by("day")
    )
    found: dict[date, dict[str, Any]] = {row["day"]: dict(row) for row in rows}
    return _day_rows(period, found), _day_rows(previous, found)


def sales_totals(*, period: Period) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """(the period's days, its totals, the previous period's totals): orders, revenue,
    discounts, shipping, refunds and the average order."""
    days, days_before = sales_by_day(period=period)
    return days, _totals(days), _totals(days_before)


def bundle_units(*, period: Period) -> list[dict[str, Any]]:
    """Kits and routines sold: units, orders holding them and their lines' revenue (the name
    as last charged, since a kit may be renamed)."""
    rows = (
        OrderLine.objects.filter(through_order(period), kind__in=("kit", "routine"))
        .values("kind", "ref")
        .annotate(
            name=Max("name"),
            units=Sum("quantity"),
            orders=Count("order_id", distinct=True),
            revenue=Sum("total_amount"),
        )
        .order_by("-units", "kind", "ref")
    )
    return [
        {
            "kind": row["kind"],
            "ref": row["ref"],
            "name": row["name"],
            "units": row["units"] or 0,
            "orders": row["orders"],
            "revenue": money(row["revenue"]),
        }
        for row in rows
    ]


def customers_new_returning(*, period: Period) -> dict[str, dict[str, Any]]:
    """Customers (by normalised email, `Order.customer_email`) who ordered in the period, split
    into returning (a counted order before the period) and new (their first counted order is
    in the period, however many they placed in it), with their orders and revenue."""
    earlier = counted_orders().filter(
        customer_email=OuterRef("customer_email"), created_at__lt=period.start
    )
    rows = (
        orders_in(period)
        .annotate(returning=Exists(earlier))
        .values("returning")
        .annotate(
            customers=Count("customer_email", distinct=True),
            orders=Count("id"),
            revenue=Sum("total_amount"),
        )
        .order_by("returning")
    )
    out = {group: {"customers": 0, "orders": 0, "revenue": ZERO} for group in ("new", "returning")}
    for row in rows:
        out["returning" if row["returning"] else "new"] = {
            "customers": row["customers"],
            "orders": row["orders"],
            "revenue": money(row["revenue"]),
        }
    return out
