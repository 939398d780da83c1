"""Checkout: turn an open cart into a paid order, or change nothing at all.

`order_place`, in two short transactions with the payment provider's call between them and no
lock held across it (shop/checkout/reservation.py):

1. The reservation, one transaction:
   - lock the cart row (a second checkout of the same cart, or an item added meanwhile, waits);
   - re-price the cart with current data (`quote_prepare` from the catalog snapshot + `price`);
   - insert the `pending` Order (its unique idempotency key and unique cart make a concurrent
     duplicate wait here for the first one's commit, then fail and replay it), its lines,
     component allocations and adjustments as the breakdown charged them; close the cart;
   - read the codes and offers the breakdown applied and write their Redemption rows
     (`promo_uses_prepare`);
   - take the stock with `stock_reserve` (on PostgreSQL one statement that locks the product
     rows in id order and takes the units; gifts are taken while they last) and the promotion
     uses with `PendingUses.take` (guarded UPDATEs). These come last: the hot rows stay locked
     from them to the COMMIT, a few statements, and that COMMIT does not wait for the disk
     (see `reservation.reservation_settings`).
   On SQLite the transaction is BEGIN IMMEDIATE (settings), so checkouts are serialised by
   the database's write lock.
2. The payment: `authorize`, outside any transaction.
3. The confirmation, one transaction: the order becomes `placed` (only if it is still pending),
   its Payment is recorded and the confirmation email goes to the outbox.
4. After that commit the payment is captured and the order becomes `paid`.

Any failure in 1 rolls it back: nothing is written and the cart stays as it was. Any failure
after it (a declined card, the provider down, a reservation that expired) voids the
authorization when the order is known not to exist (shop/checkout/attempts.py: a failed COMMIT
may have saved it) and releases the reservation: stock and uses go back, the order is deleted,
the cart is open again, so here too nothing remains. A process that dies in between leaves a
pending order that the expiry sweep releases. A request repeating one whose order is pending
waits for it to be confirmed or released.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from config.errors import DomainError
from promotions.codes.offer_selectors import offers_for_customer
from promotions.codes.redemption import promo_uses_prepare
from promotions.codes.selectors import promo_rules_for
from promotions.messaging.identity import normalize_email
from shop.cart.models import Cart, CartItem
from shop.cart.services import CartClosed, CartNotFound
from shop.catalog.offers import catalog_offers
from shop.checkout.attempts import Attempt, attempt_release
from shop.checkout.emails import order_confirmation_enqueue
from shop.checkout.errors import (
    CartEmpty,
    CheckoutBusy,
    CheckoutInProgress,
    IdempotencyKeyReused,
    TotalChanged,
)
from shop.checkout.inputs import CheckoutDetails
from shop.checkout.models import (
    Order,
    Payment,
    order_number_new,
)
from shop.checkout.orders import order_payment_capture
from shop.checkout.payments import PaymentGateway, gateway_for
from shop.checkout.replenishment import replenishment_consent
from shop.checkout.reservation import (
    ReservationExpired,
    lock_timed_out,
    reservation_release,
    reservation_settings,
)
from shop.checkout.rows import OrderRows, order_gifts_given, order_rows_write
from shop.checkout.stock import stock_needs, stock_reserve
from shop.pricing import Breakdown, Money, price
from shop.quoting.services import QuoteItem, quote_catalog_load, quote_prepare

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    """`created` is False when an earlier checkout's order is returned (a replay)."""

    order: Order
    created: bool
    # The lines and components just written (a new order), for the answer; None on a replay.
    rows: OrderRows | None = None


# -- the service ------------------------------------------------------------------------------


def _settled(order: Order) -> Order | None:
    """The order once it is no longer pending: a concurrent checkout with the same key or cart
    is authorizing its payment; wait for it to confirm (the order) or release (None). Raises
    CheckoutInProgress if it takes longer than CHECKOUT_WAIT_SECONDS."""
    deadline = time.monotonic() + float(getattr(settings, "CHECKOUT_WAIT_SECONDS", 30))
    pause = 0.005
    while order.status == Order.Status.PENDING:
        if time.monotonic() > deadline:
            raise CheckoutInProgress()
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
        again = Order.objects.select_related("payment").filter(pk=order.pk).first()
        if again is None:
            return None
        order = again
    return order


