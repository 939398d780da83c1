"""The error the pricing service raises for input it refuses to price."""

from __future__ import annotations

__all__ = ["PricingError"]


class PricingError(ValueError):
    """The request (or a stored breakdown) breaks a rule that callers are expected to check first.

    The Django side validates carts before pricing them; this is the last line of defence, so the
    message names the line, code or field and the rule it breaks.
    """
