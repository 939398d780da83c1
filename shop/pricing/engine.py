"""The pricing engine: `price(request)` applies the contract's six pricing steps, in order.

1. Regular prices: unit prices and subtotals (`intake`, which also refuses bad input).
2. Bundles: kits down to their price, routines by their reached tier (`bundles`).
3. Automatic offers, in priority order (`offers`).
4. Promo codes, one after another in the order given (`promos`).
5. Shipping (`shipping`).
6. Allocation of every line's total to its products, unit by unit (`breakdown`).

Steps 3 to 5 run together in `stacking`: where an offer and a code (or two offers) may not
combine, each way of stacking them is priced and the shopper gets the one that saves most.

All arithmetic runs on integer cents; `Money` is built only for the output. Only percentages
round to the cent (`shop.pricing.money.percent_of_cents`, half-up through `round_cents`);
everything else is exact integer arithmetic or largest-remainder allocation.

Decisions where the contract and the brief are silent:

* A line's amounts never depend on the other lines' order: promo discounts are split over lines
  by largest remainder with ties broken by line id, and component shares with ties broken by
  (product slug, unit index). Output lines keep the request's order; gift lines come last, in
  the order of their offers and then codes. `applied` lists bundle entries (first seen in line
  order), then one entry per applied offer in the order offers apply, one per applied code in
  code order, then the shipping waiver; `rejected` lists routine tier hints in line order (an
  identical hint once), then offer hints and offer rejections in offer order, then promo
  rejections in code order.
* A code given more than once is judged once: later occurrences (compared case-insensitively,
  spaces stripped) are ignored, since the first one already says whether it applied.
* A percent or amount code that would take off 0.00 (its eligible lines are already at 0.00, or
  the percentage of a few cents rounds to nothing) is rejected as `promo_not_applicable` rather
  than shown as applied, so checkout does not spend a use of it on nothing.
* Only an applied code can block a later one as `promo_not_combinable`; that check comes last,
  after the code's own checks passed. A second free-shipping code (both combinable) is
  `promo_not_applicable`: shipping is already free.
* `min_subtotal` is compared with the merchandise total after bundles and before every offer and
  code (an offer's with its eligible lines' total, a code's with the whole cart's), so that one
  discount never disqualifies another.
* A free-shipping code that applies takes the shipping waiver (rule = the code), even when the
  cart also reaches the free-shipping threshold; its entry is listed even when the flat rate is
  0.00. The threshold waiver is listed only when it waives more than 0.00.
* An empty cart ships for 0.00: there is nothing to send. Codes on it are not applicable.
* A kit whose price is not below its regular value gets no bundle adjustment: it costs its value.
* A component's `quantity` counts its units in the whole line (per kit x line quantity).
* Routine tier labels read "Routine 10% off (3+ products)", hints "Add 1 more product to reach
  15% off"; promo labels "PORES15: 15% off", "WELCOME10: $10.00 off", "Free gift: Serum Prep".
* Automatic offers (issue 18):
  - An offer's units (`min_items`, buy X get Y) are its eligible lines' quantities: a kit or a
    routine counts as one unit, priced at its line's unit price after bundles.
  - Offers apply in priority order (higher first; ties by id, numeric ids in numeric order)
    and compound: each takes its share of what the earlier ones left, and codes after them
    (10% then 15% is 23.5% off, not 25%).
  - An offer out of its dates, inactive, used up or used up by this customer is skipped without
    an entry; an offer with nothing in its scope in the cart gives no hint; a reached offer that
    would take off 0.00 (or free shipping when it is already free) is not listed.
  - A missed threshold is `offer_not_reached`: "Add 1 more item to get 10% off", "Spend $12.50
    more to get free shipping", both joined by "and"; a scoped offer's hint names the offer.
  - Combining: an offer and a code (or two offers) combine only when both are `combinable`.
    When they may not, every way of stacking (all combinable offers together, each other
    offer alone, no offer) is priced with the codes that combine with it, and the shopper
    gets the one with the largest benefit: the savings (gifts at their regular value) plus
    the shipping waived. Ties go to the offers (the code keeps its use), then to the way
    holding the offer of highest priority. Losers are `promo_not_combinable`, their reason
    naming the winner: "PORES15 can't be combined with Any 3 products: 10% off, which saves
    you more" ("as much" on a tie).
  - An offer never leaves the shopper paying more: when the cart reaches free shipping by its
    total after bundles, the way without offers is priced too, and an offer that would take
    the cart below the threshold for less than the shipping is left out as
    `offer_not_applicable` ("$0.01 off would take your order below free shipping from $50.00.").
  - Buy X get Y frees, of every buy + get eligible units, the `get` cheapest of all of them
    (so 4 units at 10, 9, 2 and 1 on buy 1 get 1 free the 2 and the 1), ties by line id.
  - An offer's entries use rule = its id; a gift line from an offer has the id
    "gift:offer:<id>"; a gift or free-shipping offer is listed in `applied` at 0.00 and its
    waiver under `shipping` with the offer's label. Labels read "Any 3 products: 10% off",
    "Spend $50.00: free shipping", "Buy 2, get 1 free", unless the caller gives one.
* What the engine refuses (PricingError) is listed in `shop.pricing.intake`.
"""

from __future__ import annotations

from shop.pricing.breakdown import breakdown
from shop.pricing.bundles import apply_bundles
from shop.pricing.inputs import PricingRequest
from shop.pricing.intake import read_request
from shop.pricing.outputs import Breakdown, Rejection
from shop.pricing.stacking import discount
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
    run = discount(request, lines, applied, rejected)
    return breakdown(
        request.currency,
        run.lines,
        run.outcome.gift_lines,
        run.shipping,
        run.applied,
        run.rejected,
    )
