"""Promo code services: creating promotions with their named codes, redeeming codes with hard
limits at checkout, giving uses back. Generating codes is in `generation`.

Redemption (called by checkout at the end of its reservation transaction, after stock is
taken and before the payment is asked for, which happens after that commit) takes every limit
with a guarded UPDATE:

    UPDATE promotion SET uses = uses + 1 WHERE id = ? AND active AND <window> AND uses < limit
    UPDATE promo code SET uses = uses + 1 WHERE id = ? AND uses < max_uses

An UPDATE that matches no row means the limit is reached: `PromoUnavailable` is raised and the
savepoint around the redemption (for checkout's new order, its whole transaction) undoes
whatever it had taken. The promotion's UPDATE always
runs (also without a total limit), so it also locks the promotion's row until the reservation
commits (a few statements later, never across the payment): the per-customer count is read
after it, under the lock, where no other checkout of the same promotion can add a redemption.
Automatic offers the breakdown applied are taken the same way, after the codes
(`promotions.codes.offers.offer_uses_take`). Locks are taken in (promotion, code) id
order, so two checkouts never wait on each other in a circle. A failed reservation rolls back,
uses included; a declined payment or an expired reservation calls `promo_codes_forget` (uses
given back, rows deleted); a cancelled order calls `promo_codes_release` (both in `releases`,
named here too). Counters therefore always equal the number of unreleased Redemption rows.

Codes are kept in memory under the catalog token (`promotions.codes.code_cache`): a use that
brings a code or its promotion to a limit touches the token (`promotions.codes.uses`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from config.errors import DomainError
from kits.models import Kit, Routine
from promotions.codes.generation import promo_code_problem
from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.codes.offer_fields import AUTOMATIC_HAS_NO_CODES
from promotions.codes.offers import offer_rules_of, offer_uses_take
from promotions.codes.releases import promo_codes_forget as promo_codes_forget
from promotions.codes.releases import promo_codes_release as promo_codes_release
from promotions.codes.selectors import promo_code_normalise
from promotions.codes.uses import (
    Count,
    customer_uses,
    redemption_record,
    unavailable_reason,
    uses_near_limit,
    uses_token_touch,
    uses_touch_if_used_up,
)
from promotions.messaging.identity import normalize_email
from shop.catalog.models import Product, Step
from shop.pricing import Breakdown

GIFT_LINE_PREFIX = "gift:"  # shop.pricing names a promo gift line "gift:<CODE>"
THRESHOLD_RULE = "free_shipping_over"  # shop.pricing's rule for the free-shipping threshold

REASONS = {
    "promo_not_found": "{code} isn't a valid promo code.",
    "promo_min_subtotal": "Your cart no longer reaches the minimum for {code}.",
    "promo_not_applicable": "{code} doesn't apply to anything in your cart.",
    "promo_not_combinable": "{code} can't be combined with the other codes.",
    "promo_not_started": "{code} can't be used yet.",
    "promo_expired": "{code} has expired.",
    "promo_exhausted": "{code} has been fully redeemed.",
    "promo_customer_limit": "You've already used {code} as many times as it allows.",
}


class PromoUnavailable(DomainError):
    """A code in the order can no longer be redeemed: 409 with the contract rejection code
    (`reason`: promo_exhausted, promo_customer_limit, ...) as the problem's code, and a
    `message` that says it to a shopper."""

    status = 409

    def __init__(self, promo_code: str, reason: str) -> None:
        self.promo_code = promo_code
        self.reason = reason
        self.message = REASONS.get(reason, "{code} can't be used.").format(code=promo_code)
        super().__init__(self.message, code=reason, extra={"promo_code": promo_code})


class OrderLike(Protocol):
    """What redemption needs of an order: its id, and the account when there is one."""

    pk: Any


# -- promotions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionSpec:
    """A promotion as the staff API describes it: scope and gift by slug, codes as typed."""

    name: str
    kind: str
    value: Decimal = Decimal("0")
    applies_to_bundles: bool = True
    products: Sequence[str] = ()
    kits: Sequence[str] = ()
    routines: Sequence[str] = ()
    steps: Sequence[str] = ()
    gift: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    min_subtotal: Decimal | None = None
    combinable: bool = False
    active: bool = True
    codes: Sequence[str] = field(default_factory=tuple)
    automatic: bool = False
    min_items: int | None = None
    buy: int | None = None
    get: int | None = None
    priority: int = 0


def promo_codes_check(codes: Sequence[str], *, field_name: str = "codes") -> dict[str, list[str]]:
    """Errors for codes staff want to create: format, repeats in the list, codes taken."""
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    normalised = [promo_code_normalise(code) for code in codes]
    taken = set(
        PromoCode.objects.filter(code__in=[c for c in normalised if c]).values_list(
            "code", flat=True
        )
    )
    for index, code in enumerate(normalised):
        problem = promo_code_problem(code)
        if problem is None and code in seen:
            problem = f"{code} is in the list twice."
        if problem is None and code in taken:
            problem = f"{code} already exists."
        if problem:
            errors[f"{field_name}.{index}"] = [problem]
        seen.add(code)
    return errors


def _by_slug(model: Any, slugs: Sequence[str]) -> tuple[list[Any], list[str]]:
    wanted = list(dict.fromkeys(slugs))
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=wanted)}
    return list(found.values()), [slug for slug in wanted if slug not in found]


# Model fields the staff API names differently.
_API_FIELDS = {
    "gift_product": "gift",
    "min_subtotal_amount": "min_subtotal",
    "buy_quantity": "buy",
    "get_quantity": "get",
}


@transaction.atomic
def promotion_create(*, spec: PromotionSpec) -> Promotion:
    """Create a promotion with its scope and named (public) codes; raises ValidationError with
    every problem at once and writes nothing then.

    `kits` may name kits and routines alike (PromoRule.kits holds both); `routines` only
    routines.
    """
    errors: dict[str, list[str]] = {}
    products, missing = _by_slug(Product, spec.products)
    if missing:
        errors["products"] = [f"No product is called {slug!r}." for slug in missing]
    kits, missing_kits = _by_slug(Kit, spec.kits)
    routines, missing_routines = _by_slug(Routine, list(spec.kits) + list(spec.routines))
    missing = [slug for slug in missing_kits if slug in missing_routines]
    if missing:
        errors["kits"] = [f"No kit or routine is called {slug!r}." for slug in missing]
    missing = [slug for slug in spec.routines if slug in missing_routines]
    if missing:
        errors["routines"] = [f"No routine is called {slug!r}." for slug in missing]
    steps, missing = _by_slug(Step, spec.steps)
    if missing:
        errors["steps"] = [f"No routine step is called {slug!r}." for slug in missing]
    gift = None
    if spec.gift:
        gift = Product.objects.filter(slug=spec.gift).first()
        if gift is None:
            errors["gift"] = [f"No product is called {spec.gift!r}."]
    promotion = Promotion(
        name=spec.name.strip(),
        kind=spec.kind,
        value=spec.value,
        gift_product=gift,
        applies_to_bundles=spec.applies_to_bundles,
        starts_at=spec.starts_at,
        ends_at=spec.ends_at,
        usage_limit=spec.usage_limit,
        per_customer_limit=spec.per_customer_limit,
        min_subtotal_amount=spec.min_subtotal,
        combinable=spec.combinable,
        active=spec.active,
        automatic=spec.automatic,
        min_items=spec.min_items,
        buy_quantity=spec.buy,
        get_quantity=spec.get,
        priority=spec.priority,
    )
    try:
        promotion.full_clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            key = _API_FIELDS.get(name, name)
            if key == "gift" and "gift" in errors:
                continue
            errors.setdefault(key, []).extend(messages)
    errors.update(promo_codes_check(spec.codes))
    if spec.automatic and spec.codes:
        errors.setdefault("codes", []).append(AUTOMATIC_HAS_NO_CODES)
    if errors:
        raise ValidationError(errors)
    promotion.save()
    promotion.products.set(products)
    promotion.kits.set(kits)
    promotion.routines.set(routines)
    promotion.steps.set(steps)
    PromoCode.objects.bulk_create(
        PromoCode(code=promo_code_normalise(code), promotion=promotion, public=True)
        for code in spec.codes
    )
    return promotion


# -- redemption --------------------------------------------------------------------------------


@dataclass
class _Given:
    """What one code gave an order, in cents (gifts are valued at redemption)."""

    discount: int = 0
    shipping: int = 0
    gift: bool = False


def _given_by_code(breakdown: Breakdown, offers: set[str]) -> dict[str, _Given]:
    """Every code that applied in a breakdown, with what it gave.

    Percent and amount codes are `applied` entries with source "promo"; gift codes too (0.00)
    plus a gift line "gift:<CODE>"; free-shipping codes are the shipping waiver whose rule is
    the code (the threshold waiver's rule is "free_shipping_over", never a code: codes are
    stored in upper case; an automatic offer's waiver has the offer's id, one of `offers`).
    """
    given: dict[str, _Given] = {}
    for adjustment in breakdown.applied:
        if adjustment.source == "promo":
            given.setdefault(adjustment.rule, _Given()).discount += adjustment.amount.cents
        elif adjustment.source == "shipping" and adjustment.rule not in (THRESHOLD_RULE, *offers):
            given.setdefault(adjustment.rule, _Given()).shipping += adjustment.amount.cents
    for line in breakdown.lines:
        if line.gift and line.id.startswith(GIFT_LINE_PREFIX):
            given.setdefault(line.id[len(GIFT_LINE_PREFIX) :], _Given()).gift = True
    return given


def _counts(code: PromoCode) -> tuple[Count, Count]:
    """The code's limits with their uses as read: the promotion's and the code's own."""
    return (code.promotion.usage_limit, code.promotion.uses), (code.max_uses, code.uses)


