"""A signed-in customer pauses a reminder on /account/reminders/, downloads their data from
/account/privacy/ and closes the account, ending signed out, on a phone and a desktop screen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from promotions.reminders.models import Reminder, Subscription
from promotions.reminders.scheduling import routine_schedule_next
from shop.checkout.models import Order
from tests.factories import OrderFactory, SubscriptionFactory
from tests.shop.accounts.people import PASSWORD, person

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL = "rosa.vidal@example.com"


@pytest.mark.parametrize("width", [390, 1280])
def test_pause_a_reminder_export_and_delete_the_account(
    browser: Any, live_server: Any, tmp_path: Path, width: int
) -> None:
    rosa = person(EMAIL)
    order = OrderFactory(email=EMAIL, customer_email=EMAIL, user=rosa, name="Rosa Vidal")
    subscription = SubscriptionFactory(email=EMAIL)
    routine_schedule_next(subscription=subscription, now=timezone.now())
    signed_in = Client()
    signed_in.force_login(rosa)
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.set_default_timeout(20_000)  # generous: CI shares 2 CPUs
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": signed_in.cookies["sessionid"].value,
                "domain": host,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/account/")
        page.locator(".account-nav").get_by_role("link", name="Reminders").click()
        expect(page.locator("h1")).to_have_text("Reminders and emails")
        card = page.locator(".reminder-card")
        expect(card).to_contain_text("Evening routine")
        expect(card).to_contain_text("Next:")
        card.get_by_role("button", name="Pause").click()
        expect(page.locator(".reminder-card .badge")).to_have_text("paused")
        assert Subscription.objects.get().paused_at is not None
        assert not Reminder.objects.filter(state="pending").exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.locator(".account-nav").get_by_role("link", name="Privacy").click()
        expect(page.locator("h1")).to_have_text("Your data")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download my data").click()
        saved = tmp_path / "my-data.json"
        download_info.value.save_as(saved)
        data = json.loads(saved.read_text())
        assert [o["number"] for o in data["orders"]] == [order.number]
        assert data["reminder_subscriptions"][0]["status"] == "paused"
        assert page.evaluate("document.documentElement.scrollWidth") <= width

        page.get_by_label("Your password").fill("not-it")
        page.get_by_role("button", name="Close my account and erase my data").click()
        expect(page.locator(".field-error")).to_contain_text("not your password")
        page.get_by_label("Your password").fill(PASSWORD)
        page.get_by_role("button", name="Close my account and erase my data").click()
        expect(page.locator(".messages")).to_contain_text("Your account is closed")
        assert not get_user_model().objects.filter(pk=rosa.pk).exists()
        assert Order.objects.get(pk=order.pk).email == ""
        page.goto(live_server.url + "/account/privacy/")
        assert "/account/login/" in page.url  # signed out
    finally:
        context.close()
