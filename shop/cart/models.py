"""Server-side carts: what a shopper intends to buy, kept as quote items, never as prices.

A cart line is a quote item (a product, a kit, or a routine with its selected products) with a
quantity; every figure shown for a cart comes from pricing it again with the quote service.
The only money stored here is `seen_price_amount`, the price per unit the shopper saw when the
line was added (or its quantity last changed), so the cart can flag lines whose price moved.
Imported by shop.models so Django registers the models with the shop app.
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from shop.pricing import MAX_QUANTITY


class Cart(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "open"
        CHECKED_OUT = "checked_out", "checked out"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    promo_code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "shop"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Cart {self.id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CartItem(models.Model):
    """One line: `kind` names what `ref` is (a product, kit or routine slug).

    References are slugs, as in a quote, so a line whose product or kit disappears or stops
    being sold stays in the cart and is flagged instead of vanishing with a cascade.
    """

    class Kind(models.TextChoices):
        PRODUCT = "product", "product"
        KIT = "kit", "kit"
        ROUTINE = "routine", "routine"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    ref = models.CharField(max_length=120)
    selections = models.JSONField(default=list, blank=True)
    quantity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    name = models.CharField(max_length=200, help_text="As shown when added (for flagged lines).")
    seen_price_amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="Price per unit after bundle discounts when added or last changed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "shop"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_QUANTITY),
                name="cart_item_quantity_1_99",
            ),
            models.CheckConstraint(condition=~Q(ref=""), name="cart_item_ref_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"

    def quote_item(self) -> dict[str, object]:
        """The line as the quote API's item shape."""
        item: dict[str, object] = {self.kind: self.ref, "quantity": self.quantity}
        if self.kind == self.Kind.ROUTINE:
            item["selections"] = list(self.selections)
        return item
