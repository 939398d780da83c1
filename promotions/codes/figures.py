"""Staff figures for promotions: money given away, code counts, and the codes' CSV export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from promotions.codes.models import PromoCode, Promotion, Redemption


def promotion_list_with_figures() -> QuerySet[Promotion]:
    """Promotions with their code count and the money given away by unreleased redemptions."""
    live = Redemption.objects.filter(promotion=OuterRef("pk"), released_at__isnull=True).order_by()
    money = DecimalField(max_digits=14, decimal_places=2)
    given = (
        live.values("promotion")
        .annotate(
            total=Sum(
                F("discount_amount") + F("shipping_amount") + F("gift_value"), output_field=money
            )
        )
        .values("total")
    )
    codes = PromoCode.objects.filter(promotion=OuterRef("pk")).order_by().values("promotion")
    return Promotion.objects.annotate(
        given_away=Coalesce(
            Subquery(given, output_field=money), Value(Decimal("0.00")), output_field=money
        ),
        code_count=Coalesce(
            Subquery(codes.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0
        ),
    )


def promotion_given_away(*, promotion: Promotion) -> dict[str, Decimal]:
    """Money given away by a promotion's unreleased redemptions, by kind, and in total."""
    totals = Redemption.objects.filter(promotion=promotion, released_at__isnull=True).aggregate(
        discount=Sum("discount_amount"), shipping=Sum("shipping_amount"), gifts=Sum("gift_value")
    )
    out = {key: value or Decimal("0.00") for key, value in totals.items()}
    out["total"] = out["discount"] + out["shipping"] + out["gifts"]
    return out


CSV_HEADER = [
    "code",
    "promotion",
    "public",
    "max_uses",
    "uses",
    "remaining",
    "batch",
    "created_at",
    "last_used_at",
]


def promo_code_export_rows(
    *,
    promotions: Sequence[int] | None = None,
    codes: Sequence[int] | None = None,
    batch: int | None = None,
) -> Iterator[list[str]]:
    """CSV rows (header first) of codes and their use, streamed in chunks of 2,000."""
    queryset = PromoCode.objects.all()
    if promotions is not None:
        queryset = queryset.filter(promotion_id__in=promotions)
    if codes is not None:
        queryset = queryset.filter(pk__in=codes)
    if batch is not None:
        queryset = queryset.filter(batch_id=batch)
    last_used = (
        Redemption.objects.filter(code=OuterRef("pk"), released_at__isnull=True)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    rows = (
        queryset.annotate(last_used_at=Subquery(last_used))
        .order_by("promotion_id", "pk")
        .values_list(
            "code",
            "promotion__name",
            "public",
            "max_uses",
            "uses",
            "batch_id",
            "created_at",
            "last_used_at",
        )
    )
    yield CSV_HEADER
    for code, name, public, max_uses, uses, batch_id, created_at, last_used_at in rows.iterator(
        chunk_size=2000
    ):
        yield [
            code,
            _csv_safe(name),
            "yes" if public else "no",
            "" if max_uses is None else str(max_uses),
            str(uses),
            "" if max_uses is None else str(max(max_uses - uses, 0)),
            "" if batch_id is None else str(batch_id),
            created_at.isoformat(),
            "" if last_used_at is None else last_used_at.isoformat(),
        ]


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection through a name)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
