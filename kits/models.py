"""Fixed kits, build-your-own routine templates, and ingredient pairs that should not be layered."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest, Least
from django.urls import reverse

from shop.catalog import images, price_history
from shop.catalog.models import Ingredient, Product, Step
from shop.pricing import MAX_QUANTITY

# A line of a quote may hold at most MAX_QUANTITY of anything, and so may a kit's part.
MAX_PART_QUANTITY = MAX_QUANTITY


class Kit(models.Model):
    """A kit sold at one price: components (what you buy), gifts (given while they last)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    price_amount = models.DecimalField(
        "price", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    image = models.ImageField(upload_to="kits/", blank=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Kits are listed by position, then name."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="kit_price_gte_0"),
            models.CheckConstraint(condition=~Q(slug=""), name="kit_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, and records a changed price in the kit's price history."""
        price_history.save_recording(
            self,
            lambda: super(Kit, self).save(*args, **kwargs),
            history=KitPriceChange,
            owner="kit",
            update_fields=kwargs.get("update_fields"),
        )

    def get_absolute_url(self) -> str:
        return reverse("kits:kit_detail", args=[self.slug])

    @property
    def picture(self) -> images.Picture | None:
        return images.picture(self.image.name)


class KitPriceChange(price_history.PriceRecord):
    """One price a kit had, from `effective_at` until the next row's (or now)."""

    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="prices")

    class Meta(price_history.PriceRecord.Meta):
        indexes = [models.Index(fields=["kit", "effective_at"], name="kit_price_change_kit_at")]


class KitPart(models.Model):
    """What components and gifts share: a product and how many of it one kit holds."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_PART_QUANTITY)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class KitComponent(KitPart):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="components")

    class Meta(KitPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["kit", "product"], name="kit_component_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_PART_QUANTITY),
                name="kit_component_quantity_1_99",
            ),
        ]


class KitGift(KitPart):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="gifts")

    class Meta(KitPart.Meta):
        constraints = [
            models.UniqueConstraint(fields=["kit", "product"], name="kit_gift_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_PART_QUANTITY),
                name="kit_gift_quantity_1_99",
            ),
        ]


class Routine(models.Model):
    """A build-your-own kit template: ordered slots to choose products for, and discount tiers."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(slug=""), name="routine_slug_not_empty")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kits:routine_builder", args=[self.slug])


class RoutineSlot(models.Model):
    """One step of a routine: how many products the shopper picks for it, and from which.

    `products` narrows the choice; left empty, every active product of the step is eligible.
    `label` names one product of the slot in messages ("Choose one cleanser").
    """

    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="slots")
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=True)
    min_items = models.PositiveSmallIntegerField(
        "min", default=1, validators=[MaxValueValidator(MAX_PART_QUANTITY)]
    )
    max_items = models.PositiveSmallIntegerField(
        "max",
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PART_QUANTITY)],
    )
    label = models.CharField(
        max_length=60,
        blank=True,
        help_text='One product of this slot, for messages: "cleanser" gives "Choose one '
        'cleanser". Empty: the step name.',
    )
    label_plural = models.CharField(
        max_length=60, blank=True, help_text='Plural of the label; empty: the label + "s".'
    )
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="+",
        help_text="Leave empty to offer every active product of the step.",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["routine", "step"], name="routine_slot_step_once"),
            models.CheckConstraint(
                condition=Q(min_items__lte=F("max_items")), name="routine_slot_min_lte_max"
            ),
            models.CheckConstraint(condition=Q(max_items__gte=1), name="routine_slot_max_gte_1"),
            models.CheckConstraint(
                condition=Q(required=False) | Q(min_items__gte=1),
                name="routine_slot_required_min_gte_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.routine}: {self.step}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.min_items is not None
            and self.max_items is not None
            and self.min_items > self.max_items
        ):
            errors["min_items"] = "Min cannot be more than max."
        if self.required and self.min_items is not None and self.min_items < 1:
            errors["min_items"] = "A required step needs at least 1 product."
        if errors:
            raise ValidationError(errors)


class RoutineTier(models.Model):
    """A bundle discount: `percent_off` of the routine's regular price from `min_items` up."""

    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, related_name="tiers")
    min_items = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PART_QUANTITY)]
    )
    percent_off = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text="More than 0, at most 100.",
    )

    class Meta:
        ordering = ["min_items"]
        constraints = [
            models.UniqueConstraint(fields=["routine", "min_items"], name="routine_tier_once"),
            models.CheckConstraint(
                condition=Q(percent_off__gt=0) & Q(percent_off__lte=100),
                name="routine_tier_percent_in_range",
            ),
            models.CheckConstraint(condition=Q(min_items__gte=1), name="routine_tier_min_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.percent_off.normalize():f}% off from {self.min_items} products"


class IngredientConflict(models.Model):
    """Two ingredients that should not be layered in one routine; the builder warns about them."""

    first = models.ForeignKey(Ingredient, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Ingredient, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120, help_text='Short, e.g. "Two exfoliating acids".')
    explanation = models.TextField(help_text="Why, and what to do instead, in a sentence or two.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first=F("second")), name="ingredient_conflict_two_ingredients"
            ),
            # One row per pair, whichever way round it was entered.
            models.UniqueConstraint(
                Least("first", "second"),
                Greatest("first", "second"),
                name="ingredient_conflict_pair_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.first_id is not None and self.first_id == self.second_id:
            raise ValidationError({"second": "Choose two different ingredients."})
        if self.first_id is not None and self.second_id is not None:
            pair = Q(first_id=self.first_id, second_id=self.second_id) | Q(
                first_id=self.second_id, second_id=self.first_id
            )
            if IngredientConflict.objects.filter(pair).exclude(pk=self.pk).exists():
                raise ValidationError("These two ingredients already have a conflict rule.")
