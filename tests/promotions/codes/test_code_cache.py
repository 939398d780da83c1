"""Typed codes kept in memory under the catalog token (promotions.codes.code_cache): never wrong.

A code saved, changed or deleted (in the admin or anywhere), or its promotion changed, is in
the very next quote; a code that checkout brings to its limit is refused by the very next quote,
and a use given back at the limit brings it back; unknown codes are held too, in a bounded map;
a repeated anonymous quote with a code costs the catalog token only. Runs on SQLite and, with
DATABASE_URL, on PostgreSQL (the triggers differ).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes import selectors
from promotions.codes.models import PromoCode, Promotion
from promotions.codes.services import promo_codes_release
from promotions.codes.simulator import promo_simulate
from shop.catalog.offers import catalog_offers_forget
from shop.catalog.version import catalog_token
from shop.checkout.models import Order
from shop.quoting.snapshot import catalog_snapshot_forget
from tests.factories import PromoCodeFactory, PromotionFactory
from tests.shop.checkout_helpers import (
    Catalog,
    check_out,
    checkout_body,
    make_catalog,
    new_cart,
)

pytestmark = pytest.mark.django_db

SERUM = [{"product": "serum"}]  # 30.00


@pytest.fixture(autouse=True)
def _nothing_held() -> Iterator[None]:
    for forget in (selectors.code_lookups_forget, catalog_snapshot_forget, catalog_offers_forget):
        forget()
    yield
    for forget in (selectors.code_lookups_forget, catalog_snapshot_forget, catalog_offers_forget):
        forget()


@pytest.fixture
def catalog(db: Any) -> Catalog:
    return make_catalog()


def quote(code: str, email: str | None = None) -> tuple[str, str]:
    """What the quote API makes of `code` on a serum: (the discount total, the rejection code
    or "")."""
    body: dict[str, Any] = {"items": SERUM, "promo_code": code}
    if email:
        body["email"] = email
    response = APIClient().post("/api/quote/", body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    rejected = [r["code"] for r in data["rejected"] if r["source"] == "promo"]
    return data["discount_total"], rejected[0] if rejected else ""


def test_a_code_created_changed_or_deleted_is_in_the_very_next_quote(catalog: Catalog) -> None:
    assert quote("fresh") == ("0.00", "promo_not_found")  # held as unknown from here
    assert quote("fresh") == ("0.00", "promo_not_found")
    promotion = PromotionFactory(value=Decimal("15"))
    code = PromoCodeFactory(code="FRESH", promotion=promotion)
    assert quote("fresh") == ("4.50", "")
    promotion.value = Decimal("20")
    promotion.save()
    assert quote("fresh") == ("6.00", "")
    other = PromotionFactory(value=Decimal("10"))
    code.promotion = other
    code.save()
    assert quote("fresh") == ("3.00", "")
    PromoCode.objects.filter(pk=code.pk).update(max_uses=1)  # a bulk update, no save()
    Promotion.objects.filter(pk=other.pk).update(active=False)
    assert quote("fresh") == ("0.00", "promo_not_found")
    Promotion.objects.filter(pk=other.pk).update(active=True)
    assert quote("fresh") == ("3.00", "")
    code.delete()
    assert quote("fresh") == ("0.00", "promo_not_found")


def test_a_code_changed_or_deleted_in_the_admin_is_in_the_very_next_quote(
    catalog: Catalog, staff_user: Any
) -> None:
    admin = Client()
    admin.force_login(staff_user)
    code = PromoCodeFactory(code="ADMIN10", promotion=PromotionFactory(value=Decimal("10")))
    assert quote("admin10") == ("3.00", "")
    change = reverse("admin:promotions_promocode_change", args=[code.pk])
    form = {"code": "ADMIN10", "promotion": code.promotion_id, "max_uses": "", "public": "on"}
    for name, value in (("TOTAL", 0), ("INITIAL", 0), ("MIN_NUM", 0), ("MAX_NUM", 1000)):
        form[f"redemptions-{name}_FORMS"] = str(value)
    moved = PromotionFactory(value=Decimal("25"))
    response = admin.post(change, {**form, "promotion": moved.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert quote("admin10") == ("7.50", "")
    delete = reverse("admin:promotions_promocode_delete", args=[code.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    assert not PromoCode.objects.filter(pk=code.pk).exists()
    assert quote("admin10") == ("0.00", "promo_not_found")


def checkout_with(code: str, email: str) -> Order:
    client = APIClient()
    cart_id = new_cart(client, *SERUM)
    applied = client.post(f"/api/carts/{cart_id}/promo/", {"code": code}, format="json")
    assert applied.status_code == 200, applied.content
    placed = check_out(client, cart_id, checkout_body(email=email))
    assert placed.status_code == 201, placed.content
    return Order.objects.get(number=placed.json()["number"])


@pytest.mark.parametrize("limit", ["promotion", "code"])
def test_a_code_checkout_brings_to_its_limit_is_refused_by_the_next_quote_and_back_on_release(
    catalog: Catalog, limit: str
) -> None:
    promotion = PromotionFactory(usage_limit=2 if limit == "promotion" else None)
    PromoCodeFactory(code="TWICE", promotion=promotion, max_uses=2 if limit == "code" else None)
    assert quote("twice") == ("3.00", "")
    token = catalog_token()
    first = checkout_with("twice", "ana@example.com")
    # A use below the limit leaves the token alone: nothing cached is thrown away.
    assert catalog_token() == token
    assert quote("twice") == ("3.00", "")
    checkout_with("twice", "ben@example.com")
    assert catalog_token() != token
    assert quote("twice") == ("0.00", "promo_exhausted")
    promo_codes_release(order=first)  # a cancelled order gives its use back at the limit
    assert quote("twice") == ("3.00", "")


def test_a_release_below_the_limit_leaves_the_token_alone(catalog: Catalog) -> None:
    PromoCodeFactory(code="MANY", promotion=PromotionFactory(usage_limit=10))
    order = checkout_with("many", "ana@example.com")
    token = catalog_token()
    promo_codes_release(order=order)
    assert catalog_token() == token
    assert Promotion.objects.get().uses == 0


def test_unknown_codes_are_held_too_in_a_bounded_map(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors._held, "size", 3)
    now = timezone.now()
    for n in range(5):
        selectors.promo_rules_for(codes=[f"GUESS{n}"], email=None, now=now)
    assert len(selectors._held) == 3  # the oldest guesses were dropped
    with CaptureQueriesContext(connection) as held:
        selectors.promo_rules_for(codes=["GUESS4"], email=None, now=now)
    with CaptureQueriesContext(connection) as dropped:
        selectors.promo_rules_for(codes=["GUESS0"], email=None, now=now)
    assert (len(held), len(dropped)) == (1, 3)  # the token; the token, the code, its scope
    assert len(selectors._held) == 3


def test_a_repeated_anonymous_quote_with_a_code_costs_the_token_only(catalog: Catalog) -> None:
    PromoCodeFactory(code="QUICK", promotion=PromotionFactory(per_customer_limit=1))
    assert quote("quick") == ("3.00", "")
    for code in ("quick", "nosuchcode"):
        quote(code)  # held from here
        with CaptureQueriesContext(connection) as anonymous:
            quote(code)
        assert len(anonymous) == 1, [q["sql"] for q in anonymous.captured_queries]
        with CaptureQueriesContext(connection) as named:  # + this shopper's uses
            quote(code, email="ana@example.com")
        assert len(named) == 2, [q["sql"] for q in named.captured_queries]


def test_the_per_customer_count_is_never_held(catalog: Catalog) -> None:
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(per_customer_limit=1))
    assert quote("once", email="ana@example.com") == ("3.00", "")
    checkout_with("once", "ana@example.com")
    assert quote("once", email="ana@example.com") == ("0.00", "promo_customer_limit")
    assert quote("once", email="ben@example.com") == ("3.00", "")


def test_the_simulator_reads_uses_as_they_are(catalog: Catalog) -> None:
    """Staff screens do not read the cache: a count changed without touching the token (as
    uses below a limit are) shows in the admin simulator at once."""
    promotion = PromotionFactory(usage_limit=1)
    PromoCodeFactory(code="SIM", promotion=promotion, public=False)
    assert quote("sim") == ("3.00", "")  # held, with no use taken
    Promotion.objects.filter(pk=promotion.pk).update(uses=1)
    simulated = promo_simulate(items=SERUM, code="sim", email=None, at=timezone.now())
    assert simulated.breakdown is not None
    assert [r.code for r in simulated.breakdown.rejected] == ["promo_exhausted"]
    assert "isn't a valid promo code" in simulated.cart_answer
