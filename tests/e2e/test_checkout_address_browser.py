"""The checkout address in a real browser, on a phone and a desktop: with JavaScript the region
list follows the country and the fields take the country's order; without it the server lays
the page out for the submitted country and checks the region."""

from __future__ import annotations

from typing import Any

import pytest

from shop.checkout.models import Order
from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)

KIT = "/kits/seven-piece-collection/"


def to_checkout(page: Any) -> None:
    page.goto(page.base + KIT)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    page.goto(page.base + "/checkout/")


def field_order(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "[data-address-place] .field input, [data-address-place] .field select",
        "els => els.filter(e => !e.closest('.field').hidden).map(e => e.id)",
    )
    return ids


def contact_and_street(page: Any) -> None:
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Full name").fill("Ana Lima")
    page.get_by_label("Address").fill("Hauptstr. 1")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_country_reorders_the_address_and_lists_its_regions(
    demo: None, browser: Any, live_server: Any, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base = live_server.url
    to_checkout(page)
    assert field_order(page) == ["id_city", "id_region", "id_postal_code"]
    assert page.locator("label[for=id_region]").inner_text() == "State"
    assert "Quebec" not in page.locator("#id_region").inner_text()
    page.get_by_label("Country").select_option("CA")
    assert page.locator("label[for=id_region]").inner_text() == "Province"
    assert "Quebec" in page.locator("#id_region").inner_text()
    assert "Oregon" not in page.locator("#id_region").inner_text()
    page.get_by_label("Country").select_option("DE")
    assert field_order(page) == ["id_postal_code", "id_city"]  # no region list for Germany
    assert page.locator("#id_region").is_hidden()
    # Nothing leaves the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    contact_and_street(page)
    page.get_by_label("Postal code").fill("10115")
    page.get_by_label("City").fill("Berlin")
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url("**/checkout/confirmation/**")
    assert "10115 Berlin" in page.inner_text("main") and "Germany" in page.inner_text("main")
    order = Order.objects.get()
    assert (order.country, order.region, order.postal_code) == ("DE", "", "10115")
    context.close()


def test_without_javascript_the_server_checks_the_region_and_lays_out_the_country(
    demo: None, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.base = live_server.url
    to_checkout(page)
    # Every listed country's regions are offered, grouped under the country.
    assert page.locator("#id_region optgroup").count() == 4
    contact_and_street(page)
    page.get_by_label("City").fill("Montréal")
    page.get_by_label("Postal code").fill("H2X 1Y4")
    choose_country(page, "CA", "US-OR")  # a US state for a Canadian address
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    error = page.locator("#id_region_error")
    error.wait_for()
    assert "Choose a province of Canada from the list." in error.inner_text()
    assert not Order.objects.exists()
    page.get_by_label("State").select_option("CA-QC")
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url("**/checkout/confirmation/**")
    assert "Montréal, Quebec H2X 1Y4" in page.inner_text("main")
    assert Order.objects.get().region == "QC"
    context.close()
