"""Replenishment: paid orders schedule a reminder per product (kit components and routine
selections included, gifts not), grouped by due date, rescheduled by later orders, sent with
consent only, with a link that fills a cart."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.messaging import sending
from promotions.messaging.models import OutboxMessage
from promotions.reminders import links, subscriptions
from promotions.reminders import sweep as reminders
from promotions.reminders.models import Reminder, ReplenishmentItem, ReplenishmentOrder
from shop.cart.models import CartItem
from shop.catalog.models import Product
from shop.checkout import replenishment
from shop.checkout.models import Order
from tests.factories import SubscriptionFactory
from tests.shop.checkout_helpers import ROUTINE_ITEM, Catalog, check_out, make_catalog, new_cart

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
DAY0 = datetime(2025, 1, 10, 15, 0, tzinfo=UTC)


@pytest.fixture
def catalog() -> Catalog:
    shop = make_catalog()
    Product.objects.filter(pk=shop.wash.pk).update(days_of_use=30)
    Product.objects.filter(pk=shop.toner.pk).update(days_of_use=60)
    Product.objects.filter(pk=shop.serum.pk).update(days_of_use=45)
    return shop


def buy(*items: dict[str, Any], paid_at: datetime = DAY0, email: str = "ana@example.com") -> Order:
    """Check out through the API (the after-commit hook does not run in these tests), then
    schedule the order as the worker would, with the clock at `paid_at`."""
    client = APIClient()
    body = {
        "email": email,
        "name": "Ana Lima",
        "address": {
            "line1": "1 Rose St",
            "city": "Portland",
            "postal_code": "97201",
            "country": "US",
        },
        "payment": {"method": "test", "token": "tok_ok"},
    }
    response = check_out(client, new_cart(client, *items), body)
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert order.status == "paid"
    Order.objects.filter(pk=order.pk).update(paid_at=paid_at)
    order.refresh_from_db()
    replenishment.replenishment_schedule_for_order(order=order, now=paid_at)
    return order


def items_by_slug(email: str = "ana@example.com") -> dict[str, ReplenishmentItem]:
    return {
        item.product.slug: item
        for item in ReplenishmentItem.objects.filter(email_normalized=email).select_related(
            "product", "reminder"
        )
    }


def d(days: int) -> date:
    return DAY0.date() + timedelta(days=days)


def test_each_product_of_a_paid_order_is_scheduled_kits_and_routines_included(
    catalog: Catalog,
) -> None:
    buy({"kit": "duo"}, {"product": "serum", "quantity": 2}, ROUTINE_ITEM)
    items = items_by_slug()
    assert set(items) == {"wash", "toner", "serum"}  # the duo's gift is not scheduled
    # wash: 1 in the duo + 1 in the routine, 30 days each; toner 2 × 60; serum 2 + 1, × 45.
    assert (items["wash"].quantity, items["wash"].runs_out_on) == (2, d(60))
    assert (items["toner"].quantity, items["toner"].runs_out_on) == (2, d(120))
    assert (items["serum"].quantity, items["serum"].runs_out_on) == (3, d(135))
    # Seven days before, at 10:00 on the shop's default clock (UTC).
    assert items["wash"].remind_on == d(53)
    assert items["wash"].reminder.due_at == datetime.combine(d(53), time(10), tzinfo=UTC)
    assert len({item.reminder_id for item in items.values()}) == 3


def test_products_running_out_within_three_days_share_one_email(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.toner.pk).update(days_of_use=32)
    Product.objects.filter(pk=catalog.serum.pk).update(days_of_use=34)
    buy({"product": "wash"}, {"product": "toner"}, {"product": "serum"})
    items = items_by_slug()
    # Reminders on day 23, 25 and 27: 25 joins 23 (two days later), 27 is four days later.
    assert items["wash"].reminder_id == items["toner"].reminder_id
    assert items["serum"].reminder_id != items["wash"].reminder_id
    group = items["wash"].reminder
    assert group.payload == {
        "date": d(23).isoformat(),
        "products": sorted([catalog.wash.pk, catalog.toner.pk]),
    }
    assert items["toner"].remind_on == d(23)


def test_a_later_order_of_the_same_product_reschedules_it(catalog: Catalog) -> None:
    buy({"product": "wash"}, {"product": "serum"})
    first = items_by_slug()
    old_wash_reminder = first["wash"].reminder_id
    # Twenty days later, another wash: the new one starts when the first runs out (day 30).
    buy({"product": "wash"}, paid_at=DAY0 + timedelta(days=20))
    items = items_by_slug()
    assert items["wash"].runs_out_on == d(60)
    assert items["wash"].remind_on == d(53)
    assert items["wash"].reminder_id != old_wash_reminder
    old = Reminder.objects.get(pk=old_wash_reminder)
    assert old.state == "cancelled" and old.reason.startswith("every product in it was")
    assert items["serum"].reminder_id == first["serum"].reminder_id
    assert Reminder.objects.filter(state="pending").count() == 2


def test_a_reorder_leaves_a_shared_email_to_the_other_products(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.toner.pk).update(days_of_use=30)
    buy({"product": "wash"}, {"product": "toner"})
    shared = items_by_slug()["wash"].reminder
    buy({"product": "wash", "quantity": 3}, paid_at=DAY0 + timedelta(days=2))
    shared.refresh_from_db()
    assert shared.state == "pending"
    assert shared.payload["products"] == [catalog.toner.pk]
    assert items_by_slug()["wash"].runs_out_on == d(120)  # 30 + 3 × 30


def test_a_cancelled_order_takes_its_reminders_back(catalog: Catalog) -> None:
    order = buy({"product": "wash"}, {"product": "serum"})
    reminder_ids = {item.reminder_id for item in items_by_slug().values()}
    from shop.checkout.orders import order_cancel

    order_cancel(order=order)
    assert items_by_slug() == {}
    assert set(Reminder.objects.filter(pk__in=reminder_ids).values_list("state", flat=True)) == {
        "cancelled"
    }


def test_cancelling_a_reorder_goes_back_to_the_first_orders_date(catalog: Catalog) -> None:
    buy({"product": "wash"})
    first = items_by_slug()["wash"]
    second = buy({"product": "wash"}, paid_at=DAY0 + timedelta(days=20))
    assert items_by_slug()["wash"].runs_out_on == d(60)
    replenishment.replenishment_forget_order(order=second, now=DAY0 + timedelta(days=21))
    item = items_by_slug()["wash"]
    assert (
        (item.runs_out_on, item.remind_on)
        == (first.runs_out_on, first.remind_on)
        == (
            d(30),
            d(23),
        )
    )
    assert item.reminder is not None and item.reminder.state == "pending"
    assert Reminder.objects.filter(state="pending").count() == 1


def test_an_order_is_scheduled_once(catalog: Catalog) -> None:
    order = buy({"product": "wash"})
    assert replenishment.replenishment_schedule_for_order(order=order, now=DAY0) == 0
    assert ReplenishmentItem.objects.get().runs_out_on == d(30)
    assert ReplenishmentOrder.objects.count() == 1


def test_a_tiny_supply_is_reminded_no_earlier_than_the_next_day(catalog: Catalog) -> None:
    Product.objects.filter(pk=catalog.wash.pk).update(days_of_use=3)
    buy({"product": "wash"})
    assert items_by_slug()["wash"].remind_on == d(1)


def test_checkout_queues_nothing_and_beats_minute_sweep_schedules_the_order(
    catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        response = check_out(client, new_cart(client, {"kit": "pair"}))
    assert response.status_code == 201
    order = Order.objects.get(number=response.json()["number"])
    assert not ReplenishmentOrder.objects.exists()  # nothing at payment
    assert replenishment.replenishment_sweep() == 1
    assert ReplenishmentOrder.objects.filter(order=order).exists()
    assert set(items_by_slug()) == {"toner", "serum"}
    assert replenishment.replenishment_sweep() == 0  # once


def test_an_order_the_minute_sweep_missed_is_caught_up_by_the_hourly_one(
    catalog: Catalog,
) -> None:
    client = APIClient()
    response = check_out(client, new_cart(client, {"product": "wash"}))
    assert response.status_code == 201
    # Beat or the workers were down for two hours: the minute's sweep looks back 15 minutes.
    Order.objects.update(paid_at=timezone.now() - timedelta(hours=2))
    assert replenishment.replenishment_sweep() == 0
    assert replenishment.replenishment_catch_up() == 1
    assert set(items_by_slug()) == {"wash"}


def test_nothing_is_sent_without_a_confirmed_replenish_subscription(catalog: Catalog) -> None:
    buy({"product": "wash"})
    due = items_by_slug()["wash"].reminder.due_at
    report = reminders.reminders_sweep(now=due)
    assert report.skip_reasons == {"no confirmed subscription": 1}
    assert OutboxMessage.objects.filter(purpose="reminder").count() == 0


def test_subscribing_later_still_covers_what_was_bought(catalog: Catalog) -> None:
    buy({"product": "wash"}, {"product": "toner"})
    items = items_by_slug()
    reminders.reminders_sweep(now=items["wash"].reminder.due_at)  # skipped: no consent yet
    later = datetime.combine(d(27), time(12), tzinfo=UTC)  # the wash runs out on day 30
    data = subscriptions.subscription_clean(
        email="ana@example.com", kind="replenish", local_time="09:00", timezone="Europe/Paris"
    )
    subscription = subscriptions.subscription_request(data=data, now=later)
    subscriptions.subscription_confirm(token=subscription.confirm_token, now=later)
    items = items_by_slug()
    wash = items["wash"].reminder
    assert wash.state == "pending"
    # Today is too late for 09:00 Paris: it is due now, and goes with the next sweep.
    assert wash.due_at.astimezone(PARIS) == datetime(2025, 2, 6, 9, 0, tzinfo=PARIS)
    # The toner's reminder moved to her clock: 09:00 Paris on its day.
    toner = items["toner"].reminder
    assert toner.due_at.astimezone(PARIS).time() == time(9, 0)
    report = reminders.reminders_sweep(now=later)
    assert report.queued == 1


def test_a_replenish_time_in_quiet_hours_moves_to_the_morning(catalog: Catalog) -> None:
    SubscriptionFactory(email="ana@example.com", kind="replenish", local_time=time(23, 0))
    buy({"product": "wash"})
    reminder = items_by_slug()["wash"].reminder
    assert reminder.due_at.astimezone(PARIS) == datetime.combine(d(24), time(8, 0), tzinfo=PARIS)


def test_the_email_lists_the_products_and_links_to_a_filled_cart(catalog: Catalog) -> None:
    SubscriptionFactory(email="ana@example.com", kind="replenish", local_time=time(9, 0))
    Product.objects.filter(pk=catalog.toner.pk).update(days_of_use=15)  # two last 30 days
    buy({"product": "wash"}, {"product": "toner", "quantity": 2})
    due = items_by_slug()["wash"].reminder.due_at
    reminders.reminders_sweep(now=due)
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert sending.outbox_send_messages(message_ids=ids, now=due).sent == 1
    (email,) = mail.outbox
    assert email.subject == "Running low on Citrus Wash and 1 more?"
    assert "Citrus Wash" in email.body and "Firming Toner" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = next(w for w in email.body.split() if "/reminders/restock/" in w)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart_id = client.session["cart_id"]
    lines = {i.ref: i.quantity for i in CartItem.objects.filter(cart_id=cart_id)}
    assert lines == {"wash": 1, "toner": 2}
    assert client.session["cart_count"] == 3
    page = client.get("/cart/")
    assert b"Added to your cart: Citrus Wash, Firming Toner." in page.content
    client.get(path)  # following it again adds nothing twice
    assert {i.ref: i.quantity for i in CartItem.objects.filter(cart_id=cart_id)} == lines
    assert Client().get(path[:-2] + "x/").status_code == 404


def test_a_product_no_longer_sold_is_left_out_of_the_cart(
    catalog: Catalog,
) -> None:
    Product.objects.filter(pk=catalog.toner.pk).update(active=False)
    token = links.restock_token(reminder_id=1, lines=[(catalog.wash.pk, 1), (catalog.toner.pk, 1)])
    client = Client()
    response = client.get(f"/reminders/restock/{token}/", follow=True)
    assert b"Not available right now: Firming Toner." in response.content
    assert list(CartItem.objects.values_list("ref", flat=True)) == ["wash"]


def test_the_sweep_skips_a_reminder_whose_products_were_all_withdrawn(catalog: Catalog) -> None:
    SubscriptionFactory(email="ana@example.com", kind="replenish")
    buy({"product": "wash"})
    Product.objects.filter(pk=catalog.wash.pk).update(active=False)
    report = reminders.reminders_sweep(now=items_by_slug()["wash"].reminder.due_at)
    assert report.queued == 0 and report.skipped == 1
    assert "nothing left to remind about" in Reminder.objects.get().reason
