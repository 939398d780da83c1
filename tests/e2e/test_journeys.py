"""The product's journeys end to end in a real browser, as a shopper and as a merchandiser.

1. A new shopper builds the three-step routine, sees the tier and the saving, adds it with the
   seven-piece collection, applies PORES15, pays with tok_ok, sees the confirmation and gets
   the email (the outbox row and the message Django sent).
2. Promo codes that do not apply say why next to the field: tests/e2e/test_promo_browser.py.
3. A merchandiser creates a product in admin, puts it into a new kit, reads its value, savings
   and stock, creates a promotion with 100 generated codes, previews one in the simulator, then
   deactivates the product and the storefront shows the kit as not available.
4. Giveaway entry and confirmation: tests/e2e/test_giveaway_browser.py.

Plus the checkout form submitted twice at once from the browser: one order, both answers lead
to its confirmation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail

from kits.models import Kit
from promotions.codes.models import PromoCode, Promotion
from promotions.messaging.models import OutboxMessage
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)

KIT = "/kits/seven-piece-collection/"
BUILDER = "/kits/routines/three-steps-to-refined-pores/"


@pytest.fixture
def tasks_in_process() -> Iterator[None]:
    """Celery tasks (the email send, code generation) run inside the live server, as with
    `make run`; with REDIS_URL set they would wait in a queue no worker reads."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def choose(page: Any, step: str, name: str) -> None:
    page.locator(f"fieldset#step-{step}").get_by_label(name).check()


def fill_checkout(page: Any, *, name: str = "Ana Lima", card: str = "tok_ok") -> None:
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Address").fill("12 Rose Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    choose_country(page)
    pay_with(page, card)


def test_new_shopper_builds_a_routine_adds_the_collection_uses_pores15_and_gets_the_email(
    demo: None, page: Any, tasks_in_process: None
) -> None:
    # The routine, built step by step: the tier and the saving appear as the shopper chooses.
    page.goto(page.base + "/")
    page.get_by_role("link", name="Kits & routines").click()
    page.get_by_role("link", name="Build this routine").click()
    page.wait_for_url("**" + BUILDER)
    choose(page, "cleanse", "Citrus Facial Wash")
    choose(page, "tone", "Face Firming Toner")
    choose(page, "renew", "Advanced Face Firming")
    summary = page.locator("#builder-summary")
    summary.get_by_text("10% off tier reached with 3 products.").wait_for()
    assert summary.locator("[data-total]").inner_text() == "$75.60"  # 84.00 less 10%
    assert summary.locator("[data-savings]").inner_text() == "$8.40"
    assert "Add 2 more products to reach 15% off" in summary.inner_text()
    # The add button appears once the server has checked the whole routine.
    # builder.js re-prices live and shows the add button once the routine is complete.
    page.get_by_role("button", name="Add this routine to cart").click()
    page.wait_for_url("**/cart/")

    # The seven-piece collection from its page: $180 of products for $95.
    page.goto(page.base + KIT)
    assert "$180.00 value" in page.inner_text("main")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    page.get_by_text("Added The seven-piece collection to your cart.").wait_for()
    page.wait_for_load_state("domcontentloaded")  # the lines come after the message
    assert page.locator(".cart-line").count() == 2
    assert page.locator(".summary [data-total]").inner_text() == "$170.60"

    # The code, typed as people type it.
    page.get_by_label("Promo code").fill(" pores15 ")
    page.get_by_role("button", name="Apply").click()
    page.locator(".promo-form .saving").wait_for()
    assert "PORES15: 15% off, −$25.59" in " ".join(page.locator(".promo-form").inner_text().split())
    assert page.locator(".summary [data-total]").inner_text() == "$145.01"  # free shipping

    page.get_by_role("link", name="Check out").click()
    page.wait_for_url("**/checkout/")
    fill_checkout(page)
    page.get_by_role("button", name="Place order and pay $145.01").click()
    page.wait_for_url("**/checkout/confirmation/**")
    page.wait_for_load_state("domcontentloaded")  # is_visible() does not wait
    assert page.get_by_role("heading", name="Thank you, Ana Lima!").is_visible()
    number = page.locator("[data-order-number]").inner_text()
    assert "We sent a confirmation to ana@example.com" in page.inner_text("main")
    assert "Promo code PORES15" in page.locator(".order-lines").inner_text()

    order = Order.objects.get()
    assert order.number == number and order.status == "paid"
    assert order.total_amount == Decimal("145.01")
    assert order.discount_amount == Decimal("8.40") + Decimal("85.00") + Decimal("25.59")
    pores15 = PromoCode.objects.get(code="PORES15")
    assert pores15.redemptions.filter(order=order).count() == 1

    # The email: one outbox row, sent, and the message itself.
    row = OutboxMessage.objects.get(purpose="order_confirmation")
    assert row.recipient == "ana@example.com" and row.state == "sent" and row.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.com"]
    assert message.subject == f"Your order {number} is confirmed"
    assert message.extra_headers["X-Outbox-Id"] == str(row.pk)
    for text in (
        "Thank you, Ana Lima!",
        "1 x The seven-piece collection",
        "1 x Three steps to refined pores",
        "PORES15: 15% off",
        "Total charged: $145.01",
        "12 Rose Street",
    ):
        assert text in message.body, (text, message.body)
    html = message.alternatives[0][0]
    assert number in html and "$145.01" in html
    # The email's link opens the order page.
    link = re.search(r"http://\S+/orders/\S+\?token=[\w-]+", message.body)
    assert link, message.body
    address = link.group(0).split("://", 1)[1]
    page.goto(page.base + address[address.index("/") :])
    page.get_by_role("heading", name=f"Order {number}").wait_for()