def _replay(*, key: str, request_hash: str) -> PlacedOrder | None:
    """The order an earlier request with this key made, or None; raises IdempotencyKeyReused
    when that request was a different one."""
    existing = Order.objects.select_related("payment").filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    settled = _settled(existing)
    return None if settled is None else PlacedOrder(settled, created=False)


def _closed_cart_answer(
    *, cart_id: uuid.UUID, key: str | None, request_hash: str
) -> PlacedOrder | None:
    """A checkout of a cart that is already checked out: the same request again gets the same
    order; the storefront (no key) gets the cart's order; anything else is CartClosed. None
    when the order that closed the cart was released meanwhile (the cart is open again)."""
    if key:
        replay = _replay(key=key, request_hash=request_hash)
        if replay is not None:
            return replay
    existing = Order.objects.select_related("payment").filter(cart_id=cart_id).first()
    settled = None if existing is None else _settled(existing)
    if settled is None:
        return None
    if key:
        raise CartClosed()
    return PlacedOrder(settled, created=False)


def _quote_items(items: Sequence[CartItem]) -> list[QuoteItem]:
    return [
        QuoteItem(item.kind, item.ref, item.quantity, tuple(item.selections or ()), str(item.id))
        for item in items
    ]


def _reserve(
    *,
    cart_id: uuid.UUID,
    details: CheckoutDetails,
    key: str | None,
    request_hash: str,
    attempt: Attempt,
) -> PlacedOrder | tuple[Order, OrderRows, Breakdown] | None:
    """The first transaction: the pending order, its stock and its promotion uses; or the
    answer for a cart already checked out (None: try again, see _closed_cart_answer)."""
    with transaction.atomic():
        reservation_settings()
        cart = Cart.objects.select_for_update().filter(pk=cart_id).first()
        if cart is None:
            raise CartNotFound()
        if not cart.is_open:
            return _closed_cart_answer(cart_id=cart.pk, key=key, request_hash=request_hash)
        items = list(cart.items.all())
        if not items:
            raise CartEmpty()
        now = timezone.now()
        # Prices, names and activity come from the catalog snapshot (exactly as current as
        # loading, shop/quoting/snapshot.py); stock is decided by stock_reserve's UPDATE. The
        # code's rule comes from memory under the same token; its guarded UPDATEs decide uses,
        # this shopper's included (counted under the promotion's lock, so not read here: a
        # code over its per-customer limit is refused there, 409 promo_customer_limit).
        wanted = _quote_items(items)
        catalog = quote_catalog_load(items=wanted, cached=True)
        codes = [cart.promo_code] if cart.promo_code else []
        promos = (
            promo_rules_for(codes=codes, email=None, now=now, token=catalog.token) if codes else ()
        )
        # The automatic offers this shopper may still have (one query if one limits per customer)
        who, current = [details.email, details.account_email], catalog_offers(token=catalog.token)
        offers = offers_for_customer(current, emails=who, user_id=details.user_id)
        prepared = quote_prepare(
            items=wanted, promos=promos, now=now, catalog=catalog, offers=offers
        )
        breakdown = price(prepared.request)
        shown = details.shown_total
        if shown is not None and breakdown.total.amount > shown:
            raise TotalChanged(shown=Money.of(shown, breakdown.currency), now=breakdown.total)
        needs = stock_needs(breakdown=breakdown, catalog=prepared.catalog)
        attempt.inserting_order = True
        order = Order.objects.create(
            number=order_number_new(),
            status=Order.Status.PENDING,
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
        rows = order_rows_write(
            order=order,
            breakdown=breakdown,
            needs=needs,
            items={str(item.id): item for item in items},
        )
        Cart.objects.filter(pk=cart.pk).update(
            status=Cart.Status.CHECKED_OUT, updated_at=timezone.now()
        )
        # The codes' and offers' reads and Redemption rows, before any hot row is locked.
        uses = promo_uses_prepare(
            order=order,
            breakdown=breakdown,
            email=details.email,
            account_email=details.account_email,
            new_order=True,
        )
        # The hot section: from the stock's UPDATE to the COMMIT, the order's product rows (and
        # its promotions' rows) are locked, so every other order of them waits. Nothing but
        # the guarded takes follows (and a per-customer count where a promotion has a limit
        # per customer): no provider call, no email.
        given = stock_reserve(needs=needs)
        order_gifts_given(rows.gifts, given)
        uses.take()
    attempt.reserved_order_id = order.pk
    return order, rows, breakdown


def _confirm(
    *,
    order: Order,
    rows: OrderRows,
    breakdown: Breakdown,
    details: CheckoutDetails,
    gateway: PaymentGateway,
    attempt: Attempt,
) -> PlacedOrder:
    """Authorize outside any transaction, then the second one: the order placed, its payment,
    the confirmation email. Raises ReservationExpired when the reservation was released."""
    attempt.gateway, attempt.order_number = gateway, order.number
    attempt.authorization = gateway.authorize(
        amount=breakdown.total.amount,
        currency=breakdown.currency,
        token=details.payment_token,
        reference=order.number,
    )
    with transaction.atomic():
        placed = Order.objects.filter(pk=order.pk, status=Order.Status.PENDING).update(
            status=Order.Status.PLACED
        )
        if not placed:
            raise ReservationExpired()
        order.status = Order.Status.PLACED
        order.payment = Payment.objects.create(
            order=order,
            gateway=gateway.name,
            state=Payment.State.AUTHORIZED,
            amount=attempt.authorization.amount,
            currency=attempt.authorization.currency,
            authorization_ref=attempt.authorization.reference,
        )
        order_confirmation_enqueue(order=order)
        replenishment_consent(order=order, wanted=details.replenishment_reminders)
        attempt.committing = True
    return PlacedOrder(order, created=True, rows=rows)


def _place(
    *,
    cart_id: uuid.UUID,
    details: CheckoutDetails,
    key: str | None,
    request_hash: str,
    attempt: Attempt,
) -> PlacedOrder | None:
    gateway = gateway_for(details.payment_method)
    reserved = _reserve(
        cart_id=cart_id, details=details, key=key, request_hash=request_hash, attempt=attempt
    )
    if reserved is None or isinstance(reserved, PlacedOrder):
        return reserved
    order, rows, breakdown = reserved
    return _confirm(
        order=order,
        rows=rows,
        breakdown=breakdown,
        details=details,
        gateway=gateway,
        attempt=attempt,
    )


def _undo(attempt: Attempt) -> Order | None:
    """After `_place` failed: void the authorization where the attempts rules say so, then
    release the reservation unless the order's fate is unknown (it may have been confirmed;
    the expiry sweep releases it if not). Returns the order when it was saved after all."""
    saved = attempt_release(attempt)
    if saved is not None or attempt.reserved_order_id is None or attempt.unresolved:
        return saved
    try:
        reservation_release(order_id=attempt.reserved_order_id)
    except DatabaseError:
        logger.warning(
            "Could not release the reservation of order %s now; the expiry sweep will",
            attempt.order_number or attempt.reserved_order_id,
            exc_info=True,
        )
    return None


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
    promotions.codes.redemption.PromoUnavailable, payments.PaymentDeclined, payments.GatewayError,
    payments.UnknownPaymentMethod, IdempotencyKeyReused.
    """
    # A repeated request is answered by `_reserve`, not looked for up front: its cart is closed
    # (`_closed_cart_answer` replays it), and a key reused on another, open cart fails the
    # order's unique key at the insert (then replayed or refused the same way). A new checkout,
    # the usual case, so pays no statement for it.
    key = idempotency_key or None
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
            saved = _undo(attempt)
            if saved is not None:  # the COMMIT failed to answer, but it went through
                placed = PlacedOrder(saved, created=True)
            elif lock_timed_out(error):
                raise CheckoutBusy() from error
            elif not (isinstance(error, IntegrityError) and attempt.inserting_order):
                if key and isinstance(error, DomainError):
                    # Refused before an order was written (an empty cart, an item gone, a
                    # declined card): a key an earlier request used is refused as that, 422,
                    # as it was when keys were looked up first.
                    replay = _replay(key=key, request_hash=request_hash)
                    if replay is not None:
                        return replay
                raise
            else:
                # A concurrent checkout with the same key or of the same cart committed first
                # (our insert waited for it); answer as if we had come second. Anything else
                # was an order number collision: try again with a new number.
                answer = _closed_cart_answer(cart_id=cart_id, key=key, request_hash=request_hash)
                if answer is not None:
                    return answer
                continue
        if placed is None:  # the order that closed the cart was released: the cart is open
            continue
        if placed.created:
            order_payment_capture(order=placed.order)
        return placed
    raise IntegrityError("Could not allocate an order number after 3 attempts.")
