"""The quote service: parse cart items, load what they need in a fixed number of queries, price.

Fetch, then calculate: `quote_catalog_load` reads products, kits and routines as plain data
(from the in-memory catalog snapshot, one query to check it is current; or loaded in at most
1 + 1 + 2 queries, whatever the number of lines, components or slots), the checks and
`quote_lines_build` run over that data, and `shop.pricing.price` does every sum. Checkout reuses
`quote_prepare`, which returns the loaded data alongside the pricing request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from config.errors import DomainError
from kits import selectors as kit_selectors
from kits.rules import (
    KitInfo,
    RoutineInfo,
    Selection,
    kit_problem,
    selection_check,
)
from promotions.codes.selectors import promo_rules_for
from shop.catalog.selectors import ProductInfo, product_infos
from shop.pricing import (
    Breakdown,
    Item,
    KitLine,
    Money,
    Part,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    Tier,
    UnknownCode,
    price,
)
from shop.pricing.build import new_kit_line, new_product_line, new_routine_line
from shop.quoting.snapshot import Made, catalog_snapshot

MAX_LINES = 200
MAX_QUANTITY = 99
MAX_SELECTIONS = 50
MAX_SLUG_LENGTH = 120
SELECTIONS_KEPT = 1024  # routine selections a catalog snapshot keeps checked (ItemMaker)
KINDS = ("product", "kit", "routine")
_FIELDS = {
    "product": frozenset({"product", "quantity"}),
    "kit": frozenset({"kit", "quantity"}),
    "routine": frozenset({"routine", "quantity", "selections"}),
}

Line = ProductLine | KitLine | RoutineLine


class InvalidItems(DomainError):
    """Quote items that cannot be priced: 400 `invalid_items`; `errors` maps
    "items.<i>.<field>" to messages, and the detail names each item by its label."""

    code = "invalid_items"
    status = 400

    def __init__(
        self, errors: Mapping[str, list[str]], labels: Mapping[str, str] | None = None
    ) -> None:
        labels = labels or {}
        parts = []
        for key, messages in errors.items():
            where = labels.get(".".join(key.split(".")[:2]), key)
            parts.append(f"{where}: {' '.join(messages)}")
        super().__init__(
            "; ".join(parts) if parts else "The items are not valid.", errors=dict(errors)
        )


class QuoteItem(NamedTuple):
    """One parsed cart item. `id` becomes the pricing line id (default: its index).

    A named tuple rather than a frozen dataclass: a quote makes one per item, and a tuple is
    made in a third of the time.
    """

    kind: str
    slug: str
    quantity: int
    selections: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True, slots=True)
class QuoteCatalog:
    """Everything the items refer to, as plain data, keyed by slug (missing = unknown)."""

    products: Mapping[str, ProductInfo]
    kits: Mapping[str, KitInfo]
    routines: Mapping[str, RoutineInfo]
    # Pricing objects already made from this data: the snapshot's, shared by every quote.
    made: Made | None = None


@dataclass(frozen=True, slots=True)
class PreparedQuote:
    """A quote ready to price, with the data it was built from (checkout reserves stock with it).

    `selections` holds each routine item's sorted selection, by item index.
    """

    items: tuple[QuoteItem, ...]
    catalog: QuoteCatalog
    selections: Mapping[int, Selection]
    request: PricingRequest


# -- parsing ---------------------------------------------------------------------------------


def _label(index: int, item: object) -> str:
    if isinstance(item, dict):
        for kind in KINDS:
            if isinstance(item.get(kind), str):
                return f'items.{index} ({kind} "{item[kind][:MAX_SLUG_LENGTH]}")'
    return f"items.{index}"


def _shown(value: object) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 24 else text[:21] + "..."


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_item(index: int, raw: object, errors: dict[str, list[str]]) -> QuoteItem | None:
    if not isinstance(raw, dict):
        errors[f"items.{index}"] = ["Each item must be an object naming a product, kit or routine."]
        return None
    kinds = [kind for kind in KINDS if kind in raw]
    if len(kinds) != 1:
        errors[f"items.{index}"] = ['Name exactly one of "product", "kit" or "routine".']
        return None
    kind = kinds[0]
    ok = True
    allowed = _FIELDS[kind]
    if not raw.keys() <= allowed:
        for key in raw:
            if key not in allowed:
                errors[f"items.{index}.{str(key)[:40]}"] = (
                    ["Only routines take selections."]
                    if key == "selections"
                    else ["Unknown field."]
                )
                ok = False
    slug = raw[kind]
    if not isinstance(slug, str) or len(slug) > MAX_SLUG_LENGTH or not slug.strip():
        errors[f"items.{index}.{kind}"] = [
            f"Give the {kind}'s slug as text (at most 120 characters)."
        ]
        ok = False
    quantity = raw.get("quantity", 1)
    if not _is_count(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        errors[f"items.{index}.quantity"] = [
            f"Quantity must be a whole number from 1 to {MAX_QUANTITY}, not {_shown(quantity)}."
        ]
        ok = False
    selections: tuple[str, ...] = ()
    if kind == "routine":
        raw_selections = raw.get("selections")
        if (
            not isinstance(raw_selections, list)
            or not raw_selections
            or not all(isinstance(s, str) and 0 < len(s) <= MAX_SLUG_LENGTH for s in raw_selections)
        ):
            errors[f"items.{index}.selections"] = [
                "Choose the routine's products: a non-empty list of product slugs."
            ]
            ok = False
        elif len(raw_selections) > MAX_SELECTIONS:
            errors[f"items.{index}.selections"] = [f"Choose at most {MAX_SELECTIONS} products."]
            ok = False
        else:
            selections = tuple(raw_selections)
    if not ok:
        return None
    assert isinstance(slug, str) and isinstance(quantity, int)
    return QuoteItem(kind, slug.strip(), quantity, selections, str(index))


def _plain_item(index: int, raw: object) -> QuoteItem | None:
    """The item when it is plainly well formed, as nearly every item is; None sends it to
    `_parse_item`, which says what is wrong. Accepts only what `_parse_item` accepts, and
    gives the same QuoteItem for it (a test holds the two to that)."""
    if type(raw) is not dict:
        return None
    if "product" in raw:
        kind = "product"
    elif "kit" in raw:
        kind = "kit"
    elif "routine" in raw:
        kind = "routine"
    else:
        return None
    if not raw.keys() <= _FIELDS[kind]:  # also refuses a second kind
        return None
    slug = raw[kind]
    if type(slug) is not str or len(slug) > MAX_SLUG_LENGTH:
        return None
    slug = slug.strip()
    quantity = raw.get("quantity", 1)
    if not slug or type(quantity) is not int or not 1 <= quantity <= MAX_QUANTITY:
        return None
    if kind != "routine":
        return QuoteItem(kind, slug, quantity, (), str(index))
    chosen = raw.get("selections")
    if type(chosen) is not list or not 0 < len(chosen) <= MAX_SELECTIONS:
        return None
    for choice in chosen:
        if type(choice) is not str or not 0 < len(choice) <= MAX_SLUG_LENGTH:
            return None
    return QuoteItem(kind, slug, quantity, tuple(chosen), str(index))


def quote_items_parse(*, items: object) -> list[QuoteItem]:
    """Check the shape of the `items` of a quote; raises InvalidItems naming every bad one."""
    if not isinstance(items, list):
        raise InvalidItems({"items": ["Send items as a list of objects."]}, {})
    if not items:
        raise InvalidItems({"items": ["Add at least one item."]}, {})
    if len(items) > MAX_LINES:
        raise InvalidItems({"items": [f"A quote holds at most {MAX_LINES} items."]}, {})
    plain: list[QuoteItem] = []
    for index, raw in enumerate(items):
        item = _plain_item(index, raw)
        if item is None:
            break
        plain.append(item)
    else:
        return plain
    errors: dict[str, list[str]] = {}
    parsed = [_parse_item(index, raw, errors) for index, raw in enumerate(items)]
    if errors:
        raise InvalidItems(errors, {f"items.{i}": _label(i, raw) for i, raw in enumerate(items)})
    return [item for item in parsed if item is not None]


# -- loading ---------------------------------------------------------------------------------


def quote_catalog_load(*, items: Sequence[QuoteItem], cached: bool = False) -> QuoteCatalog:
    """Everything the items name, loaded in a fixed number of queries (at most four).

    `cached=True` takes it from the catalog snapshot instead (one query while the catalog has
    not changed): the same data except `stock`, which only a load gives current, so only what
    does not show or decide on stock may ask for it.
    """
    if cached:
        snapshot = catalog_snapshot()
        if snapshot is not None:
            return QuoteCatalog(snapshot.products, snapshot.kits, snapshot.routines, snapshot.made)
    product_slugs: set[str] = set()
    kit_slugs: set[str] = set()
    routine_slugs: set[str] = set()
    for item in items:
        if item.kind == "product":
            product_slugs.add(item.slug)
        elif item.kind == "kit":
            kit_slugs.add(item.slug)
        else:
            routine_slugs.add(item.slug)
            product_slugs.update(item.selections)
    return QuoteCatalog(
        products=product_infos(slugs=product_slugs),
        kits=kit_selectors.kit_infos(slugs=kit_slugs),
        routines=kit_selectors.routine_infos(slugs=routine_slugs),
    )


# -- building pricing lines ------------------------------------------------------------------


class ItemMaker:
    """Pricing Items from ProductInfo, one object per product (pricing checks each object once),
    a kit's price and parts, a routine's tiers, and checked routine selections.

    `shared` keeps them beyond one quote: the catalog snapshot's (`QuoteCatalog.made`), which
    everything here is a function of.
    """

    def __init__(self, currency: str, shared: Made | None = None) -> None:
        self.currency = currency
        self.made = Made() if shared is None else shared
        self._items = self.made.items

    def __call__(self, product: ProductInfo) -> Item:
        key = (self.currency, product.slug)
        item = self._items.get(key)
        if item is None:
            item = Item(
                product.slug, product.name, Money.of(product.price, self.currency), product.step
            )
            self._items[key] = item
        return item

    def tiers(self, routine: RoutineInfo) -> tuple[Tier, ...]:
        """The routine's discount tiers for pricing."""
        tiers = self.made.tiers.get(routine.slug)
        if tiers is None:
            tiers = tuple(Tier(t.min_items, t.percent_off) for t in routine.tiers)
            self.made.tiers[routine.slug] = tiers
        return tiers

    def kit_pricing(self, kit: KitInfo) -> tuple[Money, tuple[Part, ...], tuple[Part, ...]]:
        """The kit's price, and its components and gifts as pricing Parts."""
        key = (self.currency, kit.slug)
        parts = self.made.kit_pricing.get(key)
        if parts is None:
            parts = (
                Money.of(kit.price, self.currency),
                tuple(Part(self(p.product), p.quantity) for p in kit.components),
                tuple(Part(self(p.product), p.quantity) for p in kit.gifts),
            )
            self.made.kit_pricing[key] = parts
        return parts

    def selection(
        self, routine: RoutineInfo, products: Mapping[str, ProductInfo], chosen: tuple[str, ...]
    ) -> Selection:
        """`selection_check` of a flat selection, checked once per catalog snapshot.

        `products` must be the catalog `routine` comes from: the one `made` belongs to.
        """
        key = (routine.slug, chosen)
        selections = self.made.selections
        selection = selections.get(key)
        if selection is None or selection.routine is not routine:
            selection = selection_check(routine=routine, products=products, selections=chosen)
            if len(selections) >= SELECTIONS_KEPT:
                selections.clear()
            selections[key] = selection
        return selection


