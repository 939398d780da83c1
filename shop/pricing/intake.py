"""Step 1: read a pricing request into per-line state in cents, refusing input that breaks a rule.

The Django side validates carts before pricing them; this is the last line of defence, so that
nothing that slipped through can produce a wrong or negative price. Checking and reading happen
in the same pass over the lines, on every call. Every violation raises `PricingError` naming
the line, code or field and the rule:

* the request currency is three upper-case letters and every amount (prices, kit prices, the
  shipping policy, minimum subtotals, gifts) is Money in that currency and not negative;
* `now` and every validity bound are timezone-aware datetimes;
* line ids are non-empty, unique, and do not start with "gift:" (reserved for gift lines);
* line quantities are ints from 1 to 99 (`MAX_QUANTITY`), kit part quantities ints >= 1;
* a kit has at least one component, a routine at least one selection; tier minimums are unique
  counts and tier percentages lie in 0..100;
* a promo's kind is percent, amount, free_shipping or gift; a percent lies in 0..100, an amount
  is >= 0 in whole cents, a gift code names its gift; limits and use counts are counts >= 0;
* an offer is checked as a code is, and also: its id is a non-empty string unique among the
  offers, its kind may also be buy_x_get_y (then `buy` and `get` are counts >= 1), `min_items`
  is None or a count >= 0 and `priority` an int.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Final, TypeGuard

from shop.pricing.errors import PricingError
from shop.pricing.inputs import (
    Item,
    KitLine,
    OfferRule,
    Part,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    Tier,
    UnknownCode,
)
from shop.pricing.money import Money, check_currency
from shop.pricing.state import GIFT_LINE_PREFIX, Group, LineState

__all__ = ["MAX_QUANTITY", "OFFER_KINDS", "PROMO_KINDS", "read_request", "whole_cents"]

MAX_QUANTITY: Final = 99
PROMO_KINDS: Final = frozenset({"percent", "amount", "free_shipping", "gift"})
OFFER_KINDS: Final = PROMO_KINDS | {"buy_x_get_y"}


def read_request(request: PricingRequest) -> list[LineState]:
    """Check the whole request and read its lines (step 1: regular prices and subtotals)."""
    if not isinstance(request, PricingRequest):
        raise PricingError(f"price() takes a PricingRequest, not {type(request).__name__}")
    if not isinstance(request.currency, str):
        raise PricingError(f"request currency must be a string, not {request.currency!r}")
    try:
        check_currency(request.currency)
    except ValueError as error:
        raise PricingError(f"request currency: {error}") from None
    if not _is_aware(request.now):
        raise PricingError("request.now must be a timezone-aware datetime")
    reader = _Reader(request.currency)
    policy = request.shipping
    if not isinstance(policy, ShippingPolicy):
        raise PricingError("request.shipping must be a ShippingPolicy")
    reader.money(policy.flat, "shipping.flat")
    if policy.free_over is not None:
        reader.money(policy.free_over, "shipping.free_over")
    lines: list[LineState] = []
    ids: set[str] = set()
    for line in request.lines:
        line_id = _line_id(line)
        if line_id in ids:
            raise PricingError(f"two lines have the id {line_id!r}")
        ids.add(line_id)
        # A message gets its "line 'x'" prefix only when something is wrong.
        try:
            lines.append(reader.line(line))
        except PricingError as error:
            raise PricingError(f"line {line_id!r}: {error}") from None
    for promo in request.promos:
        try:
            reader.promo(promo)
        except PricingError as error:
            raise PricingError(f"promo {getattr(promo, 'code', promo)!r}: {error}") from None
    offer_ids: set[str] = set()
    for offer in request.offers:
        try:
            reader.offer(offer, offer_ids)
        except PricingError as error:
            raise PricingError(f"offer {getattr(offer, 'id', offer)!r}: {error}") from None
    return lines


def whole_cents(value: Decimal | int) -> int:
    """An amount given as a Decimal or int, in cents; PricingError if it has a fraction of one."""
    # In exact integers: Decimal arithmetic would round to the thread's context precision.
    numerator, denominator = Decimal(value).as_integer_ratio()
    cents, rest = divmod(numerator * 100, denominator)
    if rest:
        raise PricingError(f"amount {value} has a fraction of a cent")
    return cents


def _is_count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.utcoffset() is not None


def _is_number(value: object) -> TypeGuard[Decimal | int]:
    if isinstance(value, Decimal):
        return value.is_finite()
    return _is_count(value)


_LINE_TYPES: Final = (ProductLine, KitLine, RoutineLine)


def _line_id(line: object) -> str:
    if not isinstance(line, _LINE_TYPES):
        raise PricingError(f"a cart line must be a product, kit or routine line, not {line!r}")
    line_id = line.id
    if not isinstance(line_id, str) or not line_id:
        raise PricingError(f"every line needs an id, {line!r} has none")
    if line_id.startswith(GIFT_LINE_PREFIX):
        raise PricingError(f"line {line_id!r}: ids starting with {GIFT_LINE_PREFIX!r} are reserved")
    return line_id


def _ordinals(parts: Sequence[Group]) -> tuple[Group, ...]:
    # Number the entries of a product listed more than once (0, 1, ...), so that its units
    # keep distinct tie-break keys; see allocate_units.
    seen: dict[str, int] = {}
    numbered = []
    for slug, _, units, cents in parts:
        ordinal = seen.get(slug, 0)
        seen[slug] = ordinal + 1
        numbered.append((slug, ordinal, units, cents))
    return tuple(numbered)


class _Reader:
    """Reads one request's lines, checking each as it goes.

    Its messages start with the field ("kit price ..."); `read_request` puts the line or code
    first.
    """

    def __init__(self, currency: str) -> None:
        self.currency = currency

    def money(self, value: object, name: str) -> int:
        if not isinstance(value, Money):
            raise PricingError(f"{name} must be Money, not {type(value).__name__}")
        if value.currency != self.currency:
            raise PricingError(
                f"{name} is in {value.currency} but the request is in {self.currency}"
            )
        cents = value.cents
        if cents < 0:
            raise PricingError(f"{name} must not be negative, it is {value}")
        return cents

    def price(self, item: object, name: str) -> int:
        """The price of `item` in cents, after checking it."""
        if not isinstance(item, Item):
            raise PricingError(f"{name} must be an Item, not {type(item).__name__}")
        if not isinstance(item.slug, str) or not item.slug:
            raise PricingError(f"{name} has no slug")
        return self.money(item.price, f"{name} ({item.slug}) price")

    def parts(
        self, parts: Sequence[Part], quantity: int, name: str
    ) -> tuple[tuple[Group, ...], int]:
        """The groups of a kit's parts for `quantity` kits, and the price of one kit."""
        groups: list[Group] = []
        unit = 0
        for part in parts:
            if not isinstance(part, Part):
                raise PricingError(f"{name} must hold Part, not {part!r}")
            item = part.item
            cents = self.price(item, name)
            count = part.quantity
            if not _is_count(count) or count < 1:
                raise PricingError(
                    f"{name} ({item.slug}): quantity must be at least 1, not {count!r}"
                )
            groups.append((item.slug, 0, count * quantity, cents))
            unit += cents * count
        return _ordinals(groups), unit

    def line(self, line: ProductLine | KitLine | RoutineLine) -> LineState:
        quantity = line.quantity
        if not _is_count(quantity) or not 1 <= quantity <= MAX_QUANTITY:
            raise PricingError(f"quantity must be between 1 and {MAX_QUANTITY}, not {quantity!r}")
        if isinstance(line, ProductLine):
            item = line.item
            each = self.price(item, "item")
            group = ((item.slug, 0, quantity, each),)
            return LineState(line, "product", item.slug, item.name, item.step, group, each)
        if isinstance(line, KitLine):
            self.money(line.price, "kit price")
            if not line.components:
                raise PricingError(f"kit {line.slug!r} has no components")
            groups, unit = self.parts(line.components, quantity, "components")
            gifts, gift_unit = self.parts(line.gifts, quantity, "gifts")
            return LineState(
                line,
                "kit",
                line.slug,
                line.name,
                None,
                groups,
                unit,
                gifts=tuple((slug, units) for slug, _, units, _ in gifts),
                gift_value=gift_unit * quantity,
            )
        if not line.selections:
            raise PricingError(f"routine {line.slug!r} has no selections")
        chosen: list[Group] = []
        unit = 0
        for item in line.selections:
            cents = self.price(item, "selection")
            chosen.append((item.slug, 0, quantity, cents))
            unit += cents
        self.tiers(line.tiers)
        return LineState(line, "routine", line.slug, line.name, None, _ordinals(chosen), unit)

    def tiers(self, tiers: Sequence[Tier]) -> None:
        minimums: set[int] = set()
        for tier in tiers:
            if not isinstance(tier, Tier):
                raise PricingError(f"tiers must be Tier, not {type(tier).__name__}")
            if not _is_count(tier.min_items) or tier.min_items < 0:
                raise PricingError(f"tier min_items must be a count, not {tier.min_items!r}")
            if tier.min_items in minimums:
                raise PricingError(f"two tiers start at {tier.min_items} products")
            minimums.add(tier.min_items)
            if not _is_number(tier.percent_off) or not 0 <= tier.percent_off <= 100:
                raise PricingError(
                    f"tier percent_off must be a Decimal from 0 to 100, not {tier.percent_off!r}"
                )

    def promo(self, promo: object) -> None:
        if isinstance(promo, UnknownCode):
            if not isinstance(promo.code, str):
                raise PricingError("an unknown code must be a string")
            return
        if not isinstance(promo, PromoRule):
            raise PricingError("promos must be PromoRule or UnknownCode")
        if not isinstance(promo.code, str) or not promo.code.strip():
            raise PricingError("every promo needs a code")
        self.rule(promo, PROMO_KINDS)

    def offer(self, offer: object, ids: set[str]) -> None:
        if not isinstance(offer, OfferRule):
            raise PricingError("offers must be OfferRule")
        if not isinstance(offer.id, str) or not offer.id:
            raise PricingError("every offer needs an id")
        if offer.id in ids:
            raise PricingError("two offers have this id")
        ids.add(offer.id)
        self.rule(offer, OFFER_KINDS)
        if offer.kind == "buy_x_get_y":
            for name, count in (("buy", offer.buy), ("get", offer.get)):
                if not (_is_count(count) and count >= 1):
                    raise PricingError(f"{name} must be a count >= 1, not {count!r}")
        if offer.min_items is not None and not (
            _is_count(offer.min_items) and offer.min_items >= 0
        ):
            raise PricingError(f"min_items must be a count >= 0, not {offer.min_items!r}")
        if not _is_count(offer.priority):
            raise PricingError(f"priority must be an int, not {offer.priority!r}")

    def rule(self, rule: PromoRule | OfferRule, kinds: frozenset[str]) -> None:
        """What codes and offers have in common: kind, value, gift, minimum, dates, counts."""
        if rule.kind not in kinds:
            raise PricingError(f"unknown kind {rule.kind!r}")
        if rule.kind == "percent" and not (_is_number(rule.value) and 0 <= rule.value <= 100):
            raise PricingError(f"a percent must be from 0 to 100, not {rule.value!r}")
        if rule.kind == "amount":
            if not (_is_number(rule.value) and rule.value >= 0):
                raise PricingError(f"an amount must be >= 0, not {rule.value!r}")
            whole_cents(rule.value)
        if rule.kind == "gift":
            if rule.gift is None:
                raise PricingError("a gift code needs a gift")
            self.price(rule.gift, "gift")
        if rule.min_subtotal is not None:
            self.money(rule.min_subtotal, "min_subtotal")
        for name, moment in (("starts_at", rule.starts_at), ("ends_at", rule.ends_at)):
            if moment is not None and not _is_aware(moment):
                raise PricingError(f"{name} must be a timezone-aware datetime")
        for name, count in (
            ("usage_limit", rule.usage_limit),
            ("per_customer_limit", rule.per_customer_limit),
            ("uses", rule.uses),
            ("customer_uses", rule.customer_uses),
        ):
            if count is not None and not (_is_count(count) and count >= 0):
                raise PricingError(f"{name} must be a count >= 0, not {count!r}")