def _take_use(code: PromoCode, now: datetime, *, touched: bool) -> None:
    """Count one use against the promotion and the code, or raise PromoUnavailable.

    `touched`: the token was touched before any use was taken (a code one use from a limit,
    `promotions.codes.uses`); otherwise a use that reached a limit all the same (another
    checkout took one in between) touches it once this commits (`uses_touch_if_used_up`)."""
    taken = (
        Promotion.objects.filter(pk=code.promotion_id, active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .filter(Q(usage_limit__isnull=True) | Q(uses__lt=F("usage_limit")))
        .update(uses=F("uses") + 1)
    )
    if not taken:
        raise PromoUnavailable(code.code, unavailable_reason(code.promotion_id, now))
    taken = (
        PromoCode.objects.filter(pk=code.pk)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )
    if not taken:
        raise PromoUnavailable(code.code, "promo_exhausted")
    if not touched and (code.promotion.usage_limit is not None or code.max_uses is not None):
        uses_touch_if_used_up(promotion_id=code.promotion_id, code_id=code.pk)


def promo_codes_redeem(
    *,
    order: OrderLike,
    breakdown: Breakdown,
    email: str,
    account_email: str = "",
    new_order: bool = False,
) -> None:
    """Redeem every code that applied in `breakdown` for `order`; raises PromoUnavailable.

    Called inside the checkout transaction. Runs in a savepoint: when a limit would be
    exceeded nothing of this call remains. Redeeming the same order again changes nothing.

    A code the breakdown rejected raises too, with its rejection code as the reason (a code
    used up or expired between the cart and checkout, or over this customer's limit now that
    the email is known): checkout then stops with that reason instead of charging more than
    the shopper was shown.

    Per-customer limits count one person by the order's email, the account's own address
    (`account_email`) and the account (`order.user_id`): neither another address nor
    signing out gets around them.

    `new_order`: the order was written in this same transaction (checkout), so none of its
    uses can be taken yet and they are not looked for.
    """
    for rejection in breakdown.rejected:
        if rejection.source == "promo":
            raise PromoUnavailable(rejection.rule, rejection.code)
    offers = offer_rules_of(breakdown)
    given = _given_by_code(breakdown, offers)
    if not given and not offers:
        return
    customer = normalize_email(email)
    emails = sorted({customer, email.strip(), normalize_email(account_email)} - {""})
    user_id = getattr(order, "user_id", None)
    now = timezone.now()
    # No savepoint for checkout's new order: a refusal rolls its whole transaction back.
    with transaction.atomic(savepoint=not new_order):
        codes = {
            code.code: code
            for code in PromoCode.objects.filter(code__in=list(given)).select_related(
                "promotion__gift_product"
            )
        }
        for name in given:
            if name not in codes:
                raise PromoUnavailable(name, "promo_not_found")
        done = set(
            Redemption.objects.filter(order_id=order.pk, released_at__isnull=True).values_list(
                "code__code", flat=True
            )
            if codes and not new_order
            else ()
        )
        taking = sorted(
            (code for code in codes.values() if code.code not in done),
            key=lambda c: (c.promotion_id, c.pk),
        )
        # A use that brings a code to a limit takes it out of every cached price: the token
        # row first, before any promotion's row is locked (see promotions.codes.uses). Offers
        # are taken after the codes, so theirs is decided here too when there are both.
        counts = [count for code in taking for count in _counts(code)]
        if taking and offers:
            limits = Promotion.objects.filter(pk__in=[int(pk) for pk in offers if pk.isdigit()])
            counts += limits.values_list("usage_limit", "uses")
        touched = uses_near_limit(*counts)
        if touched:
            uses_token_touch()
        for code in taking:
            _take_use(code, now, touched=touched)
            promotion = code.promotion
            limit = promotion.per_customer_limit
            # Read under the promotion's row lock, which _take_use's UPDATE now holds.
            if limit is not None and customer_uses(promotion.pk, emails, user_id) >= limit:
                raise PromoUnavailable(code.code, "promo_customer_limit")
            gave = given[code.code]
            redemption_record(
                code=code,
                promotion=promotion,
                order=order,
                customer=customer,
                user_id=user_id,
                discount=gave.discount,
                shipping=gave.shipping,
                gift=gave.gift,
                now=now,
            )
        # Automatic offers: counted and limited the same way, after the codes (offers.py).
        offer_uses_take(order=order, breakdown=breakdown, customer=customer, now=now, who=emails)