@dataclass(frozen=True, slots=True)
class _ShopPricing:
    """The shop's pricing settings, read once: settings reads cost a microsecond each."""

    currency: str
    shipping: ShippingPolicy
    no_shipping: ShippingPolicy


_PRICING_SETTINGS = frozenset({"SHOP_CURRENCY", "SHOP_SHIPPING", "SHOP_FREE_SHIPPING_OVER"})


@functools.cache
def _shop_pricing() -> _ShopPricing:
    code = str(settings.SHOP_CURRENCY)
    free_over = settings.SHOP_FREE_SHIPPING_OVER
    return _ShopPricing(
        currency=code,
        shipping=ShippingPolicy(
            flat=Money.of(Decimal(str(settings.SHOP_SHIPPING)), code),
            free_over=None if free_over is None else Money.of(Decimal(str(free_over)), code),
        ),
        no_shipping=ShippingPolicy(flat=Money.zero(code), free_over=None),
    )


@receiver(setting_changed)
def _pricing_settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in _PRICING_SETTINGS:
        _shop_pricing.cache_clear()


def currency() -> str:
    """The shop's currency (`SHOP_CURRENCY`)."""
    return _shop_pricing().currency


def shipping_policy(*, free: bool = False) -> ShippingPolicy:
    """The shop's shipping from settings; `free=True` for figures that leave shipping out."""
    pricing = _shop_pricing()
    return pricing.no_shipping if free else pricing.shipping


