"""Reservations: an order written and its stock and promotion uses taken, before its payment.

Checkout (shop/checkout/services.py) commits a `pending` order first: its rows, its stock (the
conditional UPDATE of `stock_reserve`) and its promotion uses (`promo_codes_redeem`), in one
short transaction that holds the hot rows (products, promotions) only for its own statements.
The payment provider is called after that commit, with no lock held. Then either the order is
confirmed (`placed`, in a second transaction) or the reservation is released here.

`reservation_release` undoes a reservation as if checkout had never run: the stock goes back,
the promotion uses are given back and their rows deleted (`promo_codes_forget`), the order and
its rows are deleted and the cart is open again. It locks the order row and acts only while the
order is still `pending`, so a release and a confirmation never both win.

A process that dies between the reservation and its confirmation (or whose release failed
because the database was away) leaves a `pending` order behind; `reservations_expire` (beat,
every minute) releases those older than CHECKOUT_RESERVATION_SECONDS, which is longer than any
payment provider call may take. A confirmation arriving after that finds no pending order and
voids its authorization (`ReservationExpired`).

The reservation's transaction waits for rows held by anything else (a catalog import, an admin
edit) at most CHECKOUT_LOCK_TIMEOUT_MS (`reservation_settings`), then fails with nothing
written: checkout answers 503 `checkout_busy` (`lock_timed_out` tells that failure apart).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from config.errors import DomainError
from promotions.codes.services import promo_codes_forget
from shop.cart.models import Cart
from shop.checkout.models import Order, OrderLineComponent
from shop.checkout.stock import stock_return

LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout expires


class ReservationExpired(DomainError):
    """The payment took longer than the reservation lasts: the stock and codes went back."""

    code = "checkout_expired"
    status = 409

    def __init__(self) -> None:
        super().__init__(
            "Your checkout took too long and its items were released; nothing was charged. "
            "Check out again."
        )


def reservation_settings() -> None:
    """Two settings for the reservation's transaction only (PostgreSQL; one statement):

    - `lock_timeout`: a row held by another transaction (a catalog import or an admin edit of
      the same products) is waited for at most CHECKOUT_LOCK_TIMEOUT_MS, then the reservation
      fails and the shopper gets 503 `checkout_busy` instead of a request that hangs past the
      web server's timeout. Checkouts hold each other's rows for a few statements only.
    - `synchronous_commit` off: the COMMIT does not wait for its WAL flush, which would keep
      the hot rows locked for the flush. Safe: nothing is charged on a reservation alone, and
      the confirmation's COMMIT, which waits, flushes the WAL up to it; if the server crashes
      before that, reservation and confirmation are lost together and the authorization is
      voided."""
    if connection.vendor == "postgresql":
        timeout = f"{int(getattr(settings, 'CHECKOUT_LOCK_TIMEOUT_MS', 5000))}ms"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('synchronous_commit', 'off', true)",
                [timeout],
            )


def lock_timed_out(error: BaseException) -> bool:
    """A statement gave up waiting for a row lock (PostgreSQL's lock_not_available)."""
    return isinstance(error, OperationalError) and (
        getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE
    )


def reservation_seconds() -> int:
    return int(getattr(settings, "CHECKOUT_RESERVATION_SECONDS", 600))


def reservation_release(*, order_id: int) -> bool:
    """Release a pending order's reservation (see the module docstring); False when the order
    is no longer pending (confirmed, or released already)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, status=Order.Status.PENDING)
            .only("pk", "cart_id", "status")
            .first()
        )
        if order is None:
            return False
        units: dict[int, int] = defaultdict(int)
        for product_id, reserved in OrderLineComponent.objects.filter(
            line__order_id=order_id
        ).values_list("product_id", "reserved"):
            units[product_id] += reserved
        stock_return(units=units)
        promo_codes_forget(order=order)
        cart_id = order.cart_id
        order.delete()
        if cart_id is not None:
            Cart.objects.filter(pk=cart_id).update(
                status=Cart.Status.OPEN, updated_at=timezone.now()
            )
    return True


def reservations_expire(*, now: datetime | None = None) -> int:
    """Release pending orders older than the reservation lasts; returns how many. An order a
    late checkout is confirming right now is waited for, then found confirmed and left."""
    cutoff = (now or timezone.now()) - timedelta(seconds=reservation_seconds())
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(reservation_release(order_id=order_id) for order_id in ids)
