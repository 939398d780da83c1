"""Payment gateways: the small interface checkout talks to, and the built-in `test` gateway.

Checkout's order of events, and why (shop/checkout/services.py):

1. Checkout first commits a reservation: the `pending` order, its stock and its promo uses.
   Then it calls `authorize`, holding no database lock: an authorization only holds the amount
   on the card, and however long the provider takes, other orders of the same products go on.
   A decline raises `PaymentDeclined` and the reservation is released (stock, promo uses, the
   order rows, the closed cart: shop/checkout/reservation.py). If anything fails after an
   approval, checkout calls `void` once the order is known not to exist (shop/checkout/
   attempts.py: a failed COMMIT may have saved it, so the payment is looked up first; a hold
   it cannot resolve is logged).
2. An approval is recorded in a second transaction that makes the order `placed`, and after
   that commit `order_payment_capture` calls `capture`: money moves only for an order that is
   durably written. A capture that fails (the provider is down) leaves the order `placed` with
   its payment `authorized`; staff capture it from the admin.

Where a real provider plugs in: write a class with the four methods of `PaymentGateway`
(translate the provider's decline into `PaymentDeclined`, its outages into `GatewayError`),
add it to `GATEWAYS` under the `payment.method` name clients send, and list that name in the
`SHOP_PAYMENT_METHODS` setting. The card token comes from the provider's browser SDK; the shop
never sees card numbers. `SHOP_PAYMENT_METHODS` defaults to `test` with DEBUG=1 and to nothing
with DEBUG=0, where `manage.py check --deploy` warns if `test` is listed; with no method
configured, checkout refuses with `PaymentsNotConfigured` before writing anything.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from django.conf import settings

from config.errors import DomainError, InvalidInput


class PaymentDeclined(DomainError):
    """The provider refused the payment; `reason` is safe to show the shopper."""

    code = "payment_declined"
    status = 402

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class GatewayError(DomainError):
    """The provider could not be reached or failed; nothing about the card is known. The
    message is for the log; the shopper is told `detail`."""

    code = "payment_unavailable"
    status = 503

    def __init__(self, message: str = "") -> None:
        super().__init__("The payment provider did not answer; nothing was charged. Try again.")
        self.message = message

    def __str__(self) -> str:
        return self.message or self.detail


class PaymentsNotConfigured(DomainError):
    """No payment method is configured (SHOP_PAYMENT_METHODS is empty): the shop cannot take
    orders until the operator names one. Not the shopper's fault, nothing was charged."""

    code = "payments_not_configured"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "This shop is not taking payments at the moment (no payment method is set up), so "
            "no order can be placed. Nothing was charged."
        )


class UnknownPaymentMethod(InvalidInput):
    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"payment.method": [message]})


@dataclass(frozen=True, slots=True)
class Authorization:
    reference: str
    amount: Decimal
    currency: str


class PaymentGateway(Protocol):
    """What checkout needs from a payment provider. References are the provider's ids."""

    name: str
    label: str  # what the storefront's checkout form calls the token field
    form_help: str  # the help text under it
    form_initial: str  # what the field holds at first ("" for a real card)

    def authorize(
        self, *, amount: Decimal, currency: str, token: str, reference: str
    ) -> Authorization:
        """Hold `amount` on the card behind `token`; raises PaymentDeclined or GatewayError."""
        ...

    def capture(self, *, authorization: str, amount: Decimal) -> str:
        """Take the held amount; returns the capture reference. Safe to call twice."""
        ...

    def void(self, *, authorization: str) -> None:
        """Release a hold that will not be captured. Safe to call twice."""
        ...

    def refund(self, *, capture: str, amount: Decimal, reference: str) -> str:
        """Give back part or all of a captured amount; returns the refund reference."""
        ...


@runtime_checkable
class CardFormGateway(Protocol):
    """A gateway whose storefront form asks for a card (number, expiry, CVC) rather than a
    token from the provider's browser SDK: the test gateway, standing in for a real one's
    hosted fields. `card_token` turns the number into the token `authorize` takes."""

    card_help: str  # the help text under the card number

    def card_token(self, number: str) -> str: ...


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    operation: str
    reference: str
    amount: Decimal


