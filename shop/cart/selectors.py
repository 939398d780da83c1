"""The cart's reads: a cart by id, and `cart_view`, the cart priced now by the quote service.

`cart_view` prices the cart with the quote service (fetch, then calculate) in a fixed number of
queries whatever the number of lines. Lines that cannot be priced any more (a product no longer
sold, a kit withdrawn, a routine selection that stopped being valid) stay in the cart and are
flagged with the reason; the breakdown covers the others. Lines whose price per unit moved
since the shopper saw it are flagged with both prices.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from kits.rules import KitInfo, kit_stock
from promotions.codes.offer_selectors import offers_for_customer
from promotions.codes.selectors import promo_rules_for
from shop.cart.models import Cart, CartItem
from shop.catalog.images import Picture, picture
from shop.catalog.offers import catalog_offers
from shop.catalog.pricing import pricing_request
from shop.catalog.selectors import ProductInfo
from shop.pricing import (
    Adjustment,
    Breakdown,
    OfferRule,
    PricedLine,
    PromoRule,
    Rejection,
    UnknownCode,
    price,
)
from shop.quoting.current import quote_catalog_current
from shop.quoting.services import (
    InvalidItems,
    QuoteCatalog,
    QuoteItem,
    quote_lines_build,
)

# -- reading ----------------------------------------------------------------------------------


def cart_id_parse(raw: object) -> uuid.UUID | None:
    """A cart or item id from a URL or a session; None when it is not a UUID."""
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def cart_get(*, cart_id: object) -> Cart | None:
    parsed = cart_id_parse(cart_id)
    if parsed is None:
        return None
    return Cart.objects.filter(pk=parsed).first()


def cart_read(*, cart_id: object) -> tuple[Cart, list[CartItem]] | None:
    """A cart with its items, for reading it: one query (the items with their cart), two for
    an empty cart; None when there is no such cart."""
    parsed = cart_id_parse(cart_id)
    if parsed is None:
        return None
    items = list(CartItem.objects.filter(cart_id=parsed).select_related("cart"))
    if not items:
        cart = Cart.objects.filter(pk=parsed).first()
        return None if cart is None else (cart, [])
    cart = items[0].cart
    for item in items:
        item.cart = cart
    return cart, items


@dataclass(frozen=True, slots=True)
class CartLine:
    """A cart item with what the shopper needs to know about it now."""

    item: CartItem
    name: str
    available: bool
    problems: tuple[str, ...]
    unit_price: Decimal | None
    price_changed: bool
    stock: int | None
    priced: PricedLine | None
    parts: tuple[str, ...] = ()
    picture: Picture | None = None

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock >= self.item.quantity

    @property
    def flagged(self) -> bool:
        return not self.available or self.price_changed or not self.in_stock


@dataclass(frozen=True, slots=True)
class CartView:
    cart: Cart
    lines: tuple[CartLine, ...]
    breakdown: Breakdown
    promo_rejection: Rejection | None

    @property
    def promo_saving(self) -> Adjustment | None:
        """What the cart's code takes off (or waives), when it applies."""
        code = self.cart.promo_code
        if not code or self.promo_rejection is not None:
            return None
        for adjustment in self.breakdown.applied:
            if adjustment.rule == code and adjustment.source in ("promo", "shipping"):
                return adjustment
        return None

    @property
    def promo_saving_label(self) -> str:
        """The saving's label without the "CODE: " the pricing service puts first (the cart
        page names the code already)."""
        saving = self.promo_saving
        if saving is None:
            return ""
        prefix = f"{self.cart.promo_code}: "
        return saving.label[len(prefix) :] if saving.label.startswith(prefix) else saving.label

    @property
    def count(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def flagged(self) -> bool:
        return any(line.flagged for line in self.lines)

    @property
    def can_check_out(self) -> bool:
        return (
            self.cart.is_open
            and bool(self.lines)
            and all(line.available and line.in_stock for line in self.lines)
        )


def _quote_items(items: Sequence[CartItem]) -> list[QuoteItem]:
    return [
        QuoteItem(
            kind=item.kind,
            slug=item.ref,
            quantity=item.quantity,
            selections=tuple(item.selections or ()),
            id=str(item.id),
        )
        for item in items
    ]


def _bad_indexes(error: InvalidItems) -> dict[int, list[str]]:
    """The item indexes an InvalidItems from quote_lines_build names, with their messages."""
    bad: dict[int, list[str]] = {}
    for key, messages in error.errors.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "items" and parts[1].isdecimal():
            bad.setdefault(int(parts[1]), []).extend(messages)
    return bad


def _parts_of(item: QuoteItem, catalog: QuoteCatalog) -> tuple[str, ...]:
    """What a kit or routine line holds, by name, for the cart page."""
    if item.kind == "kit":
        kit = catalog.kits.get(item.slug)
        if kit is None:
            return ()
        parts = [
            f"{p.quantity} × {p.product.name}" if p.quantity > 1 else p.product.name
            for p in kit.components
        ]
        return (*parts, *(f"{p.product.name} (gift)" for p in kit.gifts))
    if item.kind == "routine":
        return tuple(
            catalog.products[s].name if s in catalog.products else s for s in item.selections
        )
    return ()


def _picture_of(item: QuoteItem, catalog: QuoteCatalog) -> Picture | None:
    """The line's picture: its product's or kit's, a routine's first chosen product's."""
    info: ProductInfo | KitInfo | None
    if item.kind == "product":
        info = catalog.products.get(item.slug)
    elif item.kind == "kit":
        info = catalog.kits.get(item.slug)
    else:
        info = next((catalog.products[s] for s in item.selections if s in catalog.products), None)
    return picture(info.image) if info is not None else None


def _stock_of(item: QuoteItem, catalog: QuoteCatalog) -> int | None:
    """How many of this item the stock allows right now (per line, not across the cart)."""
    if item.kind == "product":
        product = catalog.products.get(item.slug)
        return None if product is None else max(product.stock, 0)
    if item.kind == "kit":
        kit = catalog.kits.get(item.slug)
        return None if kit is None else kit_stock(kit)
    stocks = [catalog.products[s].stock for s in item.selections if s in catalog.products]
    return max(min(stocks), 0) if stocks else None


def cart_price(
    *,
    items: Sequence[CartItem],
    promo_code: str = "",
    email: str | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
    promos: Sequence[PromoRule | UnknownCode] | None = None,
    offers: Sequence[OfferRule] | None = None,
) -> tuple[Breakdown, dict[int, list[str]], QuoteCatalog]:
    """Price the lines that can be priced; returns the breakdown, the problems of the others by
    index, and the catalog data that was loaded (two queries, whatever the lines).
    `promos`, when given, are the code rules already looked up and replace `promo_code`; else
    the code is looked up for the shopper checkout will charge (`email`, `user_id`), so a code
    this shopper has used up is refused here as checkout would refuse it. `offers`: the
    automatic offers to price with; None for the current ones (kept under the catalog token:
    none more when the catalog read it, else one), with this shopper's uses (one query more
    when an offer limits uses per customer)."""
    now = now or timezone.now()
    quote_items = _quote_items(items)
    catalog = quote_catalog_current(items=quote_items)  # stock as it is now, 2 queries
    bad: dict[int, list[str]] = {}
    try:
        lines, _ = quote_lines_build(items=quote_items, catalog=catalog)
    except InvalidItems as error:
        bad = _bad_indexes(error)
        good = [item for index, item in enumerate(quote_items) if index not in bad]
        lines, _ = quote_lines_build(items=good, catalog=catalog)
    if promos is None:
        codes = [promo_code] if promo_code else []
        promos = (
            promo_rules_for(codes=codes, email=email, now=now, user_id=user_id) if codes else ()
        )
    if offers is None:
        current = catalog_offers(token=catalog.token)
        offers = offers_for_customer(current, emails=[email or ""], user_id=user_id)
    breakdown = price(pricing_request(lines=lines, promos=promos, offers=offers, now=now))
    return breakdown, bad, catalog


def cart_view(
    *,
    cart: Cart,
    items: Sequence[CartItem] | None = None,
    email: str | None = None,
    user_id: int | None = None,
) -> CartView:
    """The cart priced now, each line flagged where it changed since it was added; its code
    judged for the shopper when known (`email`, the signed-in account's `user_id`)."""
    if items is None:
        items = list(cart.items.all())
    breakdown, bad, catalog = cart_price(
        items=items, promo_code=cart.promo_code, email=email, user_id=user_id
    )
    priced = {line.id: line for line in breakdown.lines}
    quote_items = _quote_items(items)
    lines = []
    for index, item in enumerate(items):
        line = priced.get(str(item.id))
        unit_price = line.unit_price_after_bundle.amount if line is not None else None
        lines.append(
            CartLine(
                item=item,
                name=line.name if line is not None else item.name,
                available=index not in bad,
                problems=tuple(bad.get(index, ())),
                unit_price=unit_price,
                price_changed=unit_price is not None and unit_price != item.seen_price_amount,
                stock=_stock_of(quote_items[index], catalog) if index not in bad else None,
                priced=line,
                parts=_parts_of(quote_items[index], catalog),
                picture=_picture_of(quote_items[index], catalog),
            )
        )
    rejection = None
    if cart.promo_code:
        rejection = promo_rejection(breakdown, cart.promo_code)
    return CartView(cart=cart, lines=tuple(lines), breakdown=breakdown, promo_rejection=rejection)


def promo_rejection(breakdown: Breakdown, code: str) -> Rejection | None:
    for rejection in breakdown.rejected:
        if rejection.source == "promo" and rejection.rule.strip().upper() == code:
            return rejection
    return None