def kit_line(kit: KitInfo, *, quantity: int, id: str, make: ItemMaker) -> KitLine:
    price, components, gifts = make.kit_pricing(kit)
    return new_kit_line(id, kit.slug, kit.name, price, components, gifts, quantity)


def routine_line(
    routine: RoutineInfo,
    products: Sequence[ProductInfo],
    *,
    quantity: int,
    id: str,
    make: ItemMaker,
) -> RoutineLine:
    selections = tuple([make(product) for product in products])
    return new_routine_line(
        id, routine.slug, routine.name, selections, make.tiers(routine), quantity
    )


def quote_lines_build(
    *, items: Sequence[QuoteItem], catalog: QuoteCatalog, make: ItemMaker
) -> tuple[tuple[Line, ...], dict[int, Selection]]:
    """Pricing lines for the items; raises InvalidItems for unknown, unsold or invalid ones."""
    errors: dict[str, list[str]] = {}
    lines: list[Line] = []
    selections: dict[int, Selection] = {}
    for index, item in enumerate(items):
        line_id = item.id or str(index)
        if item.kind == "product":
            product = catalog.products.get(item.slug)
            if product is None:
                errors[f"items.{index}.product"] = [f'No product is called "{item.slug}".']
            elif not product.active:
                errors[f"items.{index}.product"] = [f"{product.name} is no longer sold."]
            else:
                lines.append(new_product_line(line_id, make(product), item.quantity))
        elif item.kind == "kit":
            kit = catalog.kits.get(item.slug)
            problem = f'No kit is called "{item.slug}".' if kit is None else kit_problem(kit)
            if problem is not None:
                errors[f"items.{index}.kit"] = [problem]
            else:
                assert kit is not None
                lines.append(kit_line(kit, quantity=item.quantity, id=line_id, make=make))
        else:
            routine = catalog.routines.get(item.slug)
            if routine is None or not routine.active or not routine.slots:
                errors[f"items.{index}.routine"] = [
                    f'No routine is called "{item.slug}".'
                    if routine is None
                    else f"{routine.name} is not available."
                ]
                continue
            selection = make.selection(routine, catalog.products, item.selections)
            if not selection.valid:
                errors[f"items.{index}.selections"] = [p.message for p in selection.problems]
                continue
            selections[index] = selection
            lines.append(
                routine_line(
                    routine, selection.products, quantity=item.quantity, id=line_id, make=make
                )
            )
    if errors:
        labels = {f"items.{i}": f'items.{i} ({it.kind} "{it.slug}")' for i, it in enumerate(items)}
        raise InvalidItems(errors, labels)
    return tuple(lines), selections


