"""Promotions, their codes and every redemption: the database holds the limits that must hold.

Counters (`Promotion.uses`, `PromoCode.uses`) are kept equal to the number of unreleased
`Redemption` rows by the services in `promotions.services`, which only ever change them
through guarded UPDATEs; check constraints make sure no code path can push them below zero
or past a limit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kits.models import Kit, Routine
from promotions.codes.batches import (
    BATCH_MAX,
    CODE_ALPHABET,
    GENERATED_LENGTH_MAX,
    GENERATED_LENGTH_MIN,
    GENERATED_PREFIX_MAX,
    CodeBatch,
)
from promotions.codes.offer_fields import AUTOMATIC_HAS_NO_CODES, OfferFields, offer_constraints
from shop.catalog.models import Product, Step

CODE_MAX_LENGTH = 64
CODE_MIN_LENGTH = 3
# What a stored code may contain: normalised upper case, so uniqueness is case-insensitive.
CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_-]*\Z"
code_validator = RegexValidator(
    CODE_PATTERN,
    "Use capital letters A-Z, digits, '-' and '_' only, starting with a letter or digit.",
    code="invalid_code",
)


class Promotion(OfferFields):
    """A campaign: what it gives, to what, when, and how often; through codes, or by itself
    (an automatic offer, `promotions.codes.offer_fields`)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "percent off"
        AMOUNT = "amount", "amount off"
        FREE_SHIPPING = "free_shipping", "free shipping"
        GIFT = "gift", "free gift"
        BUY_X_GET_Y = "buy_x_get_y", "buy X get Y"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Percent codes: the percentage (up to 100). Amount codes: the amount off in the "
        "shop currency. Free shipping and gift codes: not used.",
    )
    gift_product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Gift codes: the product given free (one per order).",
    )
    products = models.ManyToManyField(Product, blank=True, related_name="promotions")
    kits = models.ManyToManyField(Kit, blank=True, related_name="promotions")
    routines = models.ManyToManyField(Routine, blank=True, related_name="promotions")
    steps = models.ManyToManyField(Step, blank=True, related_name="promotions")
    applies_to_bundles = models.BooleanField(
        default=True,
        help_text="Whether the code also discounts kit and routine lines. With no products, kits, "
        "routines or steps chosen, the code applies to the whole cart.",
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: from now on.")
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Exclusive: the code stops working at this moment."
    )
    usage_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Total uses across all of its codes. Empty: no limit.",
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Uses per customer (same normalised email, or same account). Empty: no limit.",
    )
    min_subtotal_amount = models.DecimalField(
        "min subtotal",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Merchandise total after kit and routine discounts needed to use the code.",
    )
    combinable = models.BooleanField(
        default=False, help_text="May be used together with other combinable codes."
    )
    active = models.BooleanField(default=True)
    uses = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="promotion_name_not_empty"),
            models.CheckConstraint(
                condition=Q(kind__in=["percent", "amount", "free_shipping", "gift", "buy_x_get_y"]),
                name="promotion_kind_valid",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="promotion_value_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="percent") | Q(value__lte=100),
                name="promotion_percent_lte_100",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["percent", "amount"]) | Q(value__gt=0),
                name="promotion_discount_gt_0",
            ),
            models.CheckConstraint(
                condition=~Q(kind="gift") | Q(gift_product__isnull=False),
                name="promotion_gift_has_product",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="promotion_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gte=1),
                name="promotion_usage_limit_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gte=1),
                name="promotion_per_customer_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal_amount__isnull=True) | Q(min_subtotal_amount__gte=0),
                name="promotion_min_subtotal_gte_0",
            ),
            models.CheckConstraint(condition=Q(uses__gte=0), name="promotion_uses_gte_0"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(uses__lte=F("usage_limit")),
                name="promotion_uses_within_limit",
            ),
            *offer_constraints(),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The rules the constraints hold, as messages next to the field that breaks them."""
        errors = self.offer_errors()
        value = self.value
        if self.kind == self.Kind.PERCENT:
            if value is None or value <= 0:
                errors["value"] = "Give the percentage off: more than 0."
            elif value > 100:
                errors["value"] = "A percentage can be at most 100."
        elif self.kind == self.Kind.AMOUNT and (value is None or value <= 0):
            errors["value"] = "Give the amount off: more than 0.00."
        if self.kind == self.Kind.GIFT and self.gift_product_id is None:
            errors["gift_product"] = "Choose the product a gift code gives."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if self.usage_limit is not None and self.usage_limit < self.uses:
            errors["usage_limit"] = (
                f"This promotion has been used {self.uses} times; the limit can't be lower."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def remaining(self) -> int | None:
        """Uses left before the total limit; None without a limit."""
        return None if self.usage_limit is None else max(self.usage_limit - self.uses, 0)

    def status(self, now: datetime | None = None) -> str:
        """inactive, scheduled, running, ended or used up: what the admin list shows."""
        now = now or timezone.now()
        if not self.active:
            return "inactive"
        if self.starts_at is not None and now < self.starts_at:
            return "scheduled"
        if self.ends_at is not None and now >= self.ends_at:
            return "ended"
        if self.usage_limit is not None and self.uses >= self.usage_limit:
            return "used up"
        return "running"


class PromoCode(models.Model):
    """A code shoppers type. Stored in normalised upper case, so it is unique case-insensitively.

    `public` codes are named by staff to be advertised (PORES15): a shopper is told why one does
    not apply, even when it has expired or run out. Generated and issued codes are private:
    once dead they answer exactly like a code that never existed (see `promotions.guard`).
    """

    code = models.CharField(
        max_length=CODE_MAX_LENGTH,
        unique=True,
        validators=[code_validator],
        help_text="Typed by shoppers in any case; stored in capitals.",
    )
    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="codes")
    max_uses = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Uses of this one code (1: single-use). Empty: only the promotion's limits.",
    )
    uses = models.PositiveIntegerField(default=0, editable=False)
    public = models.BooleanField(
        default=True,
        help_text="Advertised code: shoppers see why it does not apply (expired, used up). "
        "Off for generated and personal codes, which then look like unknown codes once dead.",
    )
    batch = models.ForeignKey(
        CodeBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="codes"
    )
    issued_to = models.CharField(
        max_length=80,
        blank=True,
        editable=False,
        help_text="What a personal code was issued for (e.g. a giveaway entry), at most once.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["promotion", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=CODE_PATTERN), name="promocode_format"),
            models.CheckConstraint(condition=Q(uses__gte=0), name="promocode_uses_gte_0"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="promocode_max_uses_gte_1",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")),
                name="promocode_uses_within_max",
            ),
            models.UniqueConstraint(
                fields=["issued_to"], condition=~Q(issued_to=""), name="promocode_issued_once"
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.max_uses is not None and self.max_uses < self.uses:
            message = f"This code has been used {self.uses} times; the limit can't be lower."
            raise ValidationError({"max_uses": message})
        if self.promotion_id is not None and self.promotion.automatic:
            raise ValidationError({"promotion": AUTOMATIC_HAS_NO_CODES})

    @property
    def remaining(self) -> int | None:
        return None if self.max_uses is None else max(self.max_uses - self.uses, 0)


class Redemption(models.Model):
    """One use of one code by one order. Releasing it (a cancelled order) gives the use back."""

    code = models.ForeignKey(  # empty: a use of an automatic offer, which has no code
        PromoCode, on_delete=models.PROTECT, null=True, blank=True, related_name="redemptions"
    )
    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="redemptions")
    order = models.ForeignKey(
        "shop.Order", on_delete=models.PROTECT, related_name="promo_redemptions"
    )
    customer_email = models.CharField(
        max_length=254, help_text="Normalised: one person, one key (see shop.identity)."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="promo_redemptions",
    )
    discount_amount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    shipping_amount = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), help_text="Shipping waived."
    )
    gift_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("0"), help_text="Regular price of gifts."
    )
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "code"],
                condition=Q(released_at__isnull=True),
                name="redemption_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["order", "promotion"],
                condition=Q(released_at__isnull=True, code__isnull=True),
                name="redemption_offer_once_per_order",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0)
                & Q(shipping_amount__gte=0)
                & Q(gift_value__gte=0),
                name="redemption_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(released_at__gte=F("created_at")),
                name="redemption_released_after_created",
            ),
        ]
        indexes = [
            models.Index(
                fields=["promotion", "customer_email"],
                condition=Q(released_at__isnull=True),
                name="redemption_customer_uses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code or self.promotion} on order {self.order_id}"

    @property
    def given_away(self) -> Decimal:
        return self.discount_amount + self.shipping_amount + self.gift_value


__all__ = [
    "BATCH_MAX",
    "CODE_ALPHABET",
    "GENERATED_LENGTH_MAX",
    "GENERATED_LENGTH_MIN",
    "GENERATED_PREFIX_MAX",
    "CodeBatch",
    "PromoCode",
    "Promotion",
    "Redemption",
]
