"""The checkout's "remind me when this runs out" box is the buyer's consent: ticked, they ask
for replenishment reminders (confirmed by email first) and the order is scheduled; unticked,
the order schedules nothing, not even by beat's sweeps; left out by an API client, as before
(scheduled, sent only to a confirmed subscription). Paid orders are scheduled by beat's minute
sweep, which each checkout here runs after the commit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.messaging.models import OutboxMessage
from promotions.reminders.models import (
    Reminder,
    ReplenishmentItem,
    ReplenishmentOrder,
    Subscription,
)
from shop.checkout import replenishment
from shop.checkout.models import Order
from tests.factories import SubscriptionFactory
from tests.shop.accounts.people import person
from tests.shop.checkout_helpers import (
    ROUTINE_ITEM,
    Catalog,
    check_out,
    checkout_body,
    checkout_form,
    make_catalog,
    new_cart,
    problem,
)

pytestmark = pytest.mark.django_db
ANA = "ana@example.com"


@pytest.fixture
def catalog() -> Catalog:
    return make_catalog()


def buy(captured: Any, **changes: Any) -> Order:
    """Check out through the API, run what follows the commit, then beat's minute sweep (which
    schedules paid orders)."""
    client = APIClient()
    with captured(execute=True):
        response = check_out(client, new_cart(client, ROUTINE_ITEM), checkout_body(**changes))
    assert response.status_code == 201, response.content
    replenishment.replenishment_sweep()
    return Order.objects.get(number=response.json()["number"])


def scheduled(email: str = ANA) -> int:
    return ReplenishmentItem.objects.filter(email_normalized=email).count()


def pending_reminders(email: str = ANA) -> int:
    return Reminder.objects.filter(
        email_normalized=email, kind="replenish", state=Reminder.State.PENDING
    ).count()


def test_unticked_schedules_nothing_not_even_by_the_sweeps(
    catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    order = buy(django_capture_on_commit_callbacks, replenishment_reminders=False)
    assert order.status == "paid"
    assert (scheduled(), pending_reminders()) == (0, 0)
    assert ReplenishmentOrder.objects.get(order=order).products == 0
    assert replenishment.replenishment_sweep() == 0
    assert replenishment.replenishment_catch_up(now=timezone.now()) == 0
    assert scheduled() == 0
    assert not Subscription.objects.filter(email_normalized=ANA).exists()


def test_ticked_asks_for_consent_by_email_and_schedules_the_order(
    catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    order = buy(django_capture_on_commit_callbacks, replenishment_reminders=True)
    subscription = Subscription.objects.get(email_normalized=ANA, kind="replenish")
    assert subscription.status == "awaiting confirmation"
    assert OutboxMessage.objects.filter(purpose="reminder_confirm", recipient=ANA).count() == 1
    assert scheduled() == 3  # wash, toner, serum
    assert pending_reminders() >= 1
    assert ReplenishmentOrder.objects.get(order=order).products == 3


def test_ticked_by_a_confirmed_subscriber_sends_no_email_and_resumes_a_paused_one(
    catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = SubscriptionFactory(email=ANA, kind="replenish", paused_at=timezone.now())
    buy(django_capture_on_commit_callbacks, replenishment_reminders=True)
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert not OutboxMessage.objects.filter(purpose__startswith="reminder_").exists()
    assert pending_reminders() >= 1


def test_left_out_by_an_api_client_schedules_as_before(
    catalog: Catalog, django_capture_on_commit_callbacks: Any
) -> None:
    buy(django_capture_on_commit_callbacks)
    assert scheduled() == 3
    assert not Subscription.objects.filter(email_normalized=ANA).exists()


def test_a_value_that_is_not_a_boolean_is_a_400(catalog: Catalog) -> None:
    client = APIClient()
    cart = new_cart(client, ROUTINE_ITEM)
    response = check_out(client, cart, checkout_body(replenishment_reminders="maybe"))
    body = problem(response, 400, "validation_error")
    assert "replenishment_reminders" in body["errors"]
    assert not Order.objects.exists()


def storefront_checkout(client: Client, captured: Any, **fields: str) -> Order:
    client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    with captured(execute=True):
        response = client.post("/checkout/", checkout_form(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    replenishment.replenishment_sweep()
    return Order.objects.get()


def box_tag(html: str) -> str:
    match = re.search(r'<input[^>]*name="replenishment_reminders"[^>]*>', html)
    assert match is not None
    return match.group(0)


def test_the_box_is_on_the_checkout_page_unticked_for_a_guest(catalog: Catalog) -> None:
    client = Client()
    client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    html = client.get("/checkout/").content.decode()
    assert 'name="replenishment_reminders"' in html
    assert "Remind me when this runs out" in html
    assert " checked" not in box_tag(html)


@pytest.mark.parametrize(("fields", "items"), [({}, 0), ({"replenishment_reminders": "on"}, 1)])
def test_the_storefront_box_turns_reminders_off_or_on(
    catalog: Catalog, django_capture_on_commit_callbacks: Any, fields: dict[str, str], items: int
) -> None:
    storefront_checkout(Client(), django_capture_on_commit_callbacks, **fields)
    assert scheduled() == items
    assert Subscription.objects.filter(email_normalized=ANA, kind="replenish").count() == items


def test_a_signed_in_subscriber_finds_the_box_ticked(catalog: Catalog) -> None:
    ana = person(ANA)
    SubscriptionFactory(email=ANA, kind="replenish")
    client = Client()
    client.force_login(ana)
    client.post("/cart/add/", {"product": "wash", "quantity": "1"})
    html = client.get("/checkout/").content.decode()
    assert " checked" in box_tag(html)
