"""Read-side queries for the catalog. Every list comes with what it renders prefetched."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from config.errors import DomainError
from shop.catalog import price_history
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step


class UnknownFilter(DomainError):
    """A filter named something that does not exist; `field` says which filter."""

    code = "invalid_filter"
    status = 400

    def __init__(self, field: str, value: str) -> None:
        super().__init__(
            f"Unknown {field} {value!r}.", errors={field: [f"No {field} is called {value!r}."]}
        )
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
    """With what pages and the API render: step, ingredients, concerns, the 30-day low."""
    lowest = price_history.latest_lowest(price_history.PriceChange, "product")
    return (
        queryset.select_related("step")
        .annotate(lowest_price_30d=lowest)
        .prefetch_related(
            Prefetch(
                "product_ingredients",
                queryset=ProductIngredient.objects.select_related("ingredient").order_by(
                    "position", "id"
                ),
            ),
            "concerns",
        )
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


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """A product as plain data, for fetch-then-calculate code (quotes, kits, checkout)."""

    id: int
    slug: str
    name: str
    price: Decimal
    step: str
    active: bool
    stock: int
    image: str = ""  # the stored image's name, for pictures (images.picture)

    @classmethod
    def of(cls, product: Product) -> ProductInfo:
        """From a model instance; `step` must be loaded (select_related) to stay query-free."""
        return cls(
            id=product.pk,
            slug=product.slug,
            name=product.name,
            price=product.price_amount,
            step=product.step.slug,
            active=product.active,
            stock=product.stock,
            image=product.image.name or "",
        )


_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


def is_slug(value: object) -> bool:
    return isinstance(value, str) and _SLUG.fullmatch(value) is not None


def slugs_only(values: Iterable[str]) -> list[str]:
    """The values that can be slugs, sorted and unique. Anything else names nothing, and must
    never reach the database (PostgreSQL refuses a NUL byte in a query, with a 500)."""
    return sorted({value for value in values if is_slug(value)})


PRODUCT_INFO_FIELDS = (
    "id",
    "slug",
    "name",
    "price_amount",
    "step__slug",
    "active",
    "stock",
    "image",
)


def product_infos(*, slugs: Iterable[str]) -> dict[str, ProductInfo]:
    """The products with these slugs (active or not) by slug, in one query."""
    wanted = slugs_only(slugs)
    if not wanted:
        return {}
    # No ORDER BY (the model's default joins the step table to sort): rows are keyed by slug.
    rows = Product.objects.filter(slug__in=wanted).order_by().values_list(*PRODUCT_INFO_FIELDS)
    return {row[1]: ProductInfo(*row) for row in rows}
