"""The catalog: routine steps, products, ingredients and the skin concerns they address."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from shop.catalog import images, price_history


class Step(models.Model):
    """A step of the routine (cleanse, tone, renew, then optional makeup steps), in order."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(unique=True)
    optional = models.BooleanField(default=False)
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Concern(models.Model):
    """A skin concern shoppers filter by (enlarged pores, oily skin, acne, ...)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ingredient(models.Model):
    """An ingredient and the benefits the brand claims for it (one claim per line)."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    benefits = models.TextField(blank=True, help_text="One claimed benefit per line.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class ProductQuerySet(models.QuerySet["Product"]):
    def active(self) -> ProductQuerySet:
        return self.filter(active=True)

    def available(self) -> ProductQuerySet:
        return self.filter(active=True, stock__gt=0)


class Product(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    sku = models.CharField(max_length=40, unique=True)
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="products")
    summary = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    price_amount = models.DecimalField(
        "price", max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    active = models.BooleanField(default=True)
    days_of_use = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1)],
        help_text="How many days one unit lasts, for replenishment reminders.",
    )
    image = models.ImageField(upload_to="products/", blank=True)
    ingredients = models.ManyToManyField(
        Ingredient, through="ProductIngredient", related_name="products", blank=True
    )
    concerns = models.ManyToManyField(Concern, related_name="products", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["step__position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(price_amount__gte=0), name="product_price_gte_0"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="product_stock_gte_0"),
            models.CheckConstraint(
                condition=Q(days_of_use__gte=1), name="product_days_of_use_gte_1"
            ),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="product_slug_not_empty"),
        ]
        indexes = [models.Index(fields=["active", "step"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves, and records a changed price in the price history (`price_history`)."""
        price_history.save_recording(
            self,
            lambda: super(Product, self).save(*args, **kwargs),
            history=price_history.PriceChange,
            owner="product",
            update_fields=kwargs.get("update_fields"),
        )

    def get_absolute_url(self) -> str:
        return reverse("shop:product_detail", args=[self.slug])

    @property
    def available(self) -> bool:
        return self.active and self.stock > 0

    @property
    def picture(self) -> images.Picture | None:
        return images.picture(self.image.name)


class ProductIngredient(models.Model):
    """An ingredient in a product; `key` marks the ones the storefront highlights."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="product_ingredients"
    )
    ingredient = models.ForeignKey(Ingredient, on_delete=models.PROTECT, related_name="+")
    key = models.BooleanField("key ingredient", default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "ingredient"], name="product_ingredient_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ingredient} in {self.product}"


class CatalogVersion(models.Model):
    """One row whose token the database changes on every write to what quotes price from.

    Written only by triggers (see `shop.catalog_version`); read by `shop.catalog_snapshot`.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.CharField(max_length=40)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="catalog_version_one_row")]

    def __str__(self) -> str:
        return self.token
