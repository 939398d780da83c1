"""Promo codes reach pricing through promotions.selectors.promo_rules_for: normalised matching,
rules filled from the database, per-customer use counts, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes.models import Redemption
from promotions.codes.selectors import promo_code_normalise, promo_codes_lookup, promo_rules_for
from shop.pricing import Money, PromoRule, UnknownCode
from tests.factories import (
    KitFactory,
    OrderFactory,
    ProductFactory,
    PromoCodeFactory,
    PromotionFactory,
    RoutineFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("pores15", "PORES15"),
        ("  Pores15 \t", "PORES15"),
        ("PORES 15", "PORES15"),
        ("pores15\u00a0", "PORES15"),  # a no-break space pasted from a web page
        ("welcome-ab_cd", "WELCOME-AB_CD"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_codes_are_matched_in_capitals_without_whitespace(typed: str, stored: str) -> None:
    assert promo_code_normalise(typed) == stored


@pytest.mark.parametrize(
    "look_alike",
    [
        "PORЕS15",  # Cyrillic Е
        "PОRES15",  # Cyrillic О
        "ＰＯＲＥＳ１５",  # full-width letters
        "ﬁrst",  # a ligature that str.upper() would turn into "FIRST"
    ],
)
def test_look_alikes_never_match(look_alike: str) -> None:
    PromoCodeFactory(code="PORES15")
    PromoCodeFactory(code="FIRST")
    (found,) = promo_rules_for(codes=[look_alike], email=None, now=timezone.now())
    assert isinstance(found, UnknownCode)
    assert found.code == look_alike.strip()


def test_blanks_are_dropped_and_repeats_kept_once_in_order() -> None:
    PromoCodeFactory(code="PORES15")
    rules = promo_rules_for(
        codes=[" nope ", "", "pores15", "   ", "PORES15", "NOPE"], email=None, now=timezone.now()
    )
    assert [type(r).__name__ for r in rules] == ["UnknownCode", "PromoRule"]
    assert [r.code for r in rules] == ["NOPE", "PORES15"]
    assert promo_rules_for(codes=["", " "], email=None, now=timezone.now()) == ()


@pytest.mark.parametrize(
    "typed",
    [
        "'; DROP TABLE promotions_promocode; --",
        "PORES15' OR '1'='1",
        "%",
        "_",
        "\\",
        "X" * 10_000,
        "PORES15\x00",
        "\x00",
    ],
)
def test_hostile_strings_are_just_unknown_codes(typed: str) -> None:
    PromoCodeFactory(code="PORES15")
    (found,) = promo_rules_for(codes=[typed], email=None, now=timezone.now())
    assert isinstance(found, UnknownCode)
    assert PromoCodeFactory._meta.model.objects.filter(code="PORES15").exists()


def test_rule_carries_everything_pricing_judges() -> None:
    now = timezone.now()
    cleanse = StepFactory(slug="cleanse", position=1)
    tone = StepFactory(slug="tone", position=2)
    gift = ProductFactory(slug="serum-prep", name="Serum Prep", price_amount=Decimal("24.00"))
    wash = ProductFactory(slug="wash", step=cleanse)
    kit = KitFactory(slug="seven")
    routine = RoutineFactory(slug="three-steps")
    promotion = PromotionFactory(
        name="Spring",
        kind="gift",
        value=Decimal("0"),
        gift_product=gift,
        applies_to_bundles=False,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        usage_limit=100,
        per_customer_limit=2,
        min_subtotal_amount=Decimal("40.00"),
        combinable=True,
    )
    promotion.products.set([wash])
    promotion.kits.set([kit])
    promotion.routines.set([routine])
    promotion.steps.set([tone])
    PromoCodeFactory(code="SPRING", promotion=promotion)
    (rule,) = promo_rules_for(codes=["spring"], email=None, now=now)
    assert rule == PromoRule(
        code="SPRING",
        name="Spring",
        kind="gift",
        value=Decimal("0.00"),
        gift=rule.gift,
        products=frozenset({"wash"}),
        kits=frozenset({"seven", "three-steps"}),
        steps=frozenset({"tone"}),
        applies_to_bundles=False,
        starts_at=promotion.starts_at,
        ends_at=promotion.ends_at,
        usage_limit=100,
        uses=0,
        per_customer_limit=2,
        customer_uses=0,
        min_subtotal=Money.of("40.00", "USD"),
        combinable=True,
        active=True,
    )
    assert rule.gift is not None
    assert (rule.gift.slug, rule.gift.name, rule.gift.price, rule.gift.step) == (
        "serum-prep",
        "Serum Prep",
        Money.of("24.00", "USD"),
        "cleanse",
    )


@pytest.mark.parametrize(
    ("promotion_limit", "promotion_uses", "code_max", "code_uses", "expected"),
    [
        (None, 0, None, 0, (None, 0)),
        (10, 3, None, 0, (10, 3)),
        (None, 0, 1, 0, (1, 0)),
        (10, 9, 5, 0, (10, 9)),  # one left on the promotion, five on the code
        (10, 2, 1, 1, (1, 1)),  # the single-use code is spent
    ],
)
def test_the_tighter_of_the_two_limits_reaches_pricing(
    promotion_limit: int | None,
    promotion_uses: int,
    code_max: int | None,
    code_uses: int,
    expected: tuple[int | None, int],
) -> None:
    promotion = PromotionFactory(usage_limit=promotion_limit, uses=promotion_uses)
    PromoCodeFactory(code="LIMITS", promotion=promotion, max_uses=code_max, uses=code_uses)
    (rule,) = promo_rules_for(codes=["LIMITS"], email=None, now=timezone.now())
    assert isinstance(rule, PromoRule)
    assert (rule.usage_limit, rule.uses) == expected


def test_customer_uses_count_unreleased_redemptions_by_normalised_email() -> None:
    promotion = PromotionFactory(per_customer_limit=1)
    code = PromoCodeFactory(code="ONCE", promotion=promotion)
    other = PromoCodeFactory(code="ONCE2", promotion=promotion)
    now = timezone.now()

    def redeem(email: str, order: int, *, released: bool = False, via: Any = code) -> None:
        Redemption.objects.create(
            code=via,
            promotion=promotion,
            order=OrderFactory(),
            customer_email=email,
            created_at=now,
            released_at=now if released else None,
        )

    redeem("janedoe@gmail.com", 1)
    redeem("janedoe@gmail.com", 2, via=other)  # another code of the same promotion counts
    redeem("janedoe@gmail.com", 3, released=True)  # a cancelled order does not
    redeem("someone@example.com", 4)
    (rule,) = promo_rules_for(codes=["once"], email="Jane.Doe+shop@GMAIL.com", now=now)
    assert isinstance(rule, PromoRule)
    assert rule.customer_uses == 2
    (anonymous,) = promo_rules_for(codes=["once"], email=None, now=now)
    assert isinstance(anonymous, PromoRule) and anonymous.customer_uses == 0


def test_lookup_tells_public_codes_from_private_ones() -> None:
    promotion = PromotionFactory()
    PromoCodeFactory(code="PUBLIC1", promotion=promotion, public=True)
    PromoCodeFactory(code="PRIVATE1", promotion=promotion, public=False)
    found = promo_codes_lookup(codes=["public1", "private1", "nope"], email=None, now=None)  # type: ignore[arg-type]
    assert [(f.code, f.public, type(f.rule).__name__) for f in found] == [
        ("PUBLIC1", True, "PromoRule"),
        ("PRIVATE1", False, "PromoRule"),
        ("NOPE", False, "UnknownCode"),
    ]


@pytest.mark.parametrize("email", [None, "shopper@example.com"])
def test_lookup_costs_the_same_queries_for_one_code_many_codes_and_unknown_codes(
    email: str | None, django_assert_num_queries: Any
) -> None:
    # The token, then (codes not held in memory yet) their rows and scopes; this shopper's
    # uses when known. Held codes, known or not, cost the token only (promotions.codes.code_cache).
    uses = 1 if email else 0
    for n in range(6):
        promotion = PromotionFactory(per_customer_limit=1)
        promotion.products.set([ProductFactory()])
        promotion.steps.set([StepFactory(slug="tone", position=2)])
        PromoCodeFactory(code=f"MANY{n}", promotion=promotion)
    now = timezone.now()
    with django_assert_num_queries(3 + uses):
        promo_rules_for(codes=["MANY0"], email=email, now=now)
    with django_assert_num_queries(3 + uses):
        promo_rules_for(codes=[f"MANY{n}" for n in range(6)], email=email, now=now)
    with django_assert_num_queries(3 + uses):
        promo_rules_for(codes=["NOSUCHCODE"], email=email, now=now)
    for codes in (["MANY0"], [f"MANY{n}" for n in range(6)], ["NOSUCHCODE"]):
        with django_assert_num_queries(1 + uses):
            promo_rules_for(codes=codes, email=email, now=now)
    with django_assert_num_queries(0):
        promo_rules_for(codes=[" "], email=email, now=now)


# -- through the quote API: every rejection code of the contract, for codes that exist ------------


def _quote(client: APIClient, code: str, **extra: Any) -> dict[str, Any]:
    body = {"items": [{"product": "citrus-facial-wash", "quantity": 1}], "promo_code": code}
    response = client.post("/api/quote/", {**body, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _rejected(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["code"], r["reason"]) for r in data["rejected"] if r["source"] == "promo"]


def test_quote_applies_pores15_from_the_database(demo: None, api_client: APIClient) -> None:
    body = {"items": [{"product": "citrus-facial-wash", "quantity": 2}], "promo_code": " pores15 "}
    data = api_client.post("/api/quote/", body, format="json").json()
    assert [(a["rule"], a["label"], a["amount"]) for a in data["applied"]] == [
        ("PORES15", "PORES15: 15% off", "6.60")
    ]
    assert (data["subtotal"], data["discount_total"], data["total"]) == ("44.00", "6.60", "42.40")


def test_quote_tells_how_much_more_to_spend(demo: None, api_client: APIClient) -> None:
    assert _rejected(_quote(api_client, "PORES15")) == [
        ("promo_min_subtotal", "Spend $18.00 more to use PORES15.")
    ]


@pytest.mark.parametrize(
    ("setup", "why"),
    [
        ({"ends_at": -1}, "promo_expired"),
        ({"starts_at": 1}, "promo_not_started"),
        ({"usage_limit": 1, "uses": 1}, "promo_exhausted"),
        ({"code_max_uses": 1, "code_uses": 1}, "promo_exhausted"),
        ({"active": False}, "promo_not_found"),
    ],
)
def test_quote_keeps_the_real_rejection_codes(
    demo: None, api_client: APIClient, setup: dict[str, Any], why: str
) -> None:
    now = timezone.now()
    fields: dict[str, Any] = {}
    if "ends_at" in setup:
        fields["starts_at"] = now - timedelta(days=10)
        fields["ends_at"] = now + timedelta(days=setup["ends_at"])
    if "starts_at" in setup:
        fields["starts_at"] = now + timedelta(days=setup["starts_at"])
    for name in ("usage_limit", "uses", "active"):
        if name in setup:
            fields[name] = setup[name]
    promotion = PromotionFactory(**fields)
    PromoCodeFactory(
        code="PRIVATE1",
        promotion=promotion,
        public=False,
        max_uses=setup.get("code_max_uses"),
        uses=setup.get("code_uses", 0),
    )
    assert [code for code, _ in _rejected(_quote(api_client, "private1"))] == [why]


def test_quote_rejects_a_second_use_by_the_same_customer(demo: None, api_client: APIClient) -> None:
    promotion = PromotionFactory(per_customer_limit=1)
    code = PromoCodeFactory(code="ONCE", promotion=promotion)
    Redemption.objects.create(
        code=code, promotion=promotion, order=OrderFactory(), customer_email="jane@example.com"
    )
    assert _rejected(_quote(api_client, "once", email="JANE@example.com")) == [
        ("promo_customer_limit", "You've already used ONCE as many times as it allows.")
    ]
    assert _rejected(_quote(api_client, "once", email="john@example.com")) == []


def test_quote_rejects_a_code_scoped_to_something_else(demo: None, api_client: APIClient) -> None:
    promotion = PromotionFactory()
    promotion.steps.set([StepFactory(slug="tone", position=2)])
    PromoCodeFactory(code="TONE10", promotion=promotion)
    assert _rejected(_quote(api_client, "TONE10")) == [
        ("promo_not_applicable", "TONE10 doesn't apply to anything in your cart.")
    ]


def test_quote_applies_a_scoped_code_to_a_routine_line(demo: None, api_client: APIClient) -> None:
    promotion = PromotionFactory(value=Decimal("50"))
    promotion.routines.set(
        [RoutineFactory._meta.model.objects.get(slug="three-steps-to-refined-pores")]
    )
    PromoCodeFactory(code="ROUTINE50", promotion=promotion)
    body = {
        "items": [
            {"product": "citrus-facial-wash"},
            {
                "routine": "three-steps-to-refined-pores",
                "selections": ["citrus-facial-wash", "face-firming-toner", "ceramic-skin-smoother"],
            },
        ],
        "promo_code": "routine50",
    }
    data = api_client.post("/api/quote/", body, format="json").json()
    product_line, routine_line = data["lines"]
    assert [a["source"] for a in product_line["adjustments"]] == []
    assert [a["source"] for a in routine_line["adjustments"]] == ["bundle", "promo"]


@pytest.mark.parametrize("typed", ["PORES15\x00", "\x00", "pores\u200b15"])
def test_the_quote_prices_control_characters_as_an_unknown_code(
    demo: None, api_client: APIClient, typed: str
) -> None:
    codes = [code for code, _ in _rejected(_quote(api_client, typed))]
    assert codes == ["promo_not_found"]


def test_a_quote_with_a_code_reads_it_once_then_costs_only_the_shoppers_uses(
    demo: None, api_client: APIClient
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(body: dict[str, Any]) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.post("/api/quote/", body, format="json").status_code == 200
        return len(captured)

    one = [{"product": "citrus-facial-wash"}]
    many = [{"product": p} for p in ["citrus-facial-wash", "face-firming-toner", "serum-prep"]]
    queries({"items": many})  # the first quote loads the catalog snapshot
    plain = queries({"items": many})
    assert plain == 1  # the catalog version's token
    coded = {"promo_code": "pores15", "email": "jane@example.com"}
    # First typed: its row and scope, and this shopper's uses; then held under the token.
    assert queries({"items": one, **coded}) == plain + 3
    assert queries({"items": one, **coded}) == queries({"items": many, **coded}) == plain + 1
    assert queries({"items": many, "promo_code": "pores15"}) == plain
    unknown = {"promo_code": "nosuchcode", "email": "jane@example.com"}
    assert queries({"items": many, **unknown}) == plain + 3
    assert queries({"items": many, **unknown}) == plain + 1


def test_the_compiled_lookup_gives_the_rule_the_model_gives(demo: None) -> None:
    """promo_codes_lookup reads codes through one compiled values query; promo_rule_of (the
    admin's way) reads model instances. Every field of every rule must agree: gift codes,
    limits on the code and on the promotion, minimums, dates, scopes, inactive promotions."""
    from promotions.codes.models import PromoCode
    from promotions.codes.selectors import promo_rule_of, promotion_scopes

    step = StepFactory(slug="renew-x", position=9)
    gift = ProductFactory(slug="gift-x", step=step, price_amount=Decimal("12.50"))
    now = timezone.now()
    PromoCodeFactory(
        code="GIFTX",
        max_uses=3,
        promotion=PromotionFactory(
            kind="gift",
            gift_product=gift,
            usage_limit=10,
            uses=9,
            min_subtotal_amount=Decimal("40.00"),
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=1),
            active=False,
        ),
    )
    codes = list(PromoCode.objects.values_list("code", flat=True))
    assert len(codes) > 2
    scopes = promotion_scopes(codes)
    for found in promo_codes_lookup(codes=codes, email=None, now=now):
        row = PromoCode.objects.select_related("promotion", "promotion__gift_product__step").get(
            code=found.code
        )
        expected = promo_rule_of(row, scope=scopes.get(row.promotion_id))
        assert found.rule == expected, found.code
        assert found.public == row.public
