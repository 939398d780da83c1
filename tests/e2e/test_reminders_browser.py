"""A reader asks for an evening reminder in a real browser (on a phone-sized screen, in
Chicago), confirms it from the emailed link, then changes, pauses and stops it from the
manage page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from promotions.reminders.models import Reminder, Subscription
from tests.e2e.nav import nav_link

pytestmark = pytest.mark.django_db(transaction=True)


def test_subscribe_confirm_and_manage_an_evening_reminder(
    browser: Any, live_server: Any, tmp_path: Path
) -> None:
    from config.celery import app

    mail_dir = tmp_path / "mail"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # `make run` mode: the email is sent in-process
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="America/Chicago"
    )
    context.set_default_timeout(20_000)  # generous: CI shares 2 CPUs
    page = context.new_page()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            SHOP_BASE_URL=live_server.url,
        ):
            page.goto(live_server.url + "/")
            nav_link(page, "Reminders").click()
            expect(page.locator("h1")).to_have_text("Reminders")
            # The browser's own zone is filled in; choosing a kind fills in its usual time.
            expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
            page.get_by_label("Email").fill("rosa.vidal@example.com")
            page.get_by_label("Morning routine").check()
            expect(page.get_by_label("Time", exact=True)).to_have_value("07:30")
            page.get_by_label("Evening routine").check()
            expect(page.get_by_label("Time", exact=True)).to_have_value("21:00")
            page.get_by_label("Time", exact=True).fill("21:15")
            page.get_by_role("button", name="Email me to confirm").click()
            expect(page.locator("h1")).to_have_text("Check your inbox")

            (mail_file,) = mail_dir.glob("*.log")
            text = mail_file.read_text()
            assert "every day at 21:15 (America/Chicago)" in text
            link = re.search(r"(http://\S+/reminders/confirm/[\w-]+/)", text)
            assert link, text
            page.goto(link.group(1))
            page.get_by_role("button", name="Confirm my reminder").click()
            expect(page.locator("h1")).to_have_text("Your reminder is on")
            subscription = Subscription.objects.get()
            pending = Reminder.objects.get(subscription=subscription, state="pending")
            assert pending.due_at.astimezone(_zone("America/Chicago")).strftime("%H:%M") == (
                "21:15"
            )

            page.get_by_role("link", name="Manage your reminders").click()
            expect(page.locator("h1")).to_have_text("Your reminders")
            card = page.locator(".reminder-card")
            assert "active" in card.locator(".badge").inner_text()
            assert "21:15 (America/Chicago)" in card.inner_text()
            card.get_by_label("Time", exact=True).fill("06:45")
            card.get_by_label("Time zone").fill("Europe/Paris")
            card.get_by_role("button", name="Save the time").click()
            expect(page.locator(".messages")).to_contain_text("time saved")
            expect(page.locator(".reminder-card")).to_contain_text("06:45 (Europe/Paris)")

            page.locator(".reminder-card").get_by_role("button", name="Pause").click()
            expect(page.locator(".reminder-card .badge")).to_have_text("paused")
            assert not Reminder.objects.filter(state="pending").exists()
            page.locator(".reminder-card").get_by_role("button", name="Resume").click()
            expect(page.locator(".reminder-card .badge")).to_have_text("active")
            page.locator(".reminder-card").get_by_role(
                "button", name="Unsubscribe from this"
            ).click()
            expect(page.locator(".reminder-card .badge")).to_have_text("unsubscribed")
            subscription.refresh_from_db()
            assert subscription.unsubscribed_at is not None
            # Readable on a phone: nothing wider than the screen.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
    finally:
        app.conf.task_always_eager = eager
        context.close()


def _zone(key: str) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(key)
