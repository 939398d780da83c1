"""Read-side queries for promo codes: the codes a shopper typed as pricing rules, and the
admin simulator's preview rule."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q

from config.sql import column
from promotions.codes.code_cache import TokenMap
from promotions.codes.models import CODE_MAX_LENGTH, PromoCode, Promotion, Redemption
from promotions.messaging.identity import email_keys
from shop.catalog.offers import TOKEN_UNREAD
from shop.pricing import Item, Money, PromoRule, UnknownCode

_WHITESPACE = re.compile(r"\s+")


def promo_code_normalise(code: str) -> str:
    """The form a code is stored and matched in: " pores 15 " is PORES15.

    Whitespace anywhere is dropped (codes never contain any) and ASCII letters are upper-cased.
    A code with any other character is left as typed: stored codes are ASCII, so a look-alike
    (a Cyrillic О in PORES15) can never match, and `str.upper()` cannot turn a ligature such
    as "ﬁ" into a real code's "FI".
    """
    text = _WHITESPACE.sub("", code)
    return text.upper() if text.isascii() else text


def promo_codes_normalise(codes: Sequence[str]) -> list[str]:
    """Normalised, non-empty, each once, in the order typed."""
    seen: dict[str, None] = {}
    for code in codes:
        normalised = promo_code_normalise(code)
        if normalised:
            seen.setdefault(normalised, None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class CodeLookup:
    """A typed code and what it is: the pricing rule (UnknownCode when no such code), and
    whether it is an advertised code whose reasons anyone may be told (see `promotions.guard`)."""

    code: str
    rule: PromoRule | UnknownCode
    public: bool


_SCOPES = (
    ("products", Promotion.products, "products"),
    ("kits", Promotion.kits, "kits"),
    ("routines", Promotion.routines, "kits"),
    ("steps", Promotion.steps, "steps"),
)


@functools.lru_cache(maxsize=32)
def _scope_sql(count: int, *, codes: bool = True) -> str:
    """One UNION ALL statement for the scope of the promotions of `count` codes (or, with
    `codes=False`, of `count` promotion ids).

    Written once per number of codes from the models' own table and column names: compiling
    four ORM querysets and their union cost three times what the database takes to answer.
    Identifiers come from model metadata, quoted; every value is a query parameter.
    """
    q = connection.ops.quote_name

    meta = PromoCode._meta
    owner, code, table = column(meta, "promotion"), column(meta, "code"), q(meta.db_table)
    marks = ", ".join(["%s"] * count)
    owners = f"SELECT {owner} FROM {table} WHERE {code} IN ({marks})"  # noqa: S608
    if not codes:
        owners = marks
    parts = []
    for _, relation, kind in _SCOPES:
        through = relation.through._meta
        target = relation.field.related_model._meta
        own = column(through, "promotion")
        other = column(through, relation.field.m2m_reverse_field_name())
        slug, key = column(target, "slug"), column(target, target.pk.name)
        joined = f"{q(through.db_table)} x JOIN {q(target.db_table)} t ON t.{key} = x.{other}"
        parts.append(
            f"SELECT x.{own}, '{kind}', t.{slug} FROM {joined} WHERE x.{own} IN ({owners})"  # noqa: S608
        )
    return " UNION ALL ".join(parts)


def promotion_scopes(
    keys: Sequence[str | int], *, codes: bool = True
) -> dict[int, dict[str, set[str]]]:
    """Products, kits (with routines) and steps of the promotions of codes `keys` (or, with
    `codes=False`, of the promotions with ids `keys`), in one query.

    The query runs whatever the codes are, so an unknown code costs what a known one costs.
    """
    scopes: dict[int, dict[str, set[str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_scope_sql(len(keys), codes=codes), list(keys) * len(_SCOPES))
        for promotion_id, kind, slug in cursor.fetchall():
            scope = scopes.setdefault(
                promotion_id, {"products": set(), "kits": set(), "steps": set()}
            )
            scope[kind].add(slug)
    return scopes


def customer_redemptions(emails: Sequence[str], user_id: int | None) -> Q:
    """Unreleased redemptions by one person: one of their `emails` (normalised), an account
    whose address is one of them (so signing out does not help), or their account when there is
    one. The one definition the cart's quote and checkout's redemption both count with."""
    who = Q(customer_email__in=[key for email in emails if email for key in email_keys(email)])
    for email in emails:
        if email:
            who |= Q(user__email__iexact=email.strip())
    if user_id is not None:
        who |= Q(user_id=user_id)
    return who & Q(released_at__isnull=True)


def _customer_uses(
    codes: Sequence[str], email: str | None, user_id: int | None = None
) -> dict[int, int]:
    """This customer's unreleased redemptions per promotion of `codes`, counted as checkout
    counts them (`customer_redemptions`): by the email when it is known, and by the account
    when the shopper is signed in."""
    if not email and user_id is None:
        return {}
    owners = PromoCode.objects.filter(code__in=codes).values("promotion_id")
    rows = (
        Redemption.objects.filter(customer_redemptions([email or ""], user_id))
        .filter(promotion_id__in=owners)
        .order_by()
        .values_list("promotion_id")
        .annotate(uses=Count("pk"))
    )
    return dict(rows)


def _limit(
    promotion_limit: int | None, promotion_uses: int, code_limit: int | None, code_uses: int
) -> tuple[int | None, int]:
    """The tighter of the promotion's total limit and the code's own, as (limit, uses)."""
    limits: list[tuple[int, int, int]] = []
    if promotion_limit is not None:
        limits.append((promotion_limit - promotion_uses, promotion_limit, promotion_uses))
    if code_limit is not None:
        limits.append((code_limit - code_uses, code_limit, code_uses))
    if not limits:
        return None, 0
    _, limit, uses = min(limits)
    return limit, uses


def promo_rule_of(
    code: PromoCode,
    *,
    scope: dict[str, set[str]] | None = None,
    customer_uses: int = 0,
    currency: str | None = None,
) -> PromoRule:
    """The pricing service's view of one code (its promotion and gift product loaded)."""
    promotion = code.promotion
    product = promotion.gift_product
    return _rule(
        (
            code.code,
            code.public,
            code.max_uses,
            code.uses,
            promotion.pk,
            promotion.name,
            promotion.kind,
            promotion.value,
            None if product is None else product.slug,
            None if product is None else product.name,
            None if product is None else product.price_amount,
            None if product is None else product.step.slug,
            promotion.min_subtotal_amount,
            promotion.applies_to_bundles,
            promotion.starts_at,
            promotion.ends_at,
            promotion.usage_limit,
            promotion.uses,
            promotion.per_customer_limit,
            promotion.combinable,
            promotion.active,
        ),
        scope=scope or {},
        customer_uses=customer_uses,
        currency=currency or str(settings.SHOP_CURRENCY),
    )