def _to_checkout(page: Any) -> None:
    page.goto(page.base + KIT)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    page.get_by_role("link", name="Check out").click()
    fill_checkout(page)


@pytest.mark.postgres  # two requests in two server threads: SQLite's in-memory test database
def test_the_checkout_form_submitted_twice_at_once_makes_one_order(  # cannot be shared by them
    demo: None, page: Any, tasks_in_process: None
) -> None:
    """Two POSTs of the same checkout form race (a double click that slipped past the
    button's guard, or a browser resending on a flaky connection): one order, both answers
    land on its confirmation, one email, stock taken once."""
    stock_before = dict(Product.objects.values_list("slug", "stock"))
    _to_checkout(page)
    landed = page.evaluate(
        """async () => {
            const form = document.querySelector('form.checkout-form');
            const send = () => fetch(form.action, {method: 'POST', body: new FormData(form)});
            const answers = await Promise.all([send(), send()]);
            return answers.map(answer => [answer.status, new URL(answer.url).pathname]);
        }"""
    )
    order = Order.objects.get()
    confirmation = f"/checkout/confirmation/{order.number}/"
    assert landed == [[200, confirmation], [200, confirmation]], landed
    assert OutboxMessage.objects.filter(purpose="order_confirmation").count() == 1
    taken = {
        slug: stock_before[slug] - stock
        for slug, stock in Product.objects.values_list("slug", "stock")
        if stock != stock_before[slug]
    }
    assert set(taken.values()) == {1} and len(taken) >= 7, taken


def test_a_double_click_on_place_order_makes_one_order(
    demo: None, page: Any, tasks_in_process: None
) -> None:
    _to_checkout(page)
    page.get_by_role("button", name="Place order").dblclick()
    page.wait_for_url("**/checkout/confirmation/**")
    assert Order.objects.count() == 1
    number = page.locator("[data-order-number]").inner_text()
    page.go_back()  # the form again, as the back button shows it, and a second submit
    if "/checkout/" in page.url and page.get_by_role("button", name="Place order").count():
        page.get_by_role("button", name="Place order").click()
        page.wait_for_url("**/checkout/confirmation/**")
        assert page.locator("[data-order-number]").inner_text() == number
    assert Order.objects.count() == 1


