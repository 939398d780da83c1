"""Checkout: turn an open cart into a paid order in one transaction, or change nothing at all.

`order_place`, inside one transaction:

1. lock the cart row (a second checkout of the same cart, or an item added meanwhile, waits);
2. re-price the cart with current data through the quote service (`quote_prepare` + `price`);
3. insert the Order (its unique idempotency key and unique cart make a concurrent duplicate
   wait here for the first one's commit, then fail and replay it), its lines, component
   allocations and adjustments as the breakdown charged them, close the cart and put the
   confirmation email in the outbox;
4. reserve stock for every product involved, kit and routine components and plain products of
   the same product added together: one `SELECT ... ORDER BY id FOR UPDATE` locks the rows in
   product-id order (so two orders sharing products always lock in the same order and cannot
   deadlock), then one conditional `UPDATE ... SET stock = stock - n WHERE stock >= n` takes
   them. Gifts never block a sale: they are taken while they last. On SQLite the transaction
   is BEGIN IMMEDIATE (settings), so checkouts are serialised by the database's write lock;
5. record the promo code use (`promotions.services.promo_codes_redeem`);
6. authorize the payment (see shop/payments.py for why inside the transaction) and record it.

Steps 4 to 6 are the hot section: the product rows stay locked until the commit, so every
other order of the same products waits for it. Everything that does not depend on the stock
check (the rows of step 3, rendering the email) is done before it, which keeps the section
to two statements, the promo hook, the authorization and one insert.

After the commit the payment is captured and the order becomes `paid`. Any failure before the
commit rolls everything back (an authorization is voided), so nothing is written when
checkout fails and the cart stays as it was.
An authorization is voided only when the order is known not to exist (shop/checkout/attempts.py):
a failed COMMIT may have saved it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError
from promotions.codes.selectors import promo_rules_for
from promotions.codes.services import promo_codes_redeem
from promotions.messaging.identity import normalize_email
from shop.cart.models import Cart, CartItem
from shop.cart.services import CartClosed, CartNotFound
from shop.checkout.attempts import Attempt, attempt_release
from shop.checkout.emails import order_confirmation_enqueue
from shop.checkout.inputs import CheckoutDetails
from shop.checkout.models import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderLineComponent,
    Payment,
    order_number_new,
)
from shop.checkout.orders import order_payment_capture
from shop.checkout.payments import gateway_for
from shop.checkout.replenishment import replenishment_consent
from shop.checkout.stock import StockNeed, stock_needs, stock_reserve
from shop.pricing import Breakdown, price
from shop.quoting.services import QuoteItem, quote_prepare

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """`created` is False when an earlier checkout's order is returned (a replay)."""

    order: Order
    created: bool


class CartEmpty(DomainError):
    code = "cart_empty"
    status = 409

    def __init__(self) -> None:
        super().__init__("Add something to the cart first.")


class IdempotencyKeyReused(DomainError):
    """The key was used before with a different request."""

    code = "idempotency_key_reused"
    status = 422

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for a different request; use a new key.")


# -- the order rows ---------------------------------------------------------------------------


