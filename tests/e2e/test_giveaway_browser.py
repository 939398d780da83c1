"""A reader enters the demo giveaway in a real browser and confirms through the emailed link."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from promotions.giveaways.models import Entry

pytestmark = pytest.mark.django_db(transaction=True)


def test_reader_enters_from_the_giveaway_page_and_confirms_from_the_email_file(
    demo: None, page: Any, tmp_path: Path, live_server: Any
) -> None:
    from config.celery import app

    mail_dir = tmp_path / "mail"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # `make run` mode: the email is sent in-process
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail_dir),
            SHOP_BASE_URL=live_server.url,
        ):
            page.goto(page.base + "/")
            page.get_by_role("link", name="Giveaways").first.click()
            page.get_by_role("link", name="Win the seven-piece collection").click()
            page.wait_for_load_state("domcontentloaded")  # is_visible() does not wait
            assert "Win the seven-piece collection" in page.locator("h1").inner_text()
            assert page.get_by_text("Face Firming Toner").first.is_visible()
            count_before = page.locator(".entry-count strong").inner_text()

            page.get_by_label("Your name").fill("Rosa Vidal")
            page.get_by_label("Email").fill("rosa.vidal@example.com")
            page.get_by_label("Why would you like to win?").fill(
                "my face is always shiney by lunch time and the pores are so visable, pick me!"
            )
            page.get_by_label("Country you live in").select_option("US")
            page.get_by_label("I am 18 or older").check()
            page.get_by_role("button", name="Enter the giveaway").click()
            assert page.locator("h1").inner_text() == "Check your email"

            files = list(mail_dir.glob("*.log"))
            assert len(files) == 1
            text = files[0].read_text()
            assert "To: rosa.vidal@example.com" in text
            link = re.search(r"(http://\S+/giveaways/confirm/[\w-]+/)", text)
            assert link, text
            page.goto(link.group(1))
            page.get_by_role("button", name="Confirm my entry").click()
            assert page.locator("h1").inner_text() == "Your entry is confirmed"

            page.goto(link.group(1))  # the link again: a clear page, nothing changes
            assert page.locator("h1").inner_text() == "Already confirmed"

            page.goto(page.base + "/giveaways/seven-piece-collection/")
            assert int(page.locator(".entry-count strong").inner_text()) == int(count_before) + 1
    finally:
        app.conf.task_always_eager = eager
    entry = Entry.objects.get(email="rosa.vidal@example.com")
    assert entry.status == "confirmed" and entry.spam_score == 0


def test_giveaway_form_shows_errors_without_javascript(
    demo: None, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/giveaways/seven-piece-collection/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Enter the giveaway").click()
    page.wait_for_load_state("domcontentloaded")  # all_inner_texts() does not wait
    errors = page.locator(".field-error").all_inner_texts()
    assert any("valid email" in e for e in errors)
    assert any("18 or older" in e for e in errors)
    context.close()


def test_a_second_entry_by_the_same_person_is_told_why_next_to_the_email(
    demo: None, page: Any
) -> None:
    """The same Gmail address with dots and a +tag is the same person: the second entry is
    refused with the reason next to the Email field, and only one entry exists."""
    from config.celery import app
    from tests.e2e.axe import Auditor

    def enter(email: str) -> None:
        page.goto(page.base + "/giveaways/seven-piece-collection/")
        page.get_by_label("Your name").fill("Rosa Vidal")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Why would you like to win?").fill("Oily T-zone by noon, every day.")
        page.get_by_label("Country you live in").select_option("US")
        page.get_by_label("I am 18 or older").check()
        page.get_by_role("button", name="Enter the giveaway").click()

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        enter("rosavidal@gmail.com")
        assert page.locator("h1").inner_text() == "Check your email"
        enter("Rosa.Vidal+giveaway@gmail.com")
    finally:
        app.conf.task_always_eager = eager
    error = page.locator("#id_email_error")
    assert "already" in error.inner_text().lower(), error.inner_text()
    email = page.get_by_label("Email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "id_email_error" in (email.get_attribute("aria-describedby") or "")
    assert email.input_value() == "Rosa.Vidal+giveaway@gmail.com"
    assert (
        Entry.objects.filter(giveaway__slug="seven-piece-collection")
        .filter(email__iexact="rosavidal@gmail.com")
        .count()
        == 1
    )
    assert not Entry.objects.filter(email__iexact="Rosa.Vidal+giveaway@gmail.com").exists()
    auditor = Auditor(page)
    auditor.check("giveaway page, already entered")
    auditor.assert_clean()
