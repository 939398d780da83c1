"""Cart services and the cart's one selector, `cart_view`: every figure from the quote service.

Writes lock the cart row (`SELECT ... FOR UPDATE`), so an item added while the same cart is
being checked out waits for checkout and then finds the cart closed, instead of slipping into
a cart whose order no longer includes it.

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
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from kits.rules import kit_stock
from promotions.codes.guard import promo_code_attempt
from promotions.codes.selectors import promo_code_normalise, promo_rules_for
from shop.cart.models import Cart, CartItem
from shop.pricing import (
    Adjustment,
    Breakdown,
    PricedLine,
    PromoRule,
    Rejection,
    UnknownCode,
    price,
)
from shop.quoting.services import (
    InvalidItems,
    ItemMaker,
    QuoteCatalog,
    QuoteItem,
    currency,
    pricing_request,
    quote_catalog_load,
    quote_items_parse,
    quote_lines_build,
    quote_prepare,
)

MAX_CART_LINES = 100
MAX_LINE_QUANTITY = 99
CENT = Decimal("0.01")


class CartClosed(Exception):
    """The cart was checked out; it cannot change any more."""


class CartFull(Exception):
    pass


class CartItemNotFound(Exception):
    pass


class PromoRejected(Exception):
    """The code does not apply to this cart; `rejection` says why (contract codes)."""

    def __init__(self, code: str, rejection: Rejection) -> None:
        super().__init__(rejection.reason)
        self.code = code
        self.rejection = rejection


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


def unit_price_of(line: PricedLine) -> Decimal:
    """What one unit of a line costs after bundle discounts and before promo codes: the price
    the shopper compares (a kit's price, a routine's tier price, a product's price)."""
    bundle = sum(
        (a.amount.amount for a in line.adjustments if a.source == "bundle"), start=Decimal(0)
    )
    per_unit = (line.subtotal.amount - bundle) / line.quantity
    return per_unit.quantize(CENT, rounding=ROUND_HALF_UP)


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
        if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit():
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
    now: datetime | None = None,
    promos: Sequence[PromoRule | UnknownCode] | None = None,
) -> tuple[Breakdown, dict[int, list[str]], QuoteCatalog]:
    """Price the lines that can be priced; returns the breakdown, the problems of the others by
    index, and the catalog data that was loaded (at most four queries, whatever the lines).
    `promos`, when given, are the code rules already looked up and replace `promo_code`."""
    now = now or timezone.now()
    quote_items = _quote_items(items)
    catalog = quote_catalog_load(items=quote_items)
    make = ItemMaker(currency())
    bad: dict[int, list[str]] = {}
    try:
        lines, _ = quote_lines_build(items=quote_items, catalog=catalog, make=make)
    except InvalidItems as error:
        bad = _bad_indexes(error)
        good = [item for index, item in enumerate(quote_items) if index not in bad]
        lines, _ = quote_lines_build(items=good, catalog=catalog, make=make)
    if promos is None:
        codes = [promo_code] if promo_code else []
        promos = promo_rules_for(codes=codes, email=email, now=now) if codes else ()
    breakdown = price(pricing_request(lines=lines, promos=promos, now=now))
    return breakdown, bad, catalog


def cart_view(*, cart: Cart, items: Sequence[CartItem] | None = None) -> CartView:
    """The cart priced now, each line flagged where it changed since it was added."""
    if items is None:
        items = list(cart.items.all())
    breakdown, bad, catalog = cart_price(items=items, promo_code=cart.promo_code)
    priced = {line.id: line for line in breakdown.lines}
    quote_items = _quote_items(items)
    lines = []
    for index, item in enumerate(items):
        line = priced.get(str(item.id))
        unit_price = unit_price_of(line) if line is not None else None
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
            )
        )
    rejection = None
    if cart.promo_code:
        rejection = _promo_rejection(breakdown, cart.promo_code)
    return CartView(cart=cart, lines=tuple(lines), breakdown=breakdown, promo_rejection=rejection)


def _promo_rejection(breakdown: Breakdown, code: str) -> Rejection | None:
    for rejection in breakdown.rejected:
        if rejection.source == "promo" and rejection.rule.strip().upper() == code:
            return rejection
    return None


# -- writing ----------------------------------------------------------------------------------


def cart_create() -> Cart:
    return Cart.objects.create()


def _locked_open(cart: Cart) -> Cart:
    """The cart row, locked for this transaction; raises CartClosed when it was checked out."""
    locked = Cart.objects.select_for_update().get(pk=cart.pk)
    if not locked.is_open:
        raise CartClosed()
    return locked


def _single_item_errors(error: InvalidItems) -> InvalidItems:
    """Errors about the one item of an add, keyed by its own fields ("quantity", "kit")."""
    errors = {
        (key.split(".", 2)[2] if key.count(".") >= 2 else "item"): messages
        for key, messages in error.errors.items()
    }
    return InvalidItems(errors, {})


def _same_line(item: CartItem, parsed: QuoteItem) -> bool:
    return (
        item.kind == parsed.kind
        and item.ref == parsed.slug
        and sorted(item.selections or ()) == sorted(parsed.selections)
    )


