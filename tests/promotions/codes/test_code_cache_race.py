"""Codes held under the catalog token under real concurrency on PostgreSQL: however the last
use of a code is taken in a race (before the guarded UPDATE, or after the commit when another
checkout took a use in between), the very next quote refuses it, in this process and with
nothing forgotten by hand; cancelling one order brings it back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes.models import PromoCode, Promotion
from promotions.codes.selectors import code_lookups_forget, promo_rules_for
from promotions.codes.services import promo_codes_release
from shop.catalog.offers import catalog_offers_forget
from shop.checkout.models import Order
from shop.quoting.services import quote_build
from shop.quoting.snapshot import catalog_snapshot_forget
from tests.factories import OrderFactory, PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import make_catalog, new_cart
from tests.shop.race import buy, outcomes, race, redeemed

SERUM = [{"product": "serum"}]  # 30.00

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.xdist_group("postgres-races"),  # many connections at once: tests/conftest.py
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _nothing_held() -> Iterator[None]:
    for forget in (code_lookups_forget, catalog_snapshot_forget, catalog_offers_forget):
        forget()
    yield
    for forget in (code_lookups_forget, catalog_snapshot_forget, catalog_offers_forget):
        forget()


def quoted(code: str) -> tuple[str, list[str]]:
    body = {"items": SERUM, "promo_code": code}
    data = APIClient().post("/api/quote/", body, format="json").json()
    return data["discount_total"], [r["code"] for r in data["rejected"]]


@pytest.mark.parametrize("limit", ["promotion", "code"])
def test_twenty_checkouts_racing_for_five_uses_leave_the_code_refused_by_the_next_quote(
    limit: str,
) -> None:
    make_catalog(stock=100)
    promotion = PromotionFactory(usage_limit=5 if limit == "promotion" else None)
    PromoCodeFactory(code="RACE5", promotion=promotion, max_uses=5 if limit == "code" else None)
    assert quoted("race5") == ("3.00", [])  # held from here, with no use taken
    client = APIClient()
    carts = []
    for _ in range(20):
        cart_id = new_cart(client, *SERUM)
        applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": "race5"}, format="json")
        assert applied.status_code == 200, applied.content
        carts.append(cart_id)
    counts = outcomes(race(20, lambda i: buy(carts[i], f"race5-{i}")))
    assert counts == {"201": 5, "409 promo_exhausted": 15}, counts
    assert Promotion.objects.get().uses == 5 or PromoCode.objects.get().uses == 5
    assert quoted("race5") == ("0.00", ["promo_exhausted"])
    promo_codes_release(order=Order.objects.order_by("pk").first())
    assert quoted("race5") == ("3.00", [])


def test_the_last_use_taken_in_a_race_still_reaches_the_next_quote() -> None:
    """Without checkout's stock lock in between (which serialises buyers of one product), many
    redemptions read the count before any takes a use: the one that takes the last use may
    have read it far from the limit, and touches the token once it commits."""
    make_catalog()
    promotion = PromotionFactory(usage_limit=5)
    PromoCodeFactory(code="RACE5", promotion=promotion)
    rules = promo_rules_for(codes=["RACE5"], email=None, now=timezone.now())
    breakdown = quote_build(items=SERUM, promos=rules)
    assert [a.rule for a in breakdown.applied if a.source == "promo"] == ["RACE5"]
    assert quoted("race5") == ("3.00", [])
    orders = [OrderFactory() for _ in range(20)]

    def work(index: int) -> str:
        return redeemed(order=orders[index], breakdown=breakdown, email=f"c{index}@example.com")

    counts = Counter(race(20, work))
    assert counts == {"given": 5, "promo_exhausted": 15}, counts
    assert quoted("race5") == ("0.00", ["promo_exhausted"])
