"""Read-side queries for the catalog. Every list comes with what it renders prefetched."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from .models import Concern, Ingredient, Product, ProductIngredient, Step


class UnknownFilter(ValueError):
    """A filter named something that does not exist; `field` says which filter."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"Unknown {field} {value!r}.")
        self.field = field
        self.value = value


@dataclass(frozen=True)
class ProductFilters:
    step: str = ""
    concern: str = ""
    ingredient: str = ""
    q: str = ""
    include_inactive: bool = False


def step_list() -> QuerySet[Step]:
    return Step.objects.order_by("position")


def concern_list() -> QuerySet[Concern]:
    return Concern.objects.order_by("name")


def ingredient_list() -> QuerySet[Ingredient]:
    return Ingredient.objects.order_by("name")


def _with_related(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return queryset.select_related("step").prefetch_related(
        Prefetch(
            "product_ingredients",
            queryset=ProductIngredient.objects.select_related("ingredient").order_by(
                "position", "id"
            ),
        ),
        "concerns",
    )


def product_list(*, filters: ProductFilters) -> QuerySet[Product]:
    """Products matching the filters, in routine order. Unknown slugs raise UnknownFilter."""
    queryset = Product.objects.all()
    if not filters.include_inactive:
        queryset = queryset.filter(active=True)
    for field, model in (("step", Step), ("concern", Concern), ("ingredient", Ingredient)):
        value = getattr(filters, field)
        if value and not model.objects.filter(slug=value).exists():
            raise UnknownFilter(field, value)
    if filters.step:
        queryset = queryset.filter(step__slug=filters.step)
    if filters.concern:
        queryset = queryset.filter(concerns__slug=filters.concern)
    if filters.ingredient:
        queryset = queryset.filter(ingredients__slug=filters.ingredient)
    if filters.q:
        matching = Q()
        for word in filters.q.split()[:8]:
            matching &= (
                Q(name__icontains=word)
                | Q(sku__iexact=word)
                | Q(summary__icontains=word)
                | Q(description__icontains=word)
                | Q(ingredients__name__icontains=word)
                | Q(concerns__name__icontains=word)
            )
        queryset = queryset.filter(pk__in=Product.objects.filter(matching).values("pk"))
    return _with_related(queryset.order_by("step__position", "name", "pk"))


def product_get(*, slug: str, include_inactive: bool = False) -> Product | None:
    queryset = Product.objects.all() if include_inactive else Product.objects.filter(active=True)
    return _with_related(queryset).filter(slug=slug).first()