def select2(page: Any, row: Any, text: str) -> None:
    """Pick `text` in one of admin's autocomplete (select2) widgets inside `row`."""
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_merchandiser_builds_a_kit_runs_a_promotion_and_retires_a_product(
    demo: None, page: Any, tasks_in_process: None, staff_user: Any
) -> None:
    # Log in through the admin's own form.
    page.goto(page.base + "/admin/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Log out").or_(
        page.get_by_role("button", name="Log out")
    ).wait_for()

    # A new product.
    page.goto(page.base + "/admin/shop/product/add/")
    page.get_by_label("Name:").press_sequentially("Pore Minimizing Mist")
    assert page.get_by_label("Slug:").input_value() == "pore-minimizing-mist"  # prepopulated
    page.get_by_label("SKU:").fill("MIST-01")
    page.get_by_label("Step:").select_option(label="Tone")
    page.get_by_label("Price:", exact=True).fill("18.00")
    page.get_by_label("Stock:").fill("6")
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()
    mist = Product.objects.get(slug="pore-minimizing-mist")
    assert mist.active and mist.price_amount == Decimal("18.00")

    # A kit with the new product and an existing one.
    page.goto(page.base + "/admin/kits/kit/add/")
    page.get_by_label("Name:").fill("Travel duo")
    page.get_by_label("Price:", exact=True).fill("30.00")
    components = page.locator("#components-group tr.form-row:not(.empty-form)")
    select2(page, components.nth(0), "Pore Minimizing Mist")
    if components.count() < 2:
        page.locator("#components-group .add-row a").click()
    select2(page, components.nth(1), "Citrus Facial Wash")
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist .success").wait_for()
    figures = page.locator("fieldset", has_text="Kits in stock").inner_text()
    assert re.search(r"Value:\s+40\.00", figures), figures  # 18.00 + 22.00
    assert re.search(r"Savings:\s+10\.00", figures), figures
    assert re.search(r"Kits in stock:\s+6\b", figures), figures  # the mist's 6 units
    kit = Kit.objects.get(name="Travel duo")
    page.goto(page.base + kit.get_absolute_url())
    assert "$30.00" in page.inner_text("main") and "In stock" in page.inner_text("main")

    # A promotion with 100 generated codes.
    page.goto(page.base + "/admin/promotions/promotion/add/")
    page.get_by_label("Name:").fill("Mist launch 20%")
    page.get_by_label("Kind:").select_option("percent")
    page.get_by_label("Value:").fill("20")
    page.locator("input[name=_continue]").click()
    page.locator(".messagelist .success").wait_for()
    promotion = Promotion.objects.get(name="Mist launch 20%")
    page.get_by_role("link", name="Generate codes").first.click()
    page.get_by_label("Count:").fill("100")
    page.get_by_label("Prefix:").fill("MIST-")
    page.get_by_role("button", name="Generate codes").click()
    page.locator("#batch-status", has_text="100 of 100 generated").wait_for()
    codes = list(promotion.codes.values_list("code", flat=True))
    assert len(codes) == 100 and all(code.startswith("MIST-") for code in codes)

    # The simulator prices a sample cart with one of them.
    page.goto(page.base + f"/admin/promotions/promotion/{promotion.pk}/change/")
    page.get_by_role("link", name="Simulator").first.click()
    page.get_by_label("Code:").fill(codes[0].lower())
    page.get_by_label("Kit 1:").select_option(label="Travel duo")
    page.get_by_role("button", name="Price this cart").click()
    result = page.locator("#simulation")
    result.wait_for()
    simulated = result.inner_text()
    assert f"Result with {codes[0]}" in simulated  # typed in lower case, matched anyway
    assert f"{codes[0]}: 20% off: −6.00" in simulated  # 20% of the kit's 30.00
    assert re.search(r"Total\s+29\.00", simulated), simulated  # 24.00 + 5.00 shipping

    # Retire the product: the kit is no longer for sale in the storefront.
    page.goto(page.base + f"/admin/shop/product/{mist.pk}/change/")
    page.get_by_label("Active").uncheck()
    page.locator("input[name=_save]").click()
    page.locator(".messagelist .success").wait_for()
    page.goto(page.base + kit.get_absolute_url())
    main = page.inner_text("main")
    assert "Not available" in main and "In stock" not in main
    assert page.get_by_role("button", name="Add to cart").is_disabled()
    page.goto(page.base + "/kits/")
    card = page.locator(".kit-card", has_text="Travel duo")
    assert "Not available" in card.inner_text()
