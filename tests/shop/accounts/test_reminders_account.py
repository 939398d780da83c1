"""Reminders in the account (/account/reminders/, /api/account/reminders/): the subscriptions
of the signed-in person's verified addresses, matched normalised, with their next send; pause,
resume, a new time and unsubscribing go through the reminder services; another person's
reminder is a 404 and an unverified address shows nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.reminders.models import Reminder, Subscription
from promotions.reminders.scheduling import routine_schedule_next
from tests.factories import SubscriptionFactory
from tests.shop.accounts.people import as_user, person

pytestmark = pytest.mark.django_db


def evening(email: str, **fields: Any) -> Subscription:
    subscription: Subscription = SubscriptionFactory(email=email, **fields)
    routine_schedule_next(subscription=subscription, now=timezone.now())
    return subscription


def pending(subscription: Subscription) -> int:
    return Reminder.objects.filter(
        email_normalized=subscription.email_normalized,
        kind=subscription.kind,
        state=Reminder.State.PENDING,
    ).count()


def test_lists_the_reminders_of_every_verified_address_matched_normalised() -> None:
    jane = person("janedoe@gmail.com", also=("jane@work.example",))
    mine = evening("Jane.Doe+shop@gmail.com", email_normalized="janedoe@gmail.com")
    news = SubscriptionFactory(email="jane@work.example", kind="giveaway_news")
    SubscriptionFactory(email="someone@example.com")
    body = as_user(jane).get("/api/account/reminders/").json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows) == {mine.pk, news.pk}
    row = rows[mine.pk]
    assert (row["kind"], row["status"], row["local_time"], row["timezone"]) == (
        "routine_evening",
        "active",
        "21:00",
        "Europe/Paris",
    )
    assert row["next_send_at"] is not None
    assert "21:00 (Europe/Paris)" in row["next_send_local"]
    assert rows[news.pk]["kind"] == "giveaway_news"


def test_an_unverified_address_shows_nothing() -> None:
    jane = person("jane@example.com", verified=False)
    evening("jane@example.com")
    assert as_user(jane).get("/api/account/reminders/").json() == {"results": []}


def test_pause_and_resume_through_the_reminder_services() -> None:
    jane = person("jane@example.com")
    subscription = evening("jane@example.com")
    client = as_user(jane)
    url = f"/api/account/reminders/{subscription.pk}/"
    response = client.patch(url, {"paused": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "paused"
    assert response.json()["next_send_at"] is None
    assert pending(subscription) == 0
    response = client.patch(url, {"paused": False}, format="json")
    assert response.json()["status"] == "active"
    assert pending(subscription) == 1


def test_a_new_time_moves_the_next_reminder() -> None:
    jane = person("jane@example.com")
    subscription = evening("jane@example.com")
    response = as_user(jane).patch(
        f"/api/account/reminders/{subscription.pk}/",
        {"local_time": "06:15", "timezone": "America/New_York"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["local_time"], body["timezone"]) == ("06:15", "America/New_York")
    assert "06:15 (America/New_York)" in body["next_send_local"]
    assert pending(subscription) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"local_time": "25:00"}, "local_time"), ({"timezone": "Mars/Olympus"}, "timezone")],
)
def test_a_bad_time_or_zone_is_a_400_and_changes_nothing(
    change: dict[str, str], field: str
) -> None:
    jane = person("jane@example.com")
    subscription = evening("jane@example.com")
    response = as_user(jane).patch(
        f"/api/account/reminders/{subscription.pk}/", change, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["errors"]
    subscription.refresh_from_db()
    assert (str(subscription.local_time), subscription.timezone) == ("21:00:00", "Europe/Paris")


def test_unsubscribing_stops_it_and_a_stopped_one_cannot_be_changed() -> None:
    jane = person("jane@example.com")
    subscription = evening("jane@example.com")
    client = as_user(jane)
    url = f"/api/account/reminders/{subscription.pk}/"
    assert client.delete(url).status_code == 204
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
    assert pending(subscription) == 0
    response = client.patch(url, {"paused": False}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "reminder_unsubscribed")


def test_another_persons_reminder_is_a_404_and_stays_as_it_was() -> None:
    jane = person("jane@example.com")
    other = evening("other@example.com")
    client = as_user(jane)
    url = f"/api/account/reminders/{other.pk}/"
    assert client.patch(url, {"paused": True}, format="json").status_code == 404
    assert client.delete(url).status_code == 404
    assert client.patch("/api/account/reminders/999999/", {}, format="json").status_code == 404
    other.refresh_from_db()
    assert other.is_active
    assert pending(other) == 1


def test_signed_out_is_refused_and_changes_need_the_csrf_token() -> None:
    subscription = evening("jane@example.com")
    assert APIClient().get("/api/account/reminders/").status_code in (401, 403)
    jane = person("jane@example.com")
    response = as_user(jane, csrf=True).patch(
        f"/api/account/reminders/{subscription.pk}/", {"paused": True}, format="json"
    )
    assert response.status_code == 403
    subscription.refresh_from_db()
    assert subscription.paused_at is None


def test_the_page_lists_and_pauses_with_the_manage_forms() -> None:
    jane = person("jane@example.com")
    subscription = evening("jane@example.com")
    client = Client()
    client.force_login(jane)
    page = client.get("/account/reminders/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Evening routine" in html and "Next:" in html
    response = client.post(
        "/account/reminders/", {"subscription": subscription.pk, "action": "pause"}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.paused_at is not None
    bad = client.post(
        "/account/reminders/",
        {
            "subscription": subscription.pk,
            "action": "save",
            "local_time": "nope",
            "timezone": "UTC",
        },
    )
    assert bad.status_code == 400
    assert "Enter a time like 21:00." in bad.content.decode()


def test_the_page_refuses_another_persons_reminder() -> None:
    jane = person("jane@example.com")
    other = evening("other@example.com")
    client = Client()
    client.force_login(jane)
    response = client.post(
        "/account/reminders/", {"subscription": other.pk, "action": "unsubscribe"}, follow=True
    )
    assert "not one of yours" in response.content.decode()
    other.refresh_from_db()
    assert other.unsubscribed_at is None
    assert "other@example.com" not in client.get("/account/reminders/").content.decode()
