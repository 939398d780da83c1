"""Customers in the admin: a customer's page lists their orders, saved routines, reminder
subscriptions and giveaway entries (nobody else's); the user list searches by any of their
addresses; staff users' pages work as before."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shop.accounts.routines import SavedRoutine
from tests.factories import EntryFactory, OrderFactory, SubscriptionFactory
from tests.shop.accounts.people import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_user: Any) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    client = Client()
    client.force_login(staff_user)
    return client


def test_a_customers_page_shows_their_things_and_nobody_elses(staff: Client) -> None:
    jane = person("jane@example.com")
    mine = OrderFactory(email="jane@example.com", customer_email="jane@example.com", user=jane)
    other = OrderFactory(email="bob@example.com", customer_email="bob@example.com")
    SavedRoutine.objects.create(user=jane, name="Night routine", routine="basic", selections=[])
    SubscriptionFactory(email="jane@example.com", kind="replenish")
    SubscriptionFactory(email="bob@example.com", kind="routine_morning")
    entry = EntryFactory(email="jane@example.com")
    EntryFactory(email="bob@example.com")
    response = staff.get(f"/admin/auth/user/{jane.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert mine.number in html and other.number not in html
    assert "Night routine" in html
    assert "Running out (replenishment)" in html and "Morning routine" not in html
    assert entry.giveaway.title in html
    assert "bob@example.com" not in html


def test_the_user_list_searches_every_address_of_a_customer(staff: Client) -> None:
    jane = person("jane@example.com", also=("jane.work@example.org",))
    person("bob@example.com")
    OrderFactory(email="jane@example.com", customer_email="jane@example.com", user=jane)
    html = staff.get("/admin/auth/user/", {"q": "jane.work@example.org"}).content.decode()
    assert "jane@example.com" in html and "bob@example.com" not in html
    assert staff.get("/admin/auth/user/", {"o": "6"}).status_code == 200  # by order count


def test_staff_users_pages_still_work(staff: Client, staff_user: Any) -> None:
    response = staff.get(f"/admin/auth/user/{staff_user.pk}/change/")
    assert response.status_code == 200
    assert "Customer (by verified address)" in response.content.decode()
    assert staff.get("/admin/auth/user/add/").status_code == 200
    assert staff.get("/admin/auth/user/", {"is_staff__exact": "1"}).status_code == 200
