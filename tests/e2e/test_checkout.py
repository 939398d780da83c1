"""A shopper buys the seven-piece collection and a built routine in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from shop.cart.models import Cart
from shop.checkout.models import Order
from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)

KIT = "/kits/seven-piece-collection/"
BUILDER = "/kits/routines/three-steps-to-refined-pores/"


def fill_the_cart(page: Any) -> None:
    page.goto(page.base + KIT)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    page.get_by_text("Added The seven-piece collection to your cart.").wait_for()

    page.goto(page.base + BUILDER)
    for step, name in [
        ("cleanse", "Citrus Facial Wash"),
        ("tone", "Face Firming Toner"),
        ("renew", "Advanced Face Firming"),
    ]:
        page.locator(f"fieldset#step-{step}").get_by_label(name).check()
    # builder.js re-prices live and shows the add button once the routine is complete.
    page.get_by_role("button", name="Add this routine to cart").click()
    page.wait_for_url("**/cart/")


def fill_the_form(page: Any, token: str) -> None:
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Full name").fill("Ana Lima")
    page.get_by_label("Address").fill("12 Rose Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    choose_country(page)
    pay_with(page, token)


def test_buy_the_collection_and_a_routine(demo: None, page: Any) -> None:
    fill_the_cart(page)
    page.wait_for_load_state("domcontentloaded")  # count() reads the page as parsed so far
    lines = page.locator(".cart-line")
    assert lines.count() == 2
    assert "The seven-piece collection" in lines.nth(0).inner_text()
    assert "$95.00" in lines.nth(0).inner_text()
    assert "$75.60" in lines.nth(1).inner_text()  # 84.00 less the 10% tier
    summary = page.locator(".summary")
    assert "$170.60" in summary.inner_text()
    assert page.locator(".cart-count").inner_text().startswith("2")

    page.get_by_role("link", name="Check out").click()
    page.wait_for_url("**/checkout/")
    fill_the_form(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay $170.60").click()
    page.wait_for_url("**/checkout/confirmation/**")
    number = page.locator("[data-order-number]").inner_text()
    assert page.get_by_role("heading", name="Thank you, Ana Lima!").is_visible()
    order = Order.objects.get()
    assert order.number == number and order.status == "paid"
    assert str(order.total_amount) == "170.60"
    assert page.locator(".cart-count").count() == 0

    # The order page from the confirmation's link.
    page.get_by_role("link", name="your order page").click()
    page.get_by_role("heading", name=f"Order {number}").wait_for()
    assert "Paid" in page.inner_text("main")


def test_a_declined_card_shows_the_error_and_keeps_the_cart(demo: None, page: Any) -> None:
    fill_the_cart(page)
    page.goto(page.base + "/checkout/")
    fill_the_form(page, "tok_decline")
    page.get_by_role("button", name="Place order and pay $170.60").click()
    error = page.locator("#id_card_number_error")
    error.wait_for()
    assert error.inner_text() == "Your card was declined. Try another card."
    assert page.get_by_label("Card number").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Email").input_value() == "ana@example.com"
    assert not Order.objects.exists()

    page.goto(page.base + "/cart/")
    assert page.locator(".cart-line").count() == 2
    assert Cart.objects.get().status == "open"
    # The same cart goes through with a card that works.
    page.get_by_role("link", name="Check out").click()
    fill_the_form(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay $170.60").click()
    page.wait_for_url("**/checkout/confirmation/**")
    assert Order.objects.count() == 1
