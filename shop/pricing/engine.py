"""The pricing engine: `price(request)` applies the contract's five pricing steps, in order.

1. Regular prices: unit prices and subtotals (`intake`, which also refuses bad input).
2. Bundles: kits down to their price, routines by their reached tier (`bundles`).
3. Promo codes, one after another in the order given (`promos`).
4. Shipping (`shipping`).
5. Allocation of every line's total to its products, unit by unit (`breakdown`).

All arithmetic runs on integer cents; `Money` is built only for the output. Only percentages
round to the cent (`shop.pricing.money.percent_of_cents`, half-up through `round_cents`);
everything else is exact integer arithmetic or largest-remainder allocation.

Decisions where the contract and the brief are silent:

* A line's amounts never depend on the other lines' order: promo discounts are split over lines
  by largest remainder with ties broken by line id, and component shares with ties broken by
  (product slug, unit index). Output lines keep the request's order; gift lines come last, in
  the order of their codes. `applied` lists bundle entries (first seen in line order), then one
  entry per applied code in code order, then the shipping waiver; `rejected` lists routine tier
  hints in line order (an identical hint once) and then promo rejections in code order.
* A code given more than once is judged once: later occurrences (compared case-insensitively,
  spaces stripped) are ignored, since the first one already says whether it applied.
* A percent or amount code that would take off 0.00 (its eligible lines are already at 0.00, or
  the percentage of a few cents rounds to nothing) is rejected as `promo_not_applicable` rather
  than shown as applied, so checkout does not spend a use of it on nothing.
* Only an applied code can block a later one as `promo_not_combinable`; that check comes last,
  after the code's own checks passed. A second free-shipping code (both combinable) is
  `promo_not_applicable`: shipping is already free.
* `min_subtotal` is compared with the merchandise total after bundles and before every code.
* A free-shipping code that applies takes the shipping waiver (rule = the code), even when the
  cart also reaches the free-shipping threshold; its entry is listed even when the flat rate is
  0.00. The threshold waiver is listed only when it waives more than 0.00.
* An empty cart ships for 0.00: there is nothing to send. Codes on it are not applicable.
* A kit whose price is not below its regular value gets no bundle adjustment: it costs its value.
* A component's `quantity` counts its units in the whole line (per kit x line quantity).
* Routine tier labels read "Routine 10% off (3+ products)", hints "Add 1 more product to reach
  15% off"; promo labels "PORES15: 15% off", "WELCOME10: $10.00 off", "Free gift: Serum Prep".
* What the engine refuses (PricingError) is listed in `shop.pricing.intake`.
"""

from __future__ import annotations

from shop.pricing.breakdown import breakdown
from shop.pricing.bundles import apply_bundles
from shop.pricing.inputs import PricingRequest
from shop.pricing.intake import read_request
from shop.pricing.outputs import Breakdown, Rejection
from shop.pricing.promos import apply_promos
from shop.pricing.shipping import shipping_cents
from shop.pricing.state import Applied

__all__ = ["price"]


def price(request: PricingRequest) -> Breakdown:
    """Price a cart: the one function that computes a price in the shop.

    Deterministic and pure: it remembers nothing between calls. Raises PricingError
    (a ValueError) for input that breaks the rules listed in `shop.pricing.intake`; promo codes
    that do not apply are never errors, they are reported in `Breakdown.rejected`.
    """
    lines = read_request(request)
    applied = Applied()
    rejected: list[Rejection] = []
    apply_bundles(lines, applied, rejected)
    promos = apply_promos(request, lines, applied, rejected)
    shipping = shipping_cents(request.shipping, lines, promos.free_shipping_code, applied)
    return breakdown(request.currency, lines, promos.gift_lines, shipping, applied, rejected)
