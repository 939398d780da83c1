"""Bulk edits of selected products: new prices (by a percentage or to a value), publish or hide,
move to a step, add or remove an ingredient or a concern. Each is all or nothing.

New prices are written together, the products locked in id order (as checkout locks them),
and recorded in the price history with `prices_record` as made from "bulk" by the user: three
statements whatever the selection, so a checkout of those products waits milliseconds for
them; never with a bare `QuerySet.update`, which the history would not hold. What a price
change does to kits is asked of whoever answers the `prices_previewed` signal, what a move
to another step took from routines of whoever answers `products_moved` (kits does both: the
catalog cannot import it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db import transaction
from django.db.models import Max, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from config.errors import InvalidInput
from shop.catalog import services
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.price_history import PriceChange, price_changes_by, prices_record
from shop.catalog.version import catalog_writes_begin
from shop.pricing import Money

CENT = Decimal("0.01")
ROUNDING_RULE = (
    "A percentage change is applied to each current price and rounded to the cent, halves up "
    "(10% off 19.95 is 17.955, charged as 17.96)."
)
MIN_PERCENT = Decimal("-99.99")
MAX_PERCENT = Decimal("1000")
MAX_PRICE = Decimal("99999999.99")  # Product.price_amount: 10 digits, 2 decimals

BY_PERCENT = "percent"
TO_VALUE = "value"

# Sent with `prices` ({product id: new price}); receivers answer a list of KitEffect.
prices_previewed = Signal()
# Sent after a move with `product_ids` (those moved) and `from_steps` (the step ids they left);
# receivers answer a list of warnings (str) about what the move took away (kits: routine slots).
products_moved = Signal()


class BulkEditRefused(InvalidInput):
    code = "bulk_edit_invalid"


@dataclass(frozen=True, slots=True)
class NewPrice:
    product: Product
    old: Decimal
    new: Decimal

    @property
    def difference(self) -> Decimal:
        return self.new - self.old


@dataclass(frozen=True, slots=True)
class KitEffect:
    """A kit's figures before and after a price change (value: its components' regular prices;
    price: what one kit costs; savings: the kit's discount; gift value: its gifts' prices)."""

    name: str
    url: str
    value: tuple[Money, Money]
    price: tuple[Money, Money]
    savings: tuple[Money, Money]
    gift_value: tuple[Money, Money]


def new_price(old: Decimal, *, mode: str, amount: Decimal) -> Decimal:
    if mode == TO_VALUE:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if mode == BY_PERCENT:
        return (old * (100 + amount) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    raise BulkEditRefused("Choose a percentage or a new price.", errors={"mode": ["Choose one."]})


def price_plan(*, products: Iterable[Product], mode: str, amount: Decimal) -> list[NewPrice]:
    """Each product's current and new price; refuses a result below zero or past the maximum."""
    if mode == BY_PERCENT and not MIN_PERCENT <= amount <= MAX_PERCENT:
        message = f"Enter a percentage from {MIN_PERCENT} to {MAX_PERCENT}."
        raise BulkEditRefused(message, errors={"amount": [message]})
    plan = [
        NewPrice(p, p.price_amount, new_price(p.price_amount, mode=mode, amount=amount))
        for p in products
    ]
    for item in plan:
        if item.new < 0:
            message = f"{item.product.name} would cost {item.new}: a price cannot be negative."
            raise BulkEditRefused(message, errors={"amount": [message]})
        if item.new > MAX_PRICE:
            message = f"{item.product.name} would cost {item.new}: more than {MAX_PRICE}."
            raise BulkEditRefused(message, errors={"amount": [message]})
    return plan


def kit_effects(plan: Iterable[NewPrice]) -> list[KitEffect]:
    """What the new prices do to every kit holding one of the products (as kits answer)."""
    prices: Mapping[int, Decimal] = {item.product.pk: item.new for item in plan}
    effects: list[KitEffect] = []
    for _receiver, answer in prices_previewed.send(sender=Product, prices=prices):
        effects.extend(cast(list[KitEffect], answer))
    return sorted(effects, key=lambda e: e.name)


@transaction.atomic
def products_reprice(
    *, products: QuerySet[Product], mode: str, amount: Decimal, user: Any
) -> list[NewPrice]:
    """New prices for all the products or, if any is refused, for none."""
    ids = list(products.values_list("pk", flat=True))  # without the changelist's joins
    catalog_writes_begin()  # before the rows, as every catalog writer takes them
    locked = Product.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    plan = price_plan(products=locked, mode=mode, amount=amount)
    changed = [item for item in plan if item.new != item.old]
    now = timezone.now()
    for item in changed:
        item.product.price_amount, item.product.updated_at = item.new, now
    Product.objects.bulk_update([item.product for item in changed], ["price_amount", "updated_at"])
    with price_changes_by(source="bulk", user=user):
        prices_record(PriceChange, "product", {i.product.pk: i.new for i in changed}, now)
    return plan


def products_publish(*, products: QuerySet[Product], active: bool) -> int:
    """Publish (sell) or hide the products; returns how many changed."""
    return services.products_set_active(products=products, active=active)


@dataclass(frozen=True, slots=True)
class Moved:
    """How many products changed step, and what the move took away (as receivers of
    `products_moved` say: a routine slot no longer offering a product, or left short)."""

    changed: int
    warnings: list[str]


@transaction.atomic
def products_move(*, products: QuerySet[Product], step: Step) -> Moved:
    """Move the products to `step`."""
    moving = dict(products.exclude(step=step).values_list("pk", "step_id"))
    changed = Product.objects.filter(pk__in=list(moving)).update(step=step)
    warnings: list[str] = []
    if changed:
        answers = products_moved.send(
            sender=Product, product_ids=list(moving), from_steps=set(moving.values())
        )
        for _receiver, answer in answers:
            warnings.extend(cast(list[str], answer))
    return Moved(changed, warnings)


@transaction.atomic
def products_ingredient_add(
    *, products: QuerySet[Product], ingredient: Ingredient, key: bool = False
) -> int:
    """Add the ingredient (last in each list) to the products that lack it."""
    ids = list(
        products.exclude(product_ingredients__ingredient=ingredient).values_list("pk", flat=True)
    )
    last = dict(
        ProductIngredient.objects.filter(product_id__in=ids)
        .values("product_id")
        .annotate(last=Max("position"))
        .values_list("product_id", "last")
    )
    ProductIngredient.objects.bulk_create(
        ProductIngredient(
            product_id=pk,
            ingredient=ingredient,
            key=key,
            position=(last[pk] + 1) if pk in last else 0,
        )
        for pk in ids
    )
    return len(ids)


def products_ingredient_remove(*, products: QuerySet[Product], ingredient: Ingredient) -> int:
    removed, _ = ProductIngredient.objects.filter(
        product__in=products.values("pk"), ingredient=ingredient
    ).delete()
    return removed


@transaction.atomic
def products_concern_add(*, products: QuerySet[Product], concern: Concern) -> int:
    through = Product.concerns.through
    ids = list(products.exclude(concerns=concern).values_list("pk", flat=True))
    through.objects.bulk_create(through(product_id=pk, concern=concern) for pk in ids)
    return len(ids)


def products_concern_remove(*, products: QuerySet[Product], concern: Concern) -> int:
    through = Product.concerns.through
    removed, _ = through.objects.filter(
        product_id__in=products.values("pk"), concern=concern
    ).delete()
    return removed
