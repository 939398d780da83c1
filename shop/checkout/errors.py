"""What checkout refuses, as DomainErrors with a stable `code` (problem+json in the API, a
message on the storefront's checkout page). Raised by shop/checkout/services.py."""

from __future__ import annotations

from config.errors import DomainError
from shop.pricing import Money, format_money


class CartEmpty(DomainError):
    code = "cart_empty"
    status = 409

    def __init__(self) -> None:
        super().__init__("Add something to the cart first.")


class CheckoutInProgress(DomainError):
    """Another request for the same order is still waiting for its payment."""

    code = "checkout_in_progress"
    status = 409

    def __init__(self) -> None:
        super().__init__("This checkout is still being paid for; try again in a moment.")


class TotalChanged(DomainError):
    """The cart now costs more than the total the shopper pressed the button for: prices
    changed, or an offer the cart showed is not theirs to have (used up, or once per customer
    and already used with this email). Nothing is written; the page shows the new total."""

    code = "total_changed"
    status = 409

    def __init__(self, *, shown: Money, now: Money) -> None:
        now_text, shown_text = format_money(now), format_money(shown)
        super().__init__(
            f"Your total is now {now_text}, not the {shown_text} you saw: a price or an offer "
            f"changed (an offer you have already used, for instance). Check your order and "
            f"press the button again to pay {now_text}."
        )


class IdempotencyKeyReused(DomainError):
    """The key was used before with a different request."""

    code = "idempotency_key_reused"
    status = 422

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for a different request; use a new key.")


class CheckoutBusy(DomainError):
    """A row the reservation needs (a product, the cart, a promotion) stayed locked by another
    transaction longer than CHECKOUT_LOCK_TIMEOUT_MS: a catalog import or an admin edit of the
    same products. Nothing was written or charged."""

    code = "checkout_busy"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            "Some of these products are being updated right now, so we could not place your "
            "order. Nothing was charged; try again in a moment."
        )