# What a code's rule is made of, one row per code: `_rule` reads them by position.
_CODE_FIELDS = (
    "code",
    "public",
    "max_uses",
    "uses",
    "promotion_id",
    "promotion__name",
    "promotion__kind",
    "promotion__value",
    "promotion__gift_product__slug",
    "promotion__gift_product__name",
    "promotion__gift_product__price_amount",
    "promotion__gift_product__step__slug",
    "promotion__min_subtotal_amount",
    "promotion__applies_to_bundles",
    "promotion__starts_at",
    "promotion__ends_at",
    "promotion__usage_limit",
    "promotion__uses",
    "promotion__per_customer_limit",
    "promotion__combinable",
    "promotion__active",
)


def _rule(
    row: tuple[Any, ...], *, scope: dict[str, set[str]], customer_uses: int, currency: str
) -> PromoRule:
    (
        code,
        _public,
        max_uses,
        code_uses,
        _promotion_id,
        name,
        kind,
        value,
        gift_slug,
        gift_name,
        gift_price,
        gift_step,
        minimum,
        applies_to_bundles,
        starts_at,
        ends_at,
        usage_limit,
        promotion_uses,
        per_customer_limit,
        combinable,
        active,
    ) = row
    gift: Item | None = None
    if gift_slug is not None:
        gift = Item(gift_slug, gift_name, Money.of(gift_price, currency), gift_step)
    limit, uses = _limit(usage_limit, promotion_uses, max_uses, code_uses)
    return PromoRule(
        code=code,
        name=name,
        kind=kind,
        value=value,
        gift=gift,
        products=frozenset(scope.get("products", ())),
        kits=frozenset(scope.get("kits", ())),
        steps=frozenset(scope.get("steps", ())),
        applies_to_bundles=applies_to_bundles,
        starts_at=starts_at,
        ends_at=ends_at,
        usage_limit=limit,
        uses=uses,
        per_customer_limit=per_customer_limit,
        customer_uses=customer_uses,
        min_subtotal=None if minimum is None else Money.of(minimum, currency),
        combinable=combinable,
        active=active,
    )