def _order_rows(
    *,
    order: Order,
    breakdown: Breakdown,
    needs: Mapping[int, StockNeed],
    items: Mapping[str, CartItem],
) -> list[OrderLineComponent]:
    """Lines, components and adjustments exactly as the breakdown charged them (3 inserts).

    Written before stock is taken, with every gift counted as given; returns the gift
    components for `_gifts_given` to correct once the stock is known."""
    by_slug = {need.product.slug: need.product for need in needs.values()}
    lines: list[OrderLine] = []
    for position, priced in enumerate(breakdown.lines):
        item = items.get(priced.id)
        lines.append(
            OrderLine(
                order=order,
                position=position,
                line_id=priced.id,
                kind=priced.kind,
                ref=priced.ref,
                name=priced.name,
                selections=list(item.selections) if item is not None else [],
                quantity=priced.quantity,
                unit_price_amount=priced.unit_price.amount,
                subtotal_amount=priced.subtotal.amount,
                discount_amount=priced.subtotal.amount - priced.total.amount,
                total_amount=priced.total.amount,
                gift=priced.gift,
            )
        )
    OrderLine.objects.bulk_create(lines)
    components: list[OrderLineComponent] = []
    adjustments: list[OrderAdjustment] = []
    for line, priced in zip(lines, breakdown.lines, strict=True):
        for share in priced.components:
            product = by_slug.get(share.product)
            if product is None:  # a promo gift whose product was deleted (see stock_needs)
                continue
            gift = share.gift or priced.gift
            components.append(
                OrderLineComponent(
                    line=line,
                    product_id=product.id,
                    product_slug=product.slug,
                    product_name=product.name,
                    quantity=share.quantity,
                    allocated_amount=share.allocated.amount,
                    unit_allocations=[str(unit) for unit in share.unit_allocations],
                    gift=gift,
                    reserved=share.quantity,
                )
            )
        adjustments.extend(
            OrderAdjustment(
                order=order,
                line=line,
                source=a.source,
                rule=a.rule,
                label=a.label,
                amount=a.amount.amount,
            )
            for a in priced.adjustments
        )
    adjustments.extend(
        OrderAdjustment(
            order=order,
            line=None,
            source=a.source,
            rule=a.rule,
            label=a.label,
            amount=a.amount.amount,
        )
        for a in breakdown.applied
    )
    OrderLineComponent.objects.bulk_create(components)
    if adjustments:
        OrderAdjustment.objects.bulk_create(adjustments)
    return [component for component in components if component.gift]


def _gifts_given(gifts: Sequence[OrderLineComponent], given: Mapping[int, int]) -> None:
    """Record the gifts that ran out: each gift component keeps what was left to give, in
    line order. Nothing to write in the usual case where every gift was in stock."""
    left = dict(given)
    short: list[OrderLineComponent] = []
    for component in gifts:
        reserved = min(left.get(component.product_id, 0), component.quantity)
        left[component.product_id] = left.get(component.product_id, 0) - reserved
        if reserved != component.reserved:
            component.reserved = reserved
            short.append(component)
    if short:
        OrderLineComponent.objects.bulk_update(short, ["reserved"])


# -- the service ------------------------------------------------------------------------------


def _replay(*, key: str, request_hash: str) -> PlacedOrder | None:
    """The order an earlier request with this key made, or None; raises IdempotencyKeyReused
    when that request was a different one."""
    existing = Order.objects.select_related("payment").filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return PlacedOrder(existing, created=False)


def _closed_cart_answer(*, cart_id: uuid.UUID, key: str | None, request_hash: str) -> PlacedOrder:
    """A checkout of a cart that is already checked out: the same request again gets the same
    order; the storefront (no key) gets the cart's order; anything else is CartClosed."""
    if key:
        replay = _replay(key=key, request_hash=request_hash)
        if replay is not None:
            return replay
        raise CartClosed()
    existing = Order.objects.filter(cart_id=cart_id).first()
    if existing is None:
        raise CartClosed()
    return PlacedOrder(existing, created=False)


def _quote_items(items: Sequence[CartItem]) -> list[QuoteItem]:
    return [
        QuoteItem(item.kind, item.ref, item.quantity, tuple(item.selections or ()), str(item.id))
        for item in items
    ]


