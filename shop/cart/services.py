"""Cart services: create a cart, add, change and remove lines, set and clear its promo code.

Every figure comes from the quote service (`shop.cart.selectors.cart_price`). Writes lock the
cart row (`SELECT ... FOR UPDATE`), so an item added while the same cart is
being checked out waits for checkout and then finds the cart closed, instead of slipping into
a cart whose order no longer includes it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.errors import DomainError, InvalidInput, NotFound
from promotions.codes.guard import promo_code_attempt
from promotions.codes.selectors import promo_code_normalise
from shop.cart.models import Cart, CartItem
from shop.cart.selectors import cart_id_parse, cart_price, promo_rejection
from shop.pricing import MAX_QUANTITY, Rejection, price
from shop.quoting.services import InvalidItems, QuoteItem, quote_items_parse, quote_prepare

MAX_CART_LINES = 100


class CartNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such cart.")


class CartClosed(DomainError):
    """The cart was checked out; it cannot change any more."""

    code = "cart_closed"
    status = 409

    def __init__(self) -> None:
        super().__init__("This cart was checked out; start a new cart.")


class CartFull(DomainError):
    code = "cart_full"
    status = 409


class CartItemNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("No such item in this cart.")


class PromoRejected(DomainError):
    """The code does not apply to this cart: 422 with the pricing service's rejection code
    (contract codes) and reason."""

    status = 422
    title = "Promo code not applied"

    def __init__(self, promo_code: str, rejection: Rejection) -> None:
        super().__init__(rejection.reason, code=rejection.code, extra={"promo_code": promo_code})
        self.promo_code = promo_code
        self.rejection = rejection


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
    return InvalidItems(errors)


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
    if quantity > MAX_QUANTITY:
        raise InvalidItems(
            {
                "quantity": [
                    f"A cart line holds at most {MAX_QUANTITY}; this cart already has "
                    f"{quantity - parsed.quantity}."
                ]
            },
            {},
        )
    if same is None and len(existing) >= MAX_CART_LINES:
        raise CartFull(f"A cart holds at most {MAX_CART_LINES} lines.")
    try:
        # Only the line's price after bundles is kept: offers (cart-wide) play no part.
        prepared = quote_prepare(items=[parsed], offers=())
    except InvalidItems as error:
        raise _single_item_errors(error) from None
    line = price(prepared.request).lines[0]
    seen = line.unit_price_after_bundle.amount
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
    """A line quantity: a JSON integer from 1 to MAX_QUANTITY (as in a quote), else
    InvalidItems."""
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_QUANTITY:
        shown = str(raw)[:24]
        raise InvalidItems(
            {
                "quantity": [
                    f"Quantity must be a whole number from 1 to {MAX_QUANTITY}, not {shown}."
                ]
            }
        )
    return raw


def form_quantity(raw: str) -> object:
    """A quantity typed in a form: ASCII digits become an int, anything else (`²`, `٣`, `1.5`)
    is checked as is, so it gets the quantity message."""
    text = raw.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else text[:24]


def _item_of(cart: Cart, item_id: object) -> CartItem:
    parsed = cart_id_parse(item_id)
    found = None if parsed is None else cart.items.filter(pk=parsed).first()
    if found is None:
        raise CartItemNotFound()
    return found


@transaction.atomic
def cart_item_update(*, cart: Cart, item_id: object, quantity: object) -> CartItem:
    """Set a line's quantity (1 to MAX_QUANTITY). The shopper sees the current price when
    changing it, so the line's seen price is brought up to date too."""
    value = quantity_parse(quantity)
    cart = _locked_open(cart)
    item = _item_of(cart, item_id)
    item.quantity = value
    breakdown, bad, _ = cart_price(items=[item], offers=())  # one line's price: no offers
    if not bad and breakdown.lines:
        item.seen_price_amount = breakdown.lines[0].unit_price_after_bundle.amount
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
def cart_promo_set(
    *,
    cart: Cart,
    code: object,
    client: str | None = None,
    email: str | None = None,
    user_id: int | None = None,
) -> Cart:
    """Keep `code` on the cart when the cart's breakdown applies it; otherwise raise
    InvalidInput (not a code at all) or PromoRejected with the pricing service's rejection,
    and store nothing.

    The code is looked up through the promotions app's guard: failed attempts are counted per
    `client` (see `promotions.guard.client_key`) and per cart, and raise
    `promotions.guard.TooManyAttempts` past the limit; a code whose reason the shopper has not
    earned (unknown, inactive, not started, a dead private code) is rejected exactly like an
    unknown one, `promo_not_found`. A code this shopper (`email`, `user_id`: the signed-in
    account) has used up is rejected `promo_customer_limit`, as checkout would.
    """
    problem = promo_code_problem(code)
    if problem is not None or not isinstance(code, str):
        message = problem or "Enter a promo code."
        raise InvalidInput(message, errors={"code": [message]})
    normalised = promo_code_normalise(code)
    cart = _locked_open(cart)
    now = timezone.now()
    shown = promo_code_attempt(
        codes=[normalised],
        email=email,
        now=now,
        client=client,
        cart=str(cart.pk),
        user_id=user_id,
    )
    breakdown, _, _ = cart_price(
        items=list(cart.items.all()), promo_code=normalised, now=now, promos=shown.rules
    )
    rejection = promo_rejection(breakdown, normalised)
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