def _lookups_load(codes: Sequence[str]) -> dict[str, tuple[int | None, CodeLookup]]:
    """Every code of `codes` as (its promotion's id, what it is), without this shopper's uses:
    two queries (the codes with their promotions and gifts, the scopes), the same for codes
    that exist and codes that do not. Only called with codes that can be stored."""
    rows = PromoCode.objects.filter(code__in=codes).order_by().values_list(*_CODE_FIELDS)
    by_code = {row[0]: row for row in rows}
    scopes = promotion_scopes(codes)
    currency = str(settings.SHOP_CURRENCY)
    found: dict[str, tuple[int | None, CodeLookup]] = {}
    for code in codes:
        row = by_code.get(code)
        if row is None:
            found[code] = (None, CodeLookup(code, UnknownCode(code), False))
            continue
        rule = _rule(row, scope=scopes.get(row[4], {}), customer_uses=0, currency=currency)
        found[code] = (row[4], CodeLookup(code, rule, row[1]))
    return found


# What typed codes are, per process under the catalog token (see `code_cache`).
_held: TokenMap[tuple[int | None, CodeLookup]] = TokenMap()


def code_lookups_forget() -> None:
    """Drop the codes this process holds (tests; nothing else needs it)."""
    _held.forget()


def promo_codes_lookup(
    *,
    codes: Sequence[str],
    email: str | None,
    now: datetime,
    user_id: int | None = None,
    token: str | None = TOKEN_UNREAD,
    cached: bool = True,
) -> tuple[CodeLookup, ...]:
    """Every typed code (normalised, blanks dropped, each once, in order) with its rule.

    The same queries for codes that exist and codes that do not, whatever their number: what
    a code is comes from memory under the catalog token (`code_cache`): no query when the
    caller passes the `token` it has just read (a quote, for its catalog snapshot), one (the
    token) otherwise, two more for codes not held yet. With an email or an account
    (`user_id`, whose uses count toward per-customer limits as at checkout) one more counts
    this shopper's uses. None without codes. `cached=False` reads everything (staff screens:
    the cache does not keep `uses` current below a limit).
    `now` is accepted for the callers' symmetry; validity is judged by the pricing service.
    """
    wanted = promo_codes_normalise(codes)
    if not wanted:
        return ()
    # A code too long or with control characters (a NUL, which PostgreSQL refuses in text)
    # cannot be stored, so it is not sent; "" (never a code) keeps the queries the same.
    searched = [c for c in wanted if len(c) <= CODE_MAX_LENGTH and c.isprintable()] or [""]
    if cached:
        held = _held.get(searched, load=_lookups_load, token=token)
    else:
        held = _lookups_load(searched)
    uses = _customer_uses(searched, email, user_id)
    found: list[CodeLookup] = []
    for code in wanted:
        promotion, item = held.get(code, (None, CodeLookup(code, UnknownCode(code), False)))
        used = uses.get(promotion, 0) if promotion is not None else 0
        if used and isinstance(item.rule, PromoRule):
            item = replace(item, rule=replace(item.rule, customer_uses=used))
        found.append(item)
    return tuple(found)


def promo_rules_for(
    *,
    codes: Sequence[str],
    email: str | None,
    now: datetime,
    user_id: int | None = None,
    token: str | None = TOKEN_UNREAD,
) -> tuple[PromoRule | UnknownCode, ...]:
    """The pricing rules for the codes a shopper typed, in the order typed (see
    `promo_codes_lookup`, also for `token`); a code that matches nothing is an UnknownCode.

    Checkout prices with these too: its guarded UPDATEs, not the rules, decide on uses."""
    found = promo_codes_lookup(codes=codes, email=email, now=now, user_id=user_id, token=token)
    return tuple(item.rule for item in found)


def promotion_preview_rule(
    *, promotion: Promotion, code: str = "PREVIEW", email: str | None = None
) -> PromoRule:
    """The rule a code of `promotion` would be, for the admin simulator: works for a promotion
    without codes yet (the code is named `code`). Five queries."""
    scope = {
        "products": set(promotion.products.values_list("slug", flat=True)),
        "kits": set(promotion.kits.values_list("slug", flat=True))
        | set(promotion.routines.values_list("slug", flat=True)),
        "steps": set(promotion.steps.values_list("slug", flat=True)),
    }
    uses = 0
    if email:
        uses = Redemption.objects.filter(
            promotion=promotion, customer_email__in=email_keys(email), released_at__isnull=True
        ).count()
    return promo_rule_of(PromoCode(code=code, promotion=promotion), scope=scope, customer_uses=uses)
