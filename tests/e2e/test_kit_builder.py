"""A shopper builds the three-step routine in a real browser, with and without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

BUILDER = "/kits/routines/three-steps-to-refined-pores/"


def choose(page: Any, step: str, name: str) -> None:
    page.locator(f"fieldset#step-{step}").get_by_label(name).check()


def test_building_the_routine_reaches_10_then_15_percent_live(demo: None, page: Any) -> None:
    page.goto(page.base + "/kits/")
    page.get_by_role("link", name="Build this routine").click()
    page.wait_for_url("**" + BUILDER)
    summary = page.locator("#builder-summary")
    assert summary.get_attribute("aria-live") == "polite"

    choose(page, "cleanse", "Citrus Facial Wash")
    choose(page, "tone", "Face Firming Toner")
    choose(page, "renew", "Advanced Face Firming")
    # builder.js re-prices on every change, no page load.
    summary.get_by_text("10% off tier reached with 3 products.").wait_for()
    assert "$75.60" in summary.inner_text()  # 84.00 less 10%
    # A valid routine can go to the cart at once, without pressing "Update my routine".
    page.get_by_role("button", name="Add this routine to cart").wait_for(state="visible")
    assert "Add 2 more products to reach 15% off" in summary.inner_text()

    choose(page, "renew", "Enlarged Pore treatment")
    summary.get_by_text("10% off tier reached with 4 products.").wait_for()
    assert "Add 1 more product to reach 15% off" in summary.inner_text()

    choose(page, "powder", "Finishing Powder")
    summary.get_by_text("15% off tier reached with 5 products.").wait_for()
    assert "$112.20" in summary.inner_text()  # 132.00 less 15%
    assert page.url.endswith(BUILDER)
    assert page.locator(".field-error").count() == 0


def test_a_missing_cleanser_gets_a_message_next_to_the_step(demo: None, page: Any) -> None:
    page.goto(page.base + BUILDER)
    choose(page, "tone", "Skin Clear Toner")
    choose(page, "renew", "Ceramic Skin Smoother")
    # Live updates do not nag about steps the shopper has not reached yet...
    page.locator("#builder-summary").get_by_text("Price so far").wait_for()
    assert page.locator("fieldset#step-cleanse .field-error").count() == 0
    # ...the summary lists what is missing, and no Update press is needed (nor offered).
    assert "Choose one cleanser." in page.locator("#builder-summary").inner_text()
    assert not page.get_by_role("button", name="Update my routine").is_visible()
    # The form posted as without JavaScript checks the whole routine, next to each step.
    with page.expect_navigation():
        page.locator("form[data-builder]").evaluate("form => form.requestSubmit()")
    error = page.locator("fieldset#step-cleanse .field-error")
    assert error.inner_text() == "Choose one cleanser."
    assert page.locator("fieldset#step-tone .field-error").count() == 0
    # Choosing a cleanser clears the message live.
    choose(page, "cleanse", "Pore Refining Acne Cleanser")
    page.locator("#builder-summary").get_by_text("10% off tier reached with 3 products.").wait_for()
    assert page.locator("fieldset#step-cleanse .field-error").count() == 0


def test_the_builder_works_without_javascript(demo: None, browser: Any, live_server: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + BUILDER)
    for step, name in [
        ("cleanse", "Citrus Facial Wash"),
        ("tone", "Face Firming Toner"),
        ("renew", "Advanced Face Firming"),
    ]:
        choose(page, step, name)
    page.get_by_role("button", name="Update my routine").click()
    summary = page.locator("#builder-summary")
    assert "10% off tier reached with 3 products." in summary.inner_text()

    choose(page, "renew", "Enlarged Pore treatment")
    choose(page, "powder", "Finishing Powder")
    page.get_by_role("button", name="Update my routine").click()
    assert "15% off tier reached with 5 products." in summary.inner_text()
    assert page.locator("fieldset#step-renew").get_by_label("Enlarged Pore treatment").is_checked()
    context.close()


def test_conflict_warnings_appear_as_the_shopper_chooses(demo: None, page: Any) -> None:
    page.goto(page.base + BUILDER)
    choose(page, "tone", "Face Firming Toner")
    choose(page, "renew", "Ceramic Skin Smoother")
    warning = page.locator("#builder-summary .warning")
    warning.first.wait_for()
    assert "Two exfoliating acids" in warning.first.inner_text()
    assert page.locator("fieldset#step-renew").get_by_label("Ceramic Skin Smoother").is_checked()
