"""Steps 3 to 5 together: automatic offers, then codes, then shipping, and where an offer and a
code (or two offers) may not combine, the way of stacking them that saves the shopper most.

A way of stacking is a set of offers: every reached combinable offer together, each reached
offer that does not combine on its own, and no offer at all (when codes were given, or when the
cart reaches free shipping by its total, which an offer could take it below: an automatic offer
never leaves the shopper paying more). Each is
priced in full on copies of the lines: its offers in priority order, then the codes, of which
those that may not combine with the offers applied are kept out, then shipping. The one whose
benefit (the savings, gifts' worth included, plus the shipping waived) is largest wins; on a
tie the earlier way wins: offers before codes (the code keeps its use), and among offer sets
the one holding the offer of highest priority. The loser of every conflict is in `rejected`
with `promo_not_combinable`, naming what won.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shop.pricing.inputs import OfferRule, PricingRequest, PromoRule
from shop.pricing.money import format_money
from shop.pricing.offers import Reach, apply_offer, offer_label, reach_offers
from shop.pricing.outputs import Rejection
from shop.pricing.promos import PromoOutcome, apply_promos
from shop.pricing.shipping import shipping_cents
from shop.pricing.state import Applied, LineState

__all__ = ["Run", "discount"]


@dataclass
class Run:
    """One way of stacking, priced: the lines and entries as they stand after shipping."""

    lines: list[LineState]
    applied: Applied
    rejected: list[Rejection]
    outcome: PromoOutcome
    shipping: int
    offers: list[OfferRule]
    codes: list[PromoRule]
    benefit: int


def discount(
    request: PricingRequest, lines: list[LineState], applied: Applied, rejected: list[Rejection]
) -> Run:
    """Apply the offers and codes of `request` to `lines` (after bundles) and price shipping."""
    after_bundles = sum(line.total for line in lines)
    if not request.offers:
        return _run(request, lines, applied, rejected, (), after_bundles, {})
    reach = reach_offers(request, lines)
    free_over = request.shipping.free_over
    bare = (
        free_over is not None
        and request.shipping.flat.cents > 0
        and after_bundles >= free_over.cents
    )
    ways = _ways(reach.reached, request.promos, bare=bare)
    if len(ways) == 1:
        section = _section(reach, None, [], request)
        return _run(request, lines, applied, rejected + section, ways[0], after_bundles, {})
    runs = [
        _run(request, [line.copy() for line in lines], applied.copy(), [], way, after_bundles, {})
        for way in ways
    ]
    best = max(range(len(runs)), key=lambda index: (runs[index].benefit, -index))
    winner = runs[best]
    words = {
        code.code: _word(winner, [run for run in runs if code in run.codes])
        for code in request.promos
        if isinstance(code, PromoRule) and code not in winner.codes
    }
    section = _section(reach, winner, runs, request)
    if all(word == "more" for word in words.values()):
        # The winner was priced with the words it needs: keep it, the offers' part first.
        winner.rejected[:0] = rejected + section
        return winner
    return _run(request, lines, applied, rejected + section, ways[best], after_bundles, words)


def _ways(
    reached: list[OfferRule], promos: Sequence[object], *, bare: bool
) -> list[list[OfferRule]]:
    """The offer sets worth pricing, in tie-break order; one when nothing can conflict. `bare`
    asks for the way without offers even when no code is given."""
    together = [offer for offer in reached if offer.combinable]
    alone = [offer for offer in reached if not offer.combinable]
    codes = [promo for promo in promos if isinstance(promo, PromoRule)]
    if not reached or (not alone and not bare and all(code.combinable for code in codes)):
        return [together]
    ways = [[offer] for offer in alone]
    if together:
        ways.append(together)
    ways.sort(key=lambda way: reached.index(way[0]))
    if codes or bare:
        ways.append([])
    return ways


def _run(
    request: PricingRequest,
    lines: list[LineState],
    applied: Applied,
    rejected: list[Rejection],
    offers: Sequence[OfferRule],
    after_bundles: int,
    words: dict[str, str],
) -> Run:
    currency = request.currency
    outcome = PromoOutcome()
    taken = [offer for offer in offers if apply_offer(offer, lines, applied, outcome, currency)]

    def blocked(code: PromoRule) -> str | None:
        if not taken or (code.combinable and all(offer.combinable for offer in taken)):
            return None
        winner = taken[0] if not code.combinable else next(o for o in taken if not o.combinable)
        name = offer_label(winner, currency)
        word = words.get(code.code, "more")
        return f"{code.code} can't be combined with {name}, which saves you {word}."

    codes = apply_promos(
        request, lines, applied, rejected, outcome, after_bundles=after_bundles, blocked=blocked
    )
    shipping = shipping_cents(request.shipping, lines, outcome.free_shipping, applied)
    benefit = sum(line.subtotal - line.total for line in lines) - shipping
    benefit += sum(gift.price.cents for _, gift in outcome.gift_lines)
    return Run(lines, applied, rejected, outcome, shipping, taken, codes, benefit)


def _word(winner: Run, alternatives: list[Run]) -> str:
    """How the winner compares with the best way in which the loser applied."""
    if alternatives and max(run.benefit for run in alternatives) >= winner.benefit:
        return "as much"
    return "more"


def _section(
    reach: Reach, winner: Run | None, runs: list[Run], request: PricingRequest
) -> list[Rejection]:
    """The offers' part of `rejected`, in offer order: a hint for each offer not reached, and
    each reached offer that lost: to a non-combinable rival (`promo_not_combinable`, naming the
    rival) or to free shipping by the cart's total (`offer_not_applicable`)."""
    currency = request.currency
    free_over = request.shipping.free_over
    section: list[Rejection] = []
    for offer in reach.offers:
        hint = reach.hints.get(offer.id)
        if hint is not None:
            section.append(hint)
            continue
        if winner is None or offer in winner.offers:
            continue
        applying = [run for run in runs if offer in run.offers]
        if not applying:  # an offer that gives nothing in any way is not mentioned
            continue
        label = offer_label(offer, currency)
        word = _word(winner, applying)
        rival = _rival(offer, winner, currency)
        if rival:
            why = "promo_not_combinable"
            reason = f"{label} can't be combined with {rival}, which saves you {word}."
        elif free_over is not None:
            why = "offer_not_applicable"
            threshold = format_money(free_over)
            reason = f"{label} would take your order below free shipping from {threshold}."
        else:  # only a way without a rival or a threshold could have won; none can
            continue
        section.append(Rejection(source="offer", rule=offer.id, code=why, reason=reason))
    return section


def _rival(offer: OfferRule, winner: Run, currency: str) -> str:
    """The name of what `offer` may not combine with in the winning way: an offer (by label)
    before a code."""
    for other in winner.offers:
        if not (offer.combinable and other.combinable):
            return offer_label(other, currency)
    for code in winner.codes:
        if not (offer.combinable and code.combinable):
            return code.code
    return ""