def _place(
    *,
    cart_id: uuid.UUID,
    details: CheckoutDetails,
    key: str | None,
    request_hash: str,
    attempt: Attempt,
) -> PlacedOrder:
    gateway = gateway_for(details.payment_method)
    with transaction.atomic():
        cart = Cart.objects.select_for_update().filter(pk=cart_id).first()
        if cart is None:
            raise CartNotFound()
        if not cart.is_open:
            return _closed_cart_answer(cart_id=cart.pk, key=key, request_hash=request_hash)
        items = list(cart.items.all())
        if not items:
            raise CartEmpty()
        now = timezone.now()
        codes = [cart.promo_code] if cart.promo_code else []
        promos = promo_rules_for(codes=codes, email=details.email, now=now) if codes else ()
        prepared = quote_prepare(items=_quote_items(items), promos=promos, now=now)
        breakdown = price(prepared.request)
        needs = stock_needs(breakdown=breakdown, catalog=prepared.catalog)
        attempt.inserting_order = True
        order = Order.objects.create(
            number=order_number_new(),
            cart=cart,
            idempotency_key=key or None,
            request_hash=request_hash,
            email=details.email,
            customer_email=normalize_email(details.email),
            user_id=details.user_id,
            name=details.name,
            address_line1=details.address_line1,
            city=details.city,
            postal_code=details.postal_code,
            region=details.region,
            country=details.country,
            phone=details.phone,
            currency=breakdown.currency,
            subtotal_amount=breakdown.subtotal.amount,
            discount_amount=breakdown.discount_total.amount,
            shipping_amount=breakdown.shipping.amount,
            total_amount=breakdown.total.amount,
            breakdown=breakdown.to_dict(),
        )
        attempt.inserting_order = False
        gifts = _order_rows(
            order=order,
            breakdown=breakdown,
            needs=needs,
            items={str(item.id): item for item in items},
        )
        Cart.objects.filter(pk=cart.pk).update(
            status=Cart.Status.CHECKED_OUT, updated_at=timezone.now()
        )
        order_confirmation_enqueue(
            order=order,
            breakdown=breakdown,
            product_names={need.product.slug: need.product.name for need in needs.values()},
        )
        replenishment_consent(order=order, wanted=details.replenishment_reminders)
        # The hot section: from here to the commit, the order's product rows are locked, so
        # every other order for the same products waits. Only what must follow the stock
        # check happens here.
        given = stock_reserve(needs=needs)
        _gifts_given(gifts, given)
        promo_codes_redeem(
            order=order,
            breakdown=breakdown,
            email=details.email,
            account_email=details.account_email,
        )
        attempt.gateway, attempt.order_number = gateway, order.number
        attempt.authorization = gateway.authorize(
            amount=breakdown.total.amount,
            currency=breakdown.currency,
            token=details.payment_token,
            reference=order.number,
        )
        order.payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            state=Payment.State.AUTHORIZED,
            amount=attempt.authorization.amount,
            currency=attempt.authorization.currency,
            authorization_ref=attempt.authorization.reference,
        )
        attempt.committing = True
    return PlacedOrder(order, created=True)


def order_place(
    *,
    cart_id: uuid.UUID,
    details: CheckoutDetails,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> PlacedOrder:
    """Check the cart out (see the module docstring). With an idempotency key, a repeat of the
    same request returns the first order and a different request raises IdempotencyKeyReused;
    without one (the storefront) a second checkout of the same cart returns the cart's order.

    Raises CartNotFound, CartEmpty, CartClosed, quoting.InvalidItems, stock.OutOfStock,
    promotions.services.PromoUnavailable, payments.PaymentDeclined, payments.GatewayError,
    payments.UnknownPaymentMethod, IdempotencyKeyReused.
    """
    key = idempotency_key or None
    if key:
        replay = _replay(key=key, request_hash=request_hash)
        if replay is not None:
            return replay
    for _ in range(3):
        attempt = Attempt()
        try:
            placed = _place(
                cart_id=cart_id,
                details=details,
                key=key,
                request_hash=request_hash,
                attempt=attempt,
            )
        except BaseException as error:
            saved = attempt_release(attempt)
            if saved is not None:  # the COMMIT failed to answer, but it went through
                placed = PlacedOrder(saved, created=True)
            elif not (isinstance(error, IntegrityError) and attempt.inserting_order):
                raise
            else:
                # A concurrent checkout with the same key or of the same cart committed first
                # (our insert waited for it); answer as if we had come second. Anything else
                # was an order number collision: try again with a new number.
                if key:
                    replay = _replay(key=key, request_hash=request_hash)
                    if replay is not None:
                        return replay
                if Order.objects.filter(cart_id=cart_id).exists():
                    return _closed_cart_answer(cart_id=cart_id, key=key, request_hash=request_hash)
                continue
        if placed.created:
            order_payment_capture(order=placed.order)
        return placed
    raise IntegrityError("Could not allocate an order number after 3 attempts.")
