"""Promo code services: creating promotions with their named codes; redeeming codes with hard
limits at checkout and giving uses back are named here too (`redemption`, `releases`).
Generating codes is in `generation`.

Codes are kept in memory under the catalog token (`promotions.codes.code_cache`): a use that
brings a code or its promotion to a limit touches the token (`promotions.codes.uses`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kits.models import Kit, Routine
from promotions.codes.generation import promo_code_problem
from promotions.codes.models import PromoCode, Promotion
from promotions.codes.offer_fields import AUTOMATIC_HAS_NO_CODES
from promotions.codes.redemption import PromoUnavailable as PromoUnavailable
from promotions.codes.redemption import promo_codes_redeem as promo_codes_redeem
from promotions.codes.redemption import promo_uses_prepare as promo_uses_prepare
from promotions.codes.releases import promo_codes_forget as promo_codes_forget
from promotions.codes.releases import promo_codes_release as promo_codes_release
from promotions.codes.selectors import promo_code_normalise
from shop.catalog.models import Product, Step

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