# -- the service -----------------------------------------------------------------------------


def pricing_request(
    *,
    lines: Sequence[Line],
    promos: Sequence[PromoRule | UnknownCode] = (),
    now: datetime | None = None,
    free_shipping: bool = False,
) -> PricingRequest:
    return PricingRequest(
        currency=currency(),
        lines=tuple(lines),
        shipping=shipping_policy(free=free_shipping),
        now=now or datetime.now(UTC),
        promos=tuple(promos),
    )


def quote_prepare(
    *,
    items: Sequence[QuoteItem],
    promo_codes: Sequence[str] = (),
    email: str | None = None,
    now: datetime | None = None,
    promos: Sequence[PromoRule | UnknownCode] | None = None,
    cached: bool = False,
) -> PreparedQuote:
    """Load and check parsed items and build the pricing request; raises InvalidItems.

    `promos`, when given, are the code rules already looked up (through the promotions app's
    throttled lookup, or previewed in the admin simulator) and replace `promo_codes`.
    `cached=True` takes the catalog from the snapshot (see `quote_catalog_load`).
    """
    now = now or datetime.now(UTC)  # what timezone.now() gives with USE_TZ, which pricing needs
    catalog = quote_catalog_load(items=items, cached=cached)
    make = ItemMaker(currency(), catalog.made)
    lines, selections = quote_lines_build(items=items, catalog=catalog, make=make)
    if promos is None:
        promos = promo_rules_for(codes=promo_codes, email=email, now=now) if promo_codes else ()
    return PreparedQuote(
        items=tuple(items),
        catalog=catalog,
        selections=selections,
        request=pricing_request(lines=lines, promos=promos, now=now),
    )


def quote_build(
    *,
    items: Any,
    promo_codes: Sequence[str] = (),
    email: str | None = None,
    now: datetime | None = None,
    promos: Sequence[PromoRule | UnknownCode] | None = None,
) -> Breakdown:
    """Price raw quote items (the API's JSON); raises InvalidItems naming every bad item.

    A quote shows no stock, so it prices from the catalog snapshot.
    """
    parsed = quote_items_parse(items=items)
    prepared = quote_prepare(
        items=parsed, promo_codes=promo_codes, email=email, now=now, promos=promos, cached=True
    )
    return price(prepared.request)
