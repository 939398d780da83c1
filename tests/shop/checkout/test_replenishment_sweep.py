"""Beat's replenishment sweep schedules paid orders (payment queues nothing): all that is due in
one run, in batches; each order once, also with two sweeps at once; an order the admin
captures later too; a cancelled order never, or taken back out when cancelled after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.reminders.models import ReplenishmentItem, ReplenishmentOrder
from shop.checkout import orders, replenishment
from shop.checkout.models import Order
from shop.checkout.payments import GatewayError, TestGateway
from tests.shop.checkout_helpers import Catalog, check_out, checkout_body, new_cart
from tests.shop.race import race

pytestmark = pytest.mark.django_db


def buy(email: str = "ana@example.com", *items: dict[str, Any]) -> Order:
    client = APIClient()
    cart = new_cart(client, *(items or ({"product": "wash"},)))
    response = check_out(client, cart, checkout_body(email=email))
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def scheduled_orders() -> list[int]:
    return sorted(ReplenishmentOrder.objects.values_list("order_id", flat=True))


def test_one_run_schedules_every_order_due_in_batches_and_leaves_later_ones(
    catalog: Catalog, settings: Any
) -> None:
    settings.REPLENISH_SWEEP_BATCH = 2
    bought = [buy(f"p{i}@example.com") for i in range(5)]
    later = buy("later@example.com")
    now = timezone.now()
    # Two paid in the same microsecond: the batches' (paid_at, id) order still takes both.
    Order.objects.filter(pk__in=[bought[1].pk, bought[2].pk]).update(paid_at=bought[1].paid_at)
    Order.objects.filter(pk=later.pk).update(paid_at=now + timedelta(seconds=1))
    assert replenishment.replenishment_sweep(now=now) == 5
    assert scheduled_orders() == sorted(order.pk for order in bought)
    assert replenishment.replenishment_sweep(now=now + timedelta(seconds=2)) == 1


def test_an_order_captured_later_from_the_admin_is_scheduled_by_the_next_sweep(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: TestGateway, **kwargs: object) -> str:
        raise GatewayError("down")

    with monkeypatch.context() as patched:
        patched.setattr(TestGateway, "capture", down)
        order = buy()
    assert order.status == "placed"
    assert replenishment.replenishment_sweep() == 0  # not paid: nothing to schedule
    order = Order.objects.select_related("payment").get()
    assert orders.order_payment_capture(order=order).status == "paid"
    assert replenishment.replenishment_sweep() == 1
    assert scheduled_orders() == [order.pk]


def test_an_order_cancelled_before_the_sweep_is_never_scheduled(catalog: Catalog) -> None:
    order = buy()
    orders.order_cancel(order=order)
    assert replenishment.replenishment_sweep() == 0
    assert replenishment.replenishment_catch_up() == 0
    assert (scheduled_orders(), ReplenishmentItem.objects.count()) == ([], 0)


def test_an_order_cancelled_after_the_sweep_is_taken_back_out(catalog: Catalog) -> None:
    order = buy()
    assert replenishment.replenishment_sweep() == 1
    assert ReplenishmentItem.objects.count() == 1
    orders.order_cancel(order=order)
    assert ReplenishmentItem.objects.count() == 0


def test_finding_the_due_orders_costs_the_same_queries_whatever_was_scheduled_before(
    catalog: Catalog, django_assert_num_queries: Any
) -> None:
    for i in range(3):
        buy(f"p{i}@example.com")
    assert replenishment.replenishment_sweep() == 3
    with django_assert_num_queries(1):  # one page, found empty
        assert replenishment.replenishment_sweep() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_schedule_each_order_exactly_once(
    catalog: Catalog, settings: Any
) -> None:
    settings.REPLENISH_SWEEP_BATCH = 4
    bought = [buy(f"p{i}@example.com", {"product": "wash", "quantity": 2}) for i in range(24)]
    counts = race(2, lambda _: replenishment.replenishment_sweep())
    assert all(isinstance(count, int) for count in counts), counts
    assert sum(counts) == 24
    assert scheduled_orders() == sorted(order.pk for order in bought)
    # One product each, its two units counted once (a second scheduling would have moved
    # the run-out date again).
    items = ReplenishmentItem.objects.all()
    assert [item.quantity for item in items] == [2] * 24
    assert len({item.runs_out_on for item in items}) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_cancellation_racing_the_sweeps_leaves_nothing_scheduled(catalog: Catalog) -> None:
    bought = [buy(f"p{i}@example.com") for i in range(12)]
    cancelled = bought[::2]

    def cancel() -> None:
        for order in cancelled:
            orders.order_cancel(order=order)

    work = [cancel, replenishment.replenishment_sweep, replenishment.replenishment_sweep]
    results = race(3, lambda i: work[i]())
    assert not [r for r in results if isinstance(r, BaseException)], results
    replenishment.replenishment_sweep()  # whatever a held row made the sweeps leave
    kept = {order.email for order in bought} - {order.email for order in cancelled}
    assert set(ReplenishmentItem.objects.values_list("email", flat=True)) == kept
    assert Order.objects.filter(status="cancelled").count() == 6
