"""A shopper types promo codes in the cart of a real browser: the saving, or why not, in place;
the code travels through checkout to the order page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)


def add_to_cart(page: Any, slug: str, quantity: int) -> None:
    page.goto(page.base + f"/products/{slug}/")
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")


def apply_code(page: Any, code: str) -> None:
    page.get_by_label("Promo code").fill(code)
    page.get_by_role("button", name="Apply").click()


def test_an_expired_code_says_why_and_pores15_shows_its_saving(demo: None, page: Any) -> None:
    add_to_cart(page, "citrus-facial-wash", 2)  # 44.00: above PORES15's 40.00 minimum
    summary = page.locator(".summary")
    assert "$49.00" in summary.inner_text()  # 44.00 + 5.00 shipping

    apply_code(page, "summer10")
    error = page.locator("#promo-code_error")
    assert error.inner_text() == "SUMMER10 has expired."
    assert error.get_attribute("role") == "alert"
    field = page.get_by_label("Promo code")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.input_value() == "summer10"  # kept, so it can be corrected

    field.fill(" pores15 ")
    page.get_by_role("button", name="Apply").click()
    page.locator(".promo-form .saving").wait_for()
    assert "PORES15: 15% off, −$6.60" in " ".join(page.locator(".promo-form").inner_text().split())
    assert "PORES15: PORES15" not in page.locator(".promo-form").inner_text()
    assert "PORES15: 15% off" in summary.inner_text()
    assert "$42.40" in summary.inner_text()  # 44.00 − 6.60 + 5.00
    assert page.locator("#promo-code_error").count() == 0


def test_a_guessed_code_is_just_not_valid_and_a_short_cart_is_told_how_much_more(
    demo: None, page: Any
) -> None:
    add_to_cart(page, "citrus-facial-wash", 1)  # 22.00
    apply_code(page, "WELCOME-AAAAAAAAAA")
    assert page.locator("#promo-code_error").inner_text() == (
        "WELCOME-AAAAAAAAAA isn't a valid promo code."
    )
    apply_code(page, "PORES15")
    assert page.locator("#promo-code_error").inner_text() == "Spend $18.00 more to use PORES15."


def test_the_applied_code_travels_to_the_order_and_can_be_removed(demo: None, page: Any) -> None:
    add_to_cart(page, "citrus-facial-wash", 2)
    apply_code(page, "PORES15")
    page.locator(".promo-form .saving").wait_for()
    page.get_by_role("button", name="Remove code").click()
    page.get_by_label("Promo code").wait_for()
    assert "PORES15" not in page.locator(".summary").inner_text()
    apply_code(page, "PORES15")
    page.get_by_role("link", name="Check out").click()
    assert "PORES15: 15% off" in page.locator(".summary").inner_text()
    page.get_by_label("Email").fill("jane@example.com")
    page.get_by_label("Full name").fill("Jane Doe")
    page.get_by_label("Address").fill("1 Main Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    choose_country(page, "US", "US-OR")
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order").click()
    page.get_by_text("Thank you, Jane Doe!").wait_for()
    assert "Promo code PORES15" in page.locator(".order-lines").inner_text()
