"""Redeeming codes at checkout: hard limits (total, per code, per customer), idempotence,
giving uses back, and counters that always equal the unreleased redemption rows.

`promo_codes_redeem` is what checkout calls inside its transaction; these tests call it the
same way with a stand-in order (it needs only the order's id and account), and the PostgreSQL
tests race real threads against it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from promotions.codes.models import PromoCode, Promotion, Redemption
from promotions.codes.selectors import promo_rules_for
from promotions.codes.services import PromoUnavailable, promo_codes_redeem, promo_codes_release
from shop.pricing import Breakdown
from shop.quoting import services as quoting
from tests.factories import OrderFactory, ProductFactory, PromoCodeFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def order_no(number: int) -> Any:
    """The order numbered `number`, created on first use (redemptions refer to real orders)."""
    from shop.checkout.models import Order as OrderModel

    found = OrderModel.objects.filter(number=f"T{number:09d}").first()
    return found or OrderFactory(number=f"T{number:09d}")


def priced(code: str | list[str], *, email: str | None = None, product: str = "serum") -> Breakdown:
    codes = [code] if isinstance(code, str) else code
    rules = promo_rules_for(codes=codes, email=email, now=timezone.now())
    return quoting.quote_build(items=[{"product": product, "quantity": 1}], promos=rules)


def assert_counters_match_rows() -> None:
    """The invariant: every counter equals its unreleased redemption rows."""
    live = Q(redemptions__released_at__isnull=True)
    for promotion in Promotion.objects.annotate(n=Count("redemptions", filter=live)):
        assert promotion.uses == promotion.n, promotion
    for code in PromoCode.objects.annotate(n=Count("redemptions", filter=live)):
        assert code.uses == code.n, code


@pytest.fixture
def serum(db: Any) -> Any:
    return ProductFactory(slug="serum", name="Serum", price_amount=Decimal("60.00"))


def test_a_percent_code_is_redeemed_with_what_it_gave(serum: Any) -> None:
    promotion = PromotionFactory(value=Decimal("15"), usage_limit=5)
    PromoCodeFactory(code="PORES15", promotion=promotion)
    order = order_no(7)
    promo_codes_redeem(order=order, breakdown=priced("pores15"), email="Jane.Doe@Gmail.com")
    (redemption,) = Redemption.objects.all()
    assert (redemption.code.code, redemption.order, redemption.customer_email) == (
        "PORES15",
        order,
        "janedoe@gmail.com",
    )
    assert (redemption.discount_amount, redemption.shipping_amount, redemption.gift_value) == (
        Decimal("9.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    promotion.refresh_from_db()
    assert (promotion.uses, promotion.remaining) == (1, 4)
    assert_counters_match_rows()


def test_free_shipping_and_gift_codes_record_what_they_gave(serum: Any) -> None:
    gift = ProductFactory(slug="eye", name="Eye treatment", price_amount=Decimal("24.00"))
    ship = PromotionFactory(kind="free_shipping", value=0, combinable=True)
    give = PromotionFactory(kind="gift", value=0, gift_product=gift, combinable=True)
    PromoCodeFactory(code="SHIPFREE", promotion=ship)
    PromoCodeFactory(code="GIFTEYE", promotion=give)
    cheap = ProductFactory(slug="cheap", price_amount=Decimal("10.00"))
    breakdown = priced(["shipfree", "gifteye"], product=cheap.slug)
    promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    given = {
        r.code.code: (r.discount_amount, r.shipping_amount, r.gift_value)
        for r in Redemption.objects.select_related("code")
    }
    assert given == {
        "SHIPFREE": (Decimal("0.00"), Decimal("5.00"), Decimal("0.00")),
        "GIFTEYE": (Decimal("0.00"), Decimal("0.00"), Decimal("24.00")),
    }
    assert_counters_match_rows()


def test_a_breakdown_without_codes_redeems_nothing(
    serum: Any, django_assert_num_queries: Any
) -> None:
    breakdown, order = priced([]), order_no(1)
    with django_assert_num_queries(0):
        promo_codes_redeem(order=order, breakdown=breakdown, email="a@example.com")


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"min_subtotal_amount": Decimal("100")}, "promo_min_subtotal"),
        ({"usage_limit": 1, "uses": 1}, "promo_exhausted"),
        ({"active": False}, "promo_not_found"),
    ],
)
def test_a_code_the_breakdown_rejected_stops_checkout_with_its_reason(
    serum: Any, fields: dict[str, Any], reason: str
) -> None:
    PromoCodeFactory(code="BIG", promotion=PromotionFactory(**fields))
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=order_no(1), breakdown=priced("big"), email="a@example.com")
    assert (raised.value.promo_code, raised.value.reason) == ("BIG", reason)
    assert not Redemption.objects.exists()


def test_the_total_limit_holds_across_codes_of_a_promotion(serum: Any) -> None:
    promotion = PromotionFactory(usage_limit=1)
    PromoCodeFactory(code="FIRST", promotion=promotion)
    PromoCodeFactory(code="SECOND", promotion=promotion)
    first, second = priced("first"), priced("second")  # both priced before either is redeemed
    promo_codes_redeem(order=order_no(1), breakdown=first, email="a@example.com")
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=order_no(2), breakdown=second, email="b@example.com")
    assert (raised.value.promo_code, raised.value.reason) == ("SECOND", "promo_exhausted")
    assert raised.value.message == "SECOND has been fully redeemed."
    assert Redemption.objects.count() == 1
    assert_counters_match_rows()


def test_a_single_use_code_is_used_once(serum: Any) -> None:
    promotion = PromotionFactory()
    PromoCodeFactory(code="ONLYONCE", promotion=promotion, max_uses=1, public=False)
    breakdown = priced("onlyonce")
    promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=order_no(2), breakdown=breakdown, email="b@example.com")
    assert raised.value.reason == "promo_exhausted"
    promotion.refresh_from_db()
    assert promotion.uses == 1  # the promotion's use taken by the refused order was undone
    assert_counters_match_rows()


def test_the_per_customer_limit_keys_on_the_normalised_email(serum: Any) -> None:
    promotion = PromotionFactory(per_customer_limit=1)
    PromoCodeFactory(code="ONCEEACH", promotion=promotion)
    promo_codes_redeem(order=order_no(1), breakdown=priced("onceeach"), email="janedoe@gmail.com")
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(
            order=order_no(2), breakdown=priced("onceeach"), email="JANE.DOE+again@gmail.com"
        )
    assert raised.value.reason == "promo_customer_limit"
    promo_codes_redeem(order=order_no(3), breakdown=priced("onceeach"), email="john@example.com")
    assert Redemption.objects.count() == 2
    assert_counters_match_rows()


def test_the_per_customer_limit_also_keys_on_the_account_when_there_is_one(
    serum: Any, django_user_model: Any
) -> None:
    """Shop orders carry no account yet; an order object that has one (`user_id`) is keyed on
    it too, so another address of the same account counts as the same customer."""
    user = django_user_model.objects.create_user("jane", "jane@example.com", "x")
    promotion = PromotionFactory(per_customer_limit=1)
    PromoCodeFactory(code="ONCEEACH", promotion=promotion)
    first = SimpleNamespace(pk=order_no(1).pk, user_id=user.pk)
    promo_codes_redeem(order=first, breakdown=priced("onceeach"), email="jane@example.com")
    second = SimpleNamespace(pk=order_no(2).pk, user_id=user.pk)
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=second, breakdown=priced("onceeach"), email="other@example.com")
    assert raised.value.reason == "promo_customer_limit"
    assert Redemption.objects.get().user_id == user.pk


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"ends_at": -1}, "promo_expired"),
        ({"starts_at": 1}, "promo_not_started"),
        ({"active": False}, "promo_not_found"),
    ],
)
def test_a_code_that_died_after_pricing_is_refused(
    serum: Any, change: dict[str, Any], reason: str
) -> None:
    promotion = PromotionFactory()
    PromoCodeFactory(code="LATE", promotion=promotion)
    breakdown = priced("late")
    now = timezone.now()
    updates: dict[str, Any] = {}
    if "ends_at" in change:
        updates = {"starts_at": now - timedelta(days=3), "ends_at": now - timedelta(seconds=1)}
    elif "starts_at" in change:
        updates = {"starts_at": now + timedelta(days=1)}
    else:
        updates = change
    Promotion.objects.filter(pk=promotion.pk).update(**updates)
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    assert raised.value.reason == reason
    assert not Redemption.objects.exists()


def test_a_code_deleted_after_pricing_is_not_found(serum: Any) -> None:
    code = PromoCodeFactory(code="GONE")
    breakdown = priced("gone")
    code.delete()
    with pytest.raises(PromoUnavailable) as raised:
        promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    assert raised.value.reason == "promo_not_found"


def test_redeeming_an_order_again_changes_nothing(serum: Any) -> None:
    PromoCodeFactory(code="AGAIN", promotion=PromotionFactory(usage_limit=5))
    breakdown = priced("again")
    promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    assert Redemption.objects.count() == 1
    assert Promotion.objects.get().uses == 1
    assert_counters_match_rows()


def test_a_refused_code_undoes_the_codes_taken_before_it(serum: Any) -> None:
    first = PromotionFactory(combinable=True, kind="amount", value=Decimal("5"))
    second = PromotionFactory(combinable=True, kind="amount", value=Decimal("5"), usage_limit=1)
    PromoCodeFactory(code="AAA", promotion=first)
    PromoCodeFactory(code="BBB", promotion=second)
    breakdown = priced(["aaa", "bbb"])
    Promotion.objects.filter(pk=second.pk).update(uses=1)  # used up since pricing
    with transaction.atomic():  # the checkout transaction goes on (to answer 409)
        with pytest.raises(PromoUnavailable):
            promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
        first.refresh_from_db()
        assert first.uses == 0
        assert not Redemption.objects.exists()


def test_a_rolled_back_checkout_gives_the_use_back(serum: Any) -> None:
    PromoCodeFactory(code="DECLINED", promotion=PromotionFactory(usage_limit=1))
    breakdown = priced("declined")

    class PaymentDeclined(Exception):
        pass

    with pytest.raises(PaymentDeclined), transaction.atomic():
        promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
        raise PaymentDeclined
    assert Promotion.objects.get().uses == 0
    promo_codes_redeem(order=order_no(2), breakdown=breakdown, email="a@example.com")
    assert_counters_match_rows()


def test_releasing_an_order_gives_its_uses_back_once(serum: Any) -> None:
    promotion = PromotionFactory(usage_limit=1, per_customer_limit=1)
    PromoCodeFactory(code="CANCEL", promotion=promotion, max_uses=1, public=False)
    breakdown = priced("cancel")
    promo_codes_redeem(order=order_no(1), breakdown=breakdown, email="a@example.com")
    promo_codes_release(order=order_no(1))
    promo_codes_release(order=order_no(1))  # twice: nothing more is given back
    promotion.refresh_from_db()
    assert promotion.uses == 0
    assert Redemption.objects.get().released_at is not None
    assert_counters_match_rows()
    # The use is really back: the same customer may use it again.
    promo_codes_redeem(order=order_no(2), breakdown=breakdown, email="a@example.com")
    assert Redemption.objects.filter(released_at__isnull=True).count() == 1
    assert_counters_match_rows()


def test_releasing_an_order_without_codes_does_nothing(serum: Any) -> None:
    promo_codes_release(order=order_no(99))
    assert not Redemption.objects.exists()


# -- real concurrency on PostgreSQL --------------------------------------------------------------


def race(workers: int, work: Callable[[int], None]) -> dict[str, int]:
    """Run `work(i)` in `workers` threads lined up on a barrier; counts outcomes."""
    barrier = threading.Barrier(workers)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
            outcome = "redeemed"
        except PromoUnavailable as error:
            outcome = error.reason
        except Exception as error:  # anything else is a failure of the test
            outcome = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def checkout_like(
    code: str, email: Callable[[int], str], *, stale: bool = False
) -> Callable[[int], None]:
    """What checkout does: price, then redeem inside one transaction (a pause stands for
    payment, so transactions overlap). `stale=True` redeems a breakdown priced before the
    race, when the code still had uses: only the guarded UPDATEs stand in the way."""
    before = {address: priced(code, email=address) for address in {email(0), email(1)}}

    def work(index: int) -> None:
        address = email(index)
        with transaction.atomic():
            breakdown = before.get(address) if stale else None
            breakdown = breakdown or priced(code, email=address)
            promo_codes_redeem(order=order_no(1000 + index), breakdown=breakdown, email=address)
            connection.cursor().execute("SELECT pg_sleep(0.01)")

    return work


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale"])
@pytest.mark.parametrize("limit", [1, 10])
def test_fifty_checkouts_racing_never_exceed_the_total_limit(limit: int, stale: bool) -> None:
    ProductFactory(slug="serum", price_amount=Decimal("60.00"))
    PromoCodeFactory(code="RUSH", promotion=PromotionFactory(usage_limit=limit))
    work = checkout_like("RUSH", lambda i: f"shopper{i % 2}@example.com", stale=stale)
    if not stale:
        work = checkout_like("RUSH", lambda i: f"shopper{i}@example.com")
    outcomes = race(50, work)
    assert outcomes == {"redeemed": limit, "promo_exhausted": 50 - limit}
    assert Redemption.objects.count() == limit
    assert Promotion.objects.get().uses == limit
    assert_counters_match_rows()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_fifty_checkouts_racing_for_single_use_codes_use_each_once() -> None:
    ProductFactory(slug="serum", price_amount=Decimal("60.00"))
    PromoCodeFactory(code="SINGLE", promotion=PromotionFactory(), max_uses=1, public=False)
    outcomes = race(50, checkout_like("SINGLE", lambda i: f"s{i % 2}@example.com", stale=True))
    assert outcomes == {"redeemed": 1, "promo_exhausted": 49}
    assert_counters_match_rows()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stale", [False, True], ids=["fresh", "stale"])
@pytest.mark.parametrize("tabs", [2, 20])
def test_one_customer_in_several_tabs_gets_the_per_customer_limit(tabs: int, stale: bool) -> None:
    ProductFactory(slug="serum", price_amount=Decimal("60.00"))
    PromoCodeFactory(code="ONCE", promotion=PromotionFactory(per_customer_limit=1))
    addresses = ["jane.doe@gmail.com", "JaneDoe+tab2@gmail.com"]
    outcomes = race(tabs, checkout_like("ONCE", lambda i: addresses[i % 2], stale=stale))
    assert outcomes == {"redeemed": 1, "promo_customer_limit": tabs - 1}
    assert Redemption.objects.count() == 1
    assert_counters_match_rows()


@pytest.mark.postgres
@pytest.mark.xdist_group("postgres-races")  # 20-50 connections at once: tests/conftest.py
@pytest.mark.django_db(transaction=True)
def test_counters_equal_rows_while_orders_are_placed_and_cancelled_at_once() -> None:
    ProductFactory(slug="serum", price_amount=Decimal("60.00"))
    promotion = PromotionFactory(usage_limit=10)
    PromoCodeFactory(code="CHURN", promotion=promotion)
    # Ten orders already hold the ten uses; ten cancel while forty try to redeem.
    breakdown = priced("CHURN")
    for n in range(10):
        promo_codes_redeem(order=order_no(n), breakdown=breakdown, email=f"early{n}@example.com")
    redeem = checkout_like("CHURN", lambda i: f"late{i}@example.com")

    def work(index: int) -> None:
        if index < 10:
            promo_codes_release(order=order_no(index))
        else:
            redeem(index)

    outcomes = race(50, work)
    assert set(outcomes) <= {"redeemed", "promo_exhausted"}, outcomes
    live = Redemption.objects.filter(released_at__isnull=True).count()
    assert Redemption.objects.filter(released_at__isnull=False).count() == 10
    assert live <= 10
    assert outcomes["redeemed"] == 10 + live  # the ten releases and the late redemptions
    promotion.refresh_from_db()
    assert promotion.uses == live
    assert_counters_match_rows()
