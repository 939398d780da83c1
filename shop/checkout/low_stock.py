"""Low stock: products under the threshold with their days of cover from the last 30 days' sales.

Sales are the units orders took from stock (`OrderLineComponent.reserved`, gifts included: they
leave the shelf too) in orders created in the window that kept them: placed, paid or refunded
(a refund does not restock); not cancelled (restocked) nor pending (not yet sold). Days of
cover = stock / (units sold / 30), the days the stock lasts at that pace; none without sales.
`LowStockProduct` is a proxy of Product for its own admin list; this module lives with checkout
because the catalog may not read orders (.importlinter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from shop.catalog.models import Product
from shop.checkout.models import Order, OrderLineComponent

WINDOW_DAYS = 30
SOLD_STATUSES = (Order.Status.PLACED, Order.Status.PAID, Order.Status.REFUNDED)
TENTH = Decimal("0.1")


class LowStockProduct(Product):
    """A product seen by the low-stock list (no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "low-stock product"
        verbose_name_plural = "low stock"


def threshold() -> int:
    return int(settings.SHOP_LOW_STOCK_THRESHOLD)


def with_cover(products: QuerySet[Product], *, now: datetime | None = None) -> QuerySet[Product]:
    """`products` annotated with `sold_30d` (units) and `cover_days` (float, None without
    sales; 0 when out of stock), in one query with a correlated subquery."""
    since = (now or timezone.now()) - timedelta(days=WINDOW_DAYS)
    sold = (
        OrderLineComponent.objects.filter(
            product=OuterRef("pk"),
            line__order__created_at__gte=since,
            line__order__status__in=SOLD_STATUSES,
        )
        .values("product")
        .annotate(units=Sum("reserved"))
        .values("units")
    )
    return products.annotate(
        sold_30d=Coalesce(Subquery(sold, output_field=IntegerField()), Value(0))
    ).annotate(
        cover_days=Case(
            When(stock__lte=0, then=Value(0.0)),
            When(
                sold_30d__gt=0,
                then=Cast(F("stock"), FloatField())
                * WINDOW_DAYS
                / Cast(F("sold_30d"), FloatField()),
            ),
            default=None,
            output_field=FloatField(),
        )
    )


def low_stock(
    products: QuerySet[Product] | None = None, *, now: datetime | None = None
) -> QuerySet[Product]:
    """Products under the threshold, fewest days of cover first (those without sales last)."""
    base = Product.objects.all() if products is None else products
    return with_cover(base.filter(stock__lt=threshold()), now=now).order_by(
        F("cover_days").asc(nulls_last=True), "stock", "name", "pk"
    )


@dataclass(frozen=True, slots=True)
class Cover:
    """A product's figures as the list shows them: exact, from the integers."""

    sold_30d: int
    per_day: Decimal
    days: Decimal | None


def cover(*, stock: int, sold_30d: int) -> Cover:
    """Units sold per day (to the hundredth, halves up) and days of cover rounded down to a
    tenth: the stock lasts at least that long at the last 30 days' pace."""
    per_day = (Decimal(sold_30d) / WINDOW_DAYS).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if stock <= 0:
        return Cover(sold_30d, per_day, Decimal("0.0"))
    if sold_30d <= 0:
        return Cover(sold_30d, per_day, None)
    days = (Decimal(stock) * WINDOW_DAYS / sold_30d).quantize(TENTH, rounding=ROUND_DOWN)
    return Cover(sold_30d, per_day, days)