class TestGateway:
    """The built-in gateway for development and tests, with Stripe-like test tokens.

    `tok_ok` is approved, `tok_decline` is declined as a card would be, any other token is
    declined as unknown. Every operation is recorded in `TestGateway.ledger` (process-wide,
    thread-safe), which is how tests see that a hold was voided.
    """

    __test__ = False  # not a pytest test class, whatever its name says
    name = "test"
    label = "Card (test token)"
    form_help = "This shop uses the test gateway: tok_ok is approved, tok_decline is declined."
    form_initial = "tok_ok"
    APPROVED = "tok_ok"
    DECLINED = "tok_decline"
    # The storefront asks for a card as a real provider's form would (cardform.py); these
    # numbers stand for the tokens, as Stripe's test cards do. Any other valid number is
    # declined as unknown.
    CARD_NUMBERS = {"4242424242424242": APPROVED, "4000000000000002": DECLINED}
    card_help = (
        "Test payments only: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 is "
        "declined; any future expiry date and any CVC."
    )

    CARD_PREFIX = "tok_card_"
    UNKNOWN_CARD = (
        "The test gateway declines this card: use 4242 4242 4242 4242 (approved) or "
        "4000 0000 0000 0002 (declined)."
    )

    def card_token(self, number: str) -> str:
        """The test token a card number stands for (its digits only)."""
        return self.CARD_NUMBERS.get(number, f"{self.CARD_PREFIX}{number[-4:]}")

    ledger: list[LedgerEntry] = []
    _lock = threading.Lock()

    @classmethod
    def _record(cls, operation: str, reference: str, amount: Decimal) -> None:
        with cls._lock:
            cls.ledger.append(LedgerEntry(operation, reference, amount))

    @classmethod
    def ledger_clear(cls) -> None:
        with cls._lock:
            cls.ledger.clear()

    def authorize(
        self, *, amount: Decimal, currency: str, token: str, reference: str
    ) -> Authorization:
        if token == self.DECLINED:
            self._record("decline", reference, amount)
            raise PaymentDeclined("Your card was declined. Try another card.")
        if token.startswith(self.CARD_PREFIX):
            self._record("decline", reference, amount)
            raise PaymentDeclined(self.UNKNOWN_CARD)
        if token != self.APPROVED:
            self._record("decline", reference, amount)
            raise PaymentDeclined(
                f"The test gateway knows the tokens {self.APPROVED} and {self.DECLINED} only."
            )
        authorization = f"test_auth_{uuid.uuid4().hex}"
        self._record("authorize", authorization, amount)
        return Authorization(reference=authorization, amount=amount, currency=currency)

    def capture(self, *, authorization: str, amount: Decimal) -> str:
        self._record("capture", authorization, amount)
        return authorization.replace("test_auth_", "test_capture_", 1)

    def void(self, *, authorization: str) -> None:
        self._record("void", authorization, Decimal("0"))

    def refund(self, *, capture: str, amount: Decimal, reference: str) -> str:
        self._record("refund", capture, amount)
        return f"test_refund_{uuid.uuid4().hex}"


# The `payment.method` names clients may send, and the gateway class for each.
GATEWAYS: dict[str, Callable[[], PaymentGateway]] = {"test": TestGateway}


def payment_methods() -> list[str]:
    """The methods this shop accepts, in the order of SHOP_PAYMENT_METHODS (default: "test"
    with DEBUG=1, none with DEBUG=0)."""
    configured = getattr(settings, "SHOP_PAYMENT_METHODS", [])
    return [method for method in configured if method in GATEWAYS]


def gateway_for(method: str) -> PaymentGateway:
    """The gateway for `method`; PaymentsNotConfigured when the shop accepts none at all,
    UnknownPaymentMethod when it accepts others."""
    if not payment_methods():
        raise PaymentsNotConfigured()
    if method not in payment_methods():
        raise UnknownPaymentMethod(
            f"Payment method must be one of: {', '.join(payment_methods()) or 'none configured'}."
        )
    return GATEWAYS[method]()
