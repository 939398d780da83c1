"""A shopper browses the catalog in a real browser."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_shopper_goes_from_home_to_a_product_through_the_step_filter(demo: None, page: Any) -> None:
    page.goto(page.base + "/")
    assert "Three steps" in page.locator("h1").inner_text()
    page.get_by_role("link", name="Browse tone products").click()
    page.wait_for_url("**/shop/?step=tone")
    page.wait_for_load_state("domcontentloaded")  # count() reads the page as parsed so far
    cards = page.locator(".product-card")
    assert cards.count() == 2
    page.get_by_role("link", name="Face Firming Toner").click()
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("h1").inner_text() == "Face Firming Toner"
    assert page.get_by_text("Reduces inflammation").is_visible()


def test_filter_form_works_without_javascript(demo: None, browser: Any, live_server: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/shop/")
    page.select_option("#id_concern", "puffiness")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(lambda url: "concern=puffiness" in url)
    page.wait_for_load_state("domcontentloaded")  # count() reads the page as parsed so far
    assert page.locator(".product-card").count() == 1
    assert "High Potency Eye treatment" in page.locator(".product-card").inner_text()
    context.close()
