"""Orders as charged: lines, component allocations, adjustments, the payment and refunds.

Everything an order says about money was copied from the pricing service's Breakdown at
checkout (also kept whole in `Order.breakdown`) and is never recomputed: a refund of one kit
component uses the unit allocations stored on its OrderLineComponent. Imported by shop.models
so Django registers the models with the shop app.
"""

from __future__ import annotations

import hmac
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django_countries.fields import CountryField

from shop.checkout import addresses

# Ten characters from 31 that cannot be mistaken for one another (no 0/O, 1/I/L): about 2^49
# numbers, so guessing one is hopeless and reading one out over the phone is easy.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ORDER_NUMBER_LENGTH = 10
ACCESS_TOKEN_SALT = "shop.order.access"  # noqa: S105 (an HMAC key salt, not a secret)


def order_number_new() -> str:
    return "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(ORDER_NUMBER_LENGTH))


def access_salt_new() -> str:
    return secrets.token_hex(16)


def order_number_normalise(raw: str) -> str:
    """What a person typed ("wk4d-7p2x 9h") as a stored number ("WK4D7P2X9H")."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())[:40]


class Order(models.Model):
    class Status(models.TextChoices):
        # Stock and promotion uses reserved, the payment being authorized: becomes `placed`
        # within moments, or is released and deleted (shop/checkout/reservation.py).
        PENDING = "pending", "pending payment"
        PLACED = "placed", "placed"
        PAID = "paid", "paid"
        CANCELLED = "cancelled", "cancelled"
        REFUNDED = "refunded", "refunded"

    number = models.CharField(max_length=ORDER_NUMBER_LENGTH, unique=True, editable=False)
    access_salt = models.CharField(
        max_length=32,
        default=access_salt_new,
        editable=False,
        help_text="Mixed into the guest access token; changing it revokes the old token.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLACED)
    cart = models.OneToOneField(
        "shop.Cart",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order",
        help_text="One order per cart: a second checkout of the cart finds this order.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        help_text="The account signed in at checkout; empty for a guest order.",
    )
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True)
    email = models.EmailField(max_length=254)
    customer_email = models.CharField(
        max_length=254,
        blank=True,
        editable=False,
        help_text="The email normalised (one mailbox is one person): how an account whose "
        "verified address this is finds the guest order.",
    )
    name = models.CharField(max_length=120)
    address_line1 = models.CharField("address", max_length=200)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    region = models.CharField(
        max_length=3,
        blank=True,
        help_text="State, province or nation code where the country has them (US: CA, NY).",
    )
    country = CountryField(help_text="ISO 3166-1 alpha-2 code.")
    phone = models.CharField(max_length=30, blank=True)
    currency = models.CharField(max_length=3)
    subtotal_amount = models.DecimalField(max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    breakdown = models.JSONField(help_text="The pricing service's Breakdown as charged.")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "shop"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gte=0), name="order_total_gte_0"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("total_amount")),
                name="order_refunded_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["email"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["customer_email", "created_at"]),
            # Beat's replenishment sweep: paid orders by payment time, id included, so that
            # finding the unscheduled ones scans only its window (shop/checkout/replenishment.py).
            models.Index(
                fields=["paid_at"],
                include=["id"],
                condition=Q(status="paid"),
                name="order_paid_at_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    @property
    def access_token(self) -> str:
        """The guest's key to this order: an HMAC of the number, never stored in clear."""
        return salted_hmac(
            ACCESS_TOKEN_SALT, f"{self.number}:{self.access_salt}", algorithm="sha256"
        ).hexdigest()[:32]

    def token_matches(self, token: str) -> bool:
        return bool(token) and hmac.compare_digest(self.access_token, token[:64])

    @property
    def refundable_amount(self) -> Decimal:
        return self.total_amount - self.refunded_amount

    @property
    def region_name(self) -> str:
        """The region in full ("Oregon" for US/OR), or as stored where no list names it."""
        return addresses.region_name(str(self.country), self.region)

    @property
    def address_lines(self) -> list[str]:
        return addresses.address_lines(
            name=self.name,
            line1=self.address_line1,
            city=self.city,
            region=self.region,
            postal_code=self.postal_code,
            country=str(self.country),
        )


class OrderLine(models.Model):
    """A priced line as charged; `line_id` is its id in the stored breakdown."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    line_id = models.CharField(max_length=80)
    kind = models.CharField(max_length=8)
    ref = models.CharField(max_length=120)
    name = models.CharField(max_length=200)
    selections = models.JSONField(default=list, blank=True)
    quantity = models.PositiveSmallIntegerField()
    unit_price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    subtotal_amount = models.DecimalField(max_digits=12, decimal_places=2)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    gift = models.BooleanField(default=False)

    class Meta:
        app_label = "shop"
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_line_position_once")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name}"


class OrderLineComponent(models.Model):
    """One product inside a line with its stored share of the line total.

    `unit_allocations` lists each unit's share (strings with two decimals, adding up to
    `allocated_amount`); a refund of `n` units takes the next `n` not yet refunded.
    `reserved` is how many units checkout took from stock (gifts: what was left to give).
    """

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="components")
    product = models.ForeignKey(
        "shop.Product", on_delete=models.PROTECT, related_name="order_components"
    )
    product_slug = models.CharField(max_length=120)
    product_name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    allocated_amount = models.DecimalField(max_digits=12, decimal_places=2)
    unit_allocations = models.JSONField(default=list)
    gift = models.BooleanField(default=False)
    reserved = models.PositiveIntegerField()
    refunded_units = models.PositiveIntegerField(default=0)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))

    class Meta:
        app_label = "shop"
        ordering = ["line", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_units__lte=models.F("quantity")),
                name="order_component_refunded_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=models.F("quantity")),
                name="order_component_reserved_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def refundable_units(self) -> int:
        return self.quantity - self.refunded_units


class OrderAdjustment(models.Model):
    """A discount or waiver as charged. `line` is set for line adjustments (they add up to the
    order's discount); order-level rows are the breakdown's `applied` summary entries."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="adjustments")
    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, null=True, blank=True, related_name="adjustments"
    )
    source = models.CharField(max_length=20)
    rule = models.CharField(max_length=120)
    label = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        app_label = "shop"
        ordering = ["order", "line", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"


class Payment(models.Model):
    class State(models.TextChoices):
        AUTHORIZED = "authorized", "authorized"
        CAPTURED = "captured", "captured"
        VOIDED = "voided", "voided"

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment")
    gateway = models.CharField(max_length=20)
    state = models.CharField(max_length=12, choices=State.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    authorization_ref = models.CharField(max_length=100)
    capture_ref = models.CharField(max_length=100, blank=True)
    refunded_amount = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "shop"

    def __str__(self) -> str:
        return f"{self.gateway} {self.amount} {self.currency} ({self.state})"


class Refund(models.Model):
    """Money given back through the gateway; `component` is set for a component refund."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    component = models.ForeignKey(
        OrderLineComponent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="refunds",
    )
    units = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=200, blank=True)
    gateway_ref = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "shop"
        ordering = ["order", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_gt_0")]

    def __str__(self) -> str:
        return f"Refund {self.amount} on {self.order_id}"
