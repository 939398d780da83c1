"""What happens to a checkout's payment authorization when the checkout fails.

An authorization is voided only when the order is known not to exist. A failure before the
COMMIT rolled the transaction back: void. A failure of the COMMIT itself (the connection died
while it was on its way) leaves the order's fate unknown: the payment is looked up on a fresh
connection. Found, the order was saved and checkout carries on as if the COMMIT had answered
(capture, the order); not found, the hold is voided; the lookup failing too, the hold is left
alone and logged for reconciliation (`payment_unresolved`, with the gateway, authorization,
amount and order number; a hold nobody captures expires at the provider).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection

from shop.checkout.models import Order, Payment
from shop.checkout.payments import Authorization, PaymentGateway

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Attempt:
    """What the transaction did that must be undone outside it if it does not commit."""

    gateway: PaymentGateway | None = None
    authorization: Authorization | None = None
    inserting_order: bool = False
    order_number: str = ""
    committing: bool = False  # everything is written: only the COMMIT is left
    reserved_order_id: int | None = None  # the pending order whose reservation committed
    unresolved: bool = False  # the COMMIT failed and whether the order was saved is unknown


def attempt_release(attempt: Attempt) -> Order | None:
    """After `_place` failed: void its authorization when the order is known not to exist;
    return the order when the failure was the COMMIT's answer but the order was saved."""
    if attempt.gateway is None or attempt.authorization is None:
        return None
    reference = attempt.authorization.reference
    if attempt.committing:
        known, order = _order_after_failed_commit(reference)
        if order is not None:
            logger.warning(
                "Checkout's COMMIT failed to answer but order %s was saved", order.number
            )
            return order
        if not known:
            attempt.unresolved = True
            logger.error(
                "payment_unresolved: authorization %s (gateway %s, %s %s, order %s) left in "
                "place: the COMMIT failed and the order could not be looked up; reconcile it",
                reference,
                attempt.gateway.name,
                attempt.authorization.amount,
                attempt.authorization.currency,
                attempt.order_number,
            )
            return None
    try:
        attempt.gateway.void(authorization=reference)
    except Exception:  # never hide the original error
        logger.exception("Could not void authorization %s", reference)
    return None


def _order_after_failed_commit(reference: str) -> tuple[bool, Order | None]:
    """(known, order): the order whose payment holds `reference`, looked up on a fresh
    connection. Inside a caller's transaction, or with the database unreachable, it cannot be
    known (False, None)."""
    if connection.in_atomic_block:  # the caller's transaction decides, not ours
        return False, None
    try:
        connection.close()  # the connection the COMMIT failed on; the lookup opens a new one
        payment = Payment.objects.select_related("order").filter(authorization_ref=reference)
        found = payment.first()
    except DatabaseError:
        logger.warning("Could not look up authorization %s", reference, exc_info=True)
        return False, None
    if found is None:
        return True, None
    order = found.order
    order.payment = found
    return True, order
