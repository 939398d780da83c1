"""Admin for reminders: subscriptions with each person's sent history, upcoming reminders,
replenishment items and the cap's stamps; staff only; consent never added by staff."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from promotions.messaging import services as outbox
from promotions.reminders import scheduling
from promotions.reminders.models import Reminder, Subscription
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane() -> Subscription:
    subscription = SubscriptionFactory(email="jane@example.com")
    scheduling.routine_schedule_next(subscription=subscription, now=timezone.now())
    outbox.email_enqueue(
        purpose="order_confirmation",
        key="o1",
        recipient="Jane@Example.com",
        template="reminder_manage",
        context={"kind_label": "x", "manage_url": "u"},
    )
    return subscription


def test_staff_see_subscriptions_upcoming_reminders_and_sent_history(
    admin_client: Client, jane: Subscription
) -> None:
    listing = admin_client.get("/admin/promotions/subscription/?status=active")
    assert listing.status_code == 200 and b"jane@example.com" in listing.content
    page = admin_client.get(f"/admin/promotions/subscription/{jane.pk}/change/")
    html = page.content.decode()
    assert "Sent history (outbox)" in html
    assert "order_confirmation" in html  # matched case-insensitively
    assert "(Europe/Paris)" in html  # the next reminder on her clock
    upcoming = admin_client.get("/admin/promotions/reminder/?when=upcoming")
    assert upcoming.status_code == 200 and b"jane@example.com" in upcoming.content
    for url in (
        "/admin/promotions/reminder/?when=past",
        f"/admin/promotions/reminder/{Reminder.objects.get().pk}/change/",
        "/admin/promotions/replenishmentitem/",
        "/admin/promotions/marketingstamp/",
        "/admin/promotions/suppression/",
        "/admin/promotions/subscription/?status=paused",
        "/admin/promotions/subscription/?status=awaiting",
        "/admin/promotions/subscription/?status=unsubscribed",
    ):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/promotions/subscription/add/").status_code == 403


def test_changing_the_time_in_admin_moves_the_pending_reminder(
    admin_client: Client, jane: Subscription
) -> None:
    page = admin_client.get(f"/admin/promotions/subscription/{jane.pk}/change/")
    assert page.status_code == 200
    response = admin_client.post(
        f"/admin/promotions/subscription/{jane.pk}/change/",
        {"local_time": "06:00", "timezone": "Asia/Tokyo"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    jane.refresh_from_db()
    assert (jane.local_time, jane.timezone) == (time(6, 0), "Asia/Tokyo")
    pending = Reminder.objects.get(state="pending")
    assert pending.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).time() == (
        time(6, 0)
    )


def test_staff_can_unsubscribe_in_bulk(admin_client: Client, jane: Subscription) -> None:
    admin_client.post(
        "/admin/promotions/subscription/",
        {"action": "unsubscribe", "_selected_action": [jane.pk]},
    )
    jane.refresh_from_db()
    assert jane.unsubscribed_at is not None
    assert Reminder.objects.get().state == "cancelled"


def test_the_reminder_admin_is_read_only(admin_client: Client, jane: Subscription) -> None:
    row = Reminder.objects.get()
    before = row.due_at
    admin_client.post(
        f"/admin/promotions/reminder/{row.pk}/change/",
        {"due_at_0": "2030-01-01", "due_at_1": "00:00:00"},
    )
    row.refresh_from_db()
    assert row.due_at == before
    assert before > timezone.now() - timedelta(days=1)


def test_admin_is_for_staff_only(client: Client, jane: Subscription) -> None:
    response = client.get("/admin/promotions/subscription/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_api_costs_the_same_queries_for_a_new_or_a_repeated_request(
    django_assert_num_queries: Any,
) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    body = {"email": "jane@example.com", "kind": "replenish"}
    # savepoint; lock-or-create: select, savepoint, insert, release; save; outbox: existing
    # key, savepoint, insert, release; release.
    with django_assert_num_queries(11):
        assert client.post("/api/reminders/", body, format="json").status_code == 202
    with django_assert_num_queries(4):  # savepoint, the locked row, its save, release
        assert client.post("/api/reminders/", body, format="json").status_code == 202