@transaction.atomic
def cart_item_add(*, cart: Cart, item: object) -> CartItem:
    """Add a quote item (`{"product"|"kit"|"routine": slug, "quantity", "selections"?}`).

    The same product, kit or routine selection again adds to the existing line's quantity.
    Raises InvalidItems (keys are the item's fields), CartClosed or CartFull.
    """
    try:
        (parsed,) = quote_items_parse(items=[item])
    except InvalidItems as error:
        raise _single_item_errors(error) from None
    cart = _locked_open(cart)
    existing = list(cart.items.all())
    same = next((line for line in existing if _same_line(line, parsed)), None)
    quantity = parsed.quantity + (same.quantity if same is not None else 0)
    if quantity > MAX_LINE_QUANTITY:
        raise InvalidItems(
            {
                "quantity": [
                    f"A cart line holds at most {MAX_LINE_QUANTITY}; this cart already has "
                    f"{quantity - parsed.quantity}."
                ]
            },
            {},
        )
    if same is None and len(existing) >= MAX_CART_LINES:
        raise CartFull(f"A cart holds at most {MAX_CART_LINES} lines.")
    try:
        prepared = quote_prepare(items=[parsed])
    except InvalidItems as error:
        raise _single_item_errors(error) from None
    line = price(prepared.request).lines[0]
    seen = unit_price_of(line)
    if same is not None:
        same.quantity = quantity
        same.seen_price_amount = seen
        same.name = line.name
        same.save(update_fields=["quantity", "seen_price_amount", "name"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
        return same
    created = CartItem.objects.create(
        cart=cart,
        kind=parsed.kind,
        ref=parsed.slug,
        selections=list(parsed.selections),
        quantity=parsed.quantity,
        name=line.name,
        seen_price_amount=seen,
    )
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return created


def quantity_parse(raw: object) -> int:
    """A line quantity: a JSON integer from 1 to 99 (as in a quote), else InvalidItems."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LINE_QUANTITY:
        shown = str(raw)[:24]
        raise InvalidItems(
            {"quantity": [f"Quantity must be a whole number from 1 to 99, not {shown}."]}, {}
        )
    return raw


def form_quantity(raw: str) -> object:
    """A quantity typed in a form: digits become an int, anything else is checked as is."""
    text = raw.strip()
    return int(text) if text.isdigit() and len(text) <= 9 else text[:24]


def _item_of(cart: Cart, item_id: object) -> CartItem:
    parsed = cart_id_parse(item_id)
    found = None if parsed is None else cart.items.filter(pk=parsed).first()
    if found is None:
        raise CartItemNotFound()
    return found


@transaction.atomic
def cart_item_update(*, cart: Cart, item_id: object, quantity: object) -> CartItem:
    """Set a line's quantity (1 to 99). The shopper sees the current price when changing it,
    so the line's seen price is brought up to date too."""
    value = quantity_parse(quantity)
    cart = _locked_open(cart)
    item = _item_of(cart, item_id)
    item.quantity = value
    breakdown, bad, _ = cart_price(items=[item])
    if not bad and breakdown.lines:
        item.seen_price_amount = unit_price_of(breakdown.lines[0])
    item.save(update_fields=["quantity", "seen_price_amount"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def cart_item_remove(*, cart: Cart, item_id: object) -> None:
    cart = _locked_open(cart)
    item = _item_of(cart, item_id)
    item.delete()
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


def promo_code_problem(code: object) -> str | None:
    """Why a typed promo code cannot even be looked up (None when it can)."""
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return "Enter a promo code (1 to 64 characters)."
    if not code.isprintable():
        return "A promo code has letters, digits and dashes only."
    return None


@transaction.atomic
def cart_promo_set(*, cart: Cart, code: str, client: str | None = None) -> Cart:
    """Keep `code` on the cart when the cart's breakdown applies it; otherwise raise
    PromoRejected with the pricing service's rejection and store nothing.

    The code is looked up through the promotions app's guard: failed attempts are counted per
    `client` (see `promotions.guard.client_key`) and per cart, and raise
    `promotions.guard.TooManyAttempts` past the limit; a code whose reason the shopper has not
    earned (unknown, inactive, not started, a dead private code) is rejected exactly like an
    unknown one, `promo_not_found`.
    """
    normalised = promo_code_normalise(code)
    cart = _locked_open(cart)
    now = timezone.now()
    shown = promo_code_attempt(
        codes=[normalised], email=None, now=now, client=client, cart=str(cart.pk)
    )
    breakdown, _, _ = cart_price(
        items=list(cart.items.all()), promo_code=normalised, now=now, promos=shown.rules
    )
    rejection = _promo_rejection(breakdown, normalised)
    if rejection is not None:
        raise PromoRejected(normalised, rejection)
    cart.promo_code = normalised
    cart.save(update_fields=["promo_code", "updated_at"])
    return cart


@transaction.atomic
def cart_promo_clear(*, cart: Cart) -> Cart:
    cart = _locked_open(cart)
    cart.promo_code = ""
    cart.save(update_fields=["promo_code", "updated_at"])
    return cart
