"""Stock adjustments (delivery, count, damage, other): each one kept, applied without a lost update.

Checkout takes units with a conditional `UPDATE ... SET stock = stock - n WHERE stock >= n`
(`shop.checkout.stock`); an adjustment writes the same way, so the two never overwrite each
other. A delivery adds, damage removes (refused if fewer are left than it removes), "other"
adds or removes with a note saying why, and a count sets the number counted on the shelf: it
locks the row and records the difference as its delta.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q

from config.errors import InvalidInput
from shop.catalog.models import Product

MAX_ADJUSTMENT = 1_000_000


class StockAdjustment(models.Model):
    """One change to a product's stock made by staff: why, by whom, when, and what it left."""

    class Reason(models.TextChoices):
        DELIVERY = "delivery", "delivery (adds)"
        COUNT = "count", "count (sets the stock to the number counted)"
        DAMAGE = "damage", "damage (removes)"
        OTHER = "other", "other (adds or removes; say why in the note)"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="adjustments")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    delta = models.IntegerField(help_text="Units added (positive) or removed (negative).")
    stock_after = models.IntegerField("resulting stock")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stock_after__gte=0), name="stock_adjustment_after_gte_0"
            ),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(note=""), name="stock_adjustment_other_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.delta:+d} → {self.stock_after}"


class StockAdjustmentRefused(InvalidInput):
    code = "stock_adjustment_invalid"


def _refuse(field: str, message: str) -> StockAdjustmentRefused:
    return StockAdjustmentRefused(message, errors={field: [message]})


def _check(reason: str, quantity: int, note: str) -> int | None:
    """The delta `quantity` means for `reason` (None for a count, which sets the stock)."""
    if reason not in StockAdjustment.Reason.values:
        raise _refuse("reason", "Choose delivery, count, damage or other.")
    if abs(quantity) > MAX_ADJUSTMENT:
        raise _refuse("quantity", f"At most {MAX_ADJUSTMENT:,} units at once.")
    if reason == StockAdjustment.Reason.OTHER:
        if not note.strip():
            raise _refuse("note", "Say why in the note: it is kept in the history.")
        if quantity == 0:
            raise _refuse("quantity", "Enter the units to add (e.g. 5) or remove (e.g. -5).")
        return quantity
    if reason == StockAdjustment.Reason.COUNT:
        if quantity < 0:
            raise _refuse("quantity", "A count is the number on the shelf: 0 or more.")
        return None
    if quantity <= 0:
        raise _refuse("quantity", "Enter how many units, 1 or more.")
    return quantity if reason == StockAdjustment.Reason.DELIVERY else -quantity


def stock_count_check(quantity: int) -> None:
    """Refuse a count `stock_adjust` would refuse (StockAdjustmentRefused), before any write."""
    _check(StockAdjustment.Reason.COUNT, quantity, "")


def stock_counts_record(
    counts: Mapping[int, tuple[int, int]], *, note: str = "", user: Any = None
) -> None:
    """Record counts a bulk writer applied itself (product id -> (stock before, number
    counted)), as `stock_adjust` records one: in the writer's transaction, with the products'
    rows locked from reading "before" to the commit. One INSERT."""
    who = user if user is not None and user.is_authenticated else None
    StockAdjustment.objects.bulk_create(
        StockAdjustment(
            product_id=pk,
            reason=StockAdjustment.Reason.COUNT,
            note=note.strip(),
            delta=counted - before,
            stock_after=counted,
            user=who,
        )
        for pk, (before, counted) in counts.items()
    )


@transaction.atomic
def stock_adjust(
    *, product_id: int, reason: str, quantity: int, note: str = "", user: Any = None
) -> StockAdjustment:
    """Apply one adjustment and record it; refuses one that would leave the stock below zero.

    `quantity` is the units delivered or damaged, the signed change for "other", or the number
    counted for "count".
    """
    delta = _check(reason, quantity, note)
    rows = Product.objects.filter(pk=product_id)
    if delta is None:  # a count: the difference from the locked row is the delta
        current = rows.select_for_update().values_list("stock", flat=True).first()
        if current is None:
            raise _refuse("product", "This product no longer exists.")
        rows.update(stock=quantity)
        delta = quantity - current
    else:
        guard = rows.filter(stock__gte=-delta) if delta < 0 else rows
        if not guard.update(stock=F("stock") + delta):
            left = rows.values_list("stock", flat=True).first()
            if left is None:
                raise _refuse("product", "This product no longer exists.")
            raise _refuse(
                "quantity", f"Only {left} in stock: cannot remove {-delta}. Count it instead?"
            )
    # Our UPDATE holds the row's lock until commit, so this reads what it left.
    after = rows.values_list("stock", flat=True).get()
    return StockAdjustment.objects.create(
        product_id=product_id,
        reason=reason,
        note=note.strip(),
        delta=delta,
        stock_after=after,
        user=user if user is not None and user.is_authenticated else None,
    )
