"""Saved routines in a real browser, on a phone and on a desktop: sign in through the page ->
build a routine -> save it -> /account/routines/ -> reorder -> the cart holds it -> checkout
pre-filled from the account -> the order is in /account/orders/."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from shop.accounts.routines import SavedRoutine
from shop.checkout.models import Order
from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ana.lima@example.com"
PASSWORD = "a-long-browser-pass-42"
BUILDER = "/kits/routines/three-steps-to-refined-pores/"


def sign_in(page: Any) -> None:
    user = get_user_model().objects.create_user(
        username=EMAIL, email=EMAIL, password=PASSWORD, first_name="Ana", last_name="Lima"
    )
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    page.goto(page.base + f"/account/login/?next={BUILDER}")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**" + BUILDER)


@pytest.mark.parametrize("width", [390, 1280])
def test_save_a_routine_reorder_it_and_see_the_order(demo: None, page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + BUILDER)
    assert page.get_by_role("link", name="Sign in to save this routine").count() == 1
    sign_in(page)

    for step, name in [
        ("cleanse", "Citrus Facial Wash"),
        ("tone", "Face Firming Toner"),
        ("renew", "Advanced Face Firming"),
    ]:
        page.locator(f"fieldset#step-{step}").get_by_label(name).check()
    page.locator("#builder-summary").get_by_text("10% off tier reached with 3 products.").wait_for()
    save = page.get_by_role("button", name="Save this routine")
    save.wait_for(state="visible")
    save.click()
    page.wait_for_url("**/account/routines/")
    main = page.inner_text("main")
    assert "Three steps to refined pores" in main and "Citrus Facial Wash" in main
    assert "$75.60" in main  # priced today: 84.00 less 10%
    assert SavedRoutine.objects.get().selections

    page.get_by_role("button", name="Put in my cart").click()
    page.wait_for_url("**/cart/")
    assert "Three steps to refined pores" in page.inner_text("main")

    page.goto(page.base + "/checkout/")
    assert page.get_by_label("Email").input_value() == EMAIL
    assert page.get_by_label("Full name").input_value() == "Ana Lima"
    page.get_by_label("Address").fill("12 Rose Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    choose_country(page)
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url("**/checkout/confirmation/**")
    order = Order.objects.get()
    assert order.user is not None and order.user.email == EMAIL

    page.goto(page.base + "/account/orders/")
    page.get_by_role("link", name=order.number).click()
    page.wait_for_url(f"**/orders/{order.number}/?token=*")
    assert "Three steps to refined pores" in page.inner_text("main")
