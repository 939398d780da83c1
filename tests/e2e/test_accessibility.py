"""Every storefront page, in every state a shopper can reach, passes axe-core in the browser
(catalog, kits and the builder, cart, checkout, orders, giveaways, reminders, error pages).

The vendored axe-core (tests/e2e/vendor/) runs inside each page as the shopper sees it: empty
and filled, with and without form errors, at desktop and phone widths. A `serious` or `critical`
violation anywhere fails the test, and the message lists every page with its violations, so
one run shows everything there is to fix.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from promotions.giveaways.models import Entry
from tests.e2e.axe import Auditor
from tests.e2e.checkout_form import choose_country, pay_with

pytestmark = pytest.mark.django_db(transaction=True)

KIT = "/kits/seven-piece-collection/"
BUILDER = "/kits/routines/three-steps-to-refined-pores/"
GIVEAWAY = "/giveaways/seven-piece-collection/"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def visit(page: Any, auditor: Auditor, label: str, path: str) -> None:
    page.goto(page.base + path)
    auditor.check(label)


def browse_and_build(page: Any, auditor: Auditor) -> None:
    visit(page, auditor, "home", "/")
    visit(page, auditor, "shop list", "/shop/")
    visit(page, auditor, "shop list filtered", "/shop/?step=tone&q=firming")
    visit(page, auditor, "shop list, nothing matches", "/shop/?q=nothing-like-this")
    visit(page, auditor, "shop list, bad filter", "/shop/?step=no-such-step")
    visit(page, auditor, "product", "/products/face-firming-toner/")
    visit(page, auditor, "kits list", "/kits/")
    visit(page, auditor, "kit", KIT)
    visit(page, auditor, "routine builder, empty", BUILDER)
    page.locator("fieldset#step-tone").get_by_label("Face Firming Toner").check()
    page.locator("fieldset#step-renew").get_by_label("Ceramic Skin Smoother").check()
    page.locator("#builder-summary .warning").first.wait_for()
    auditor.check("routine builder, live summary with a conflict warning")
    # The form as posted without JavaScript (builder.js hides the Update button): the page
    # re-rendered with the errors next to the steps.
    with page.expect_navigation():  # audit the re-rendered page, not the old one
        page.locator("form[data-builder]").evaluate("form => form.requestSubmit()")
    page.locator("fieldset#step-cleanse .field-error").wait_for()
    auditor.check("routine builder, with errors")
    page.locator("fieldset#step-cleanse").get_by_label("Citrus Facial Wash").check()
    page.locator("#builder-summary").get_by_text("tier reached").wait_for()
    auditor.check("routine builder, priced")
    visit(page, auditor, "404 page", "/no-such-page/")


def buy(page: Any, auditor: Auditor) -> str:
    visit(page, auditor, "cart, empty", "/cart/")
    page.goto(page.base + KIT)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    auditor.check("cart, full, with the added message")
    page.get_by_label("Promo code").fill("NO-SUCH-CODE")
    page.get_by_role("button", name="Apply").click()
    page.locator("#promo-code_error").wait_for()
    auditor.check("cart, promo code error")
    page.get_by_label("Quantity").fill("0")
    page.get_by_label("Quantity").evaluate("el => el.removeAttribute('min')")
    page.get_by_role("button", name="Update").click()
    auditor.check("cart, quantity error")

    visit(page, auditor, "checkout, empty form", "/checkout/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Card number").fill("")
    page.get_by_role("button", name="Place order").click()
    page.locator(".form-errors").wait_for()
    auditor.check("checkout, with errors")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Full name").fill("Ana Lima")
    page.get_by_label("Address").fill("12 Rose Street")
    page.get_by_label("City").fill("Portland")
    page.get_by_label("Postal code").fill("97201")
    choose_country(page)
    pay_with(page, "tok_decline")
    page.get_by_role("button", name="Place order").click()
    page.locator("#id_card_number_error").wait_for()
    auditor.check("checkout, card declined")
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/checkout/confirmation/**")
    auditor.check("confirmation")
    number = page.locator("[data-order-number]").inner_text()
    page.get_by_role("link", name="your order page").click()
    page.get_by_role("heading", name=f"Order {number}").wait_for()
    auditor.check("order page")
    return number


def look_up(page: Any, auditor: Auditor, number: str) -> None:
    visit(page, auditor, "order lookup, empty", "/orders/")
    page.get_by_label("Order number").fill(number)
    page.get_by_label("Access code").fill("wrong-code")
    page.get_by_role("button", name="Find my order").click()
    page.locator(".form-errors").wait_for()
    auditor.check("order lookup, no match")


def enter_giveaway(page: Any, auditor: Auditor) -> None:
    visit(page, auditor, "giveaway list", "/giveaways/")
    visit(page, auditor, "giveaway page", GIVEAWAY)
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Enter the giveaway").click()
    page.locator(".field-error").first.wait_for()
    auditor.check("giveaway page, with errors")
    page.get_by_label("Your name").fill("Rosa Vidal")
    page.get_by_label("Email").fill("rosa.vidal@example.com")
    page.get_by_label("Why would you like to win?").fill("My T-zone is oily by noon.")
    page.get_by_label("Country you live in").select_option("US")
    page.get_by_label("I am 18 or older").check()
    page.get_by_role("button", name="Enter the giveaway").click()
    page.wait_for_url("**/entered/")
    auditor.check("giveaway entered")
    token = Entry.objects.get(email="rosa.vidal@example.com").confirm_token
    visit(page, auditor, "entry confirm", f"/giveaways/confirm/{token}/")
    page.get_by_role("button", name="Confirm my entry").click()
    page.get_by_role("heading", name="Your entry is confirmed").wait_for()
    auditor.check("entry confirmed")
    visit(page, auditor, "entry link invalid", "/giveaways/confirm/not-a-token/")


def claim_and_unsubscribe(page: Any, auditor: Auditor) -> None:
    from promotions.messaging.consent import unsubscribe_url

    entry = Entry.objects.get(email="rosa.vidal@example.com")
    Entry.objects.filter(pk=entry.pk).update(
        status="winner", claim="awaiting", claim_deadline=timezone.now() + timedelta(days=7)
    )
    visit(page, auditor, "prize claim", f"/giveaways/claim/{entry.claim_token}/")
    page.get_by_role("button", name="Claim my prize").click()
    page.locator(".field-error").first.wait_for()
    auditor.check("prize claim, with errors")
    path = unsubscribe_url("rosa.vidal@example.com").split("://", 1)[1]
    visit(page, auditor, "email unsubscribe", path[path.index("/") :])


def remind(page: Any, auditor: Auditor) -> None:
    from promotions.reminders import links
    from promotions.reminders.links import restock_token
    from promotions.reminders.models import Subscription
    from shop.catalog.models import Product

    visit(page, auditor, "reminders, subscribe", "/reminders/")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Time zone").fill("Mars/Olympus_Mons")
    page.get_by_role("button", name="Email me to confirm").click()
    page.locator(".field-error").first.wait_for()
    auditor.check("reminders, subscribe with errors")
    page.get_by_label("Email").fill("rosa.vidal@example.com")
    page.get_by_label("Evening routine").check()
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_role("button", name="Email me to confirm").click()
    page.wait_for_url("**/reminders/check-your-inbox/**")
    auditor.check("reminders, check your inbox")
    token = Subscription.objects.get(email="rosa.vidal@example.com").confirm_token
    visit(page, auditor, "reminders, confirm", f"/reminders/confirm/{token}/")
    page.get_by_role("button", name="Confirm my reminder").click()
    page.get_by_role("heading", name="Your reminder is on").wait_for()
    auditor.check("reminders, confirmed")
    manage = links.manage_token("rosa.vidal@example.com")
    visit(page, auditor, "reminders, manage", f"/reminders/manage/{manage}/")
    page.get_by_label("Time", exact=True).first.fill("")
    page.get_by_role("button", name="Save").first.click()
    page.locator(".field-error").first.wait_for()
    auditor.check("reminders, manage with errors")
    visit(page, auditor, "reminders, link expired", "/reminders/manage/not-a-token/")
    product = Product.objects.get(slug="face-firming-toner")
    restock = restock_token(reminder_id=1, lines=[(product.pk, 1)])
    visit(page, auditor, "reminders, restock link to the cart", f"/reminders/restock/{restock}/")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_storefront_page_has_no_serious_accessibility_violation(
    demo: None, page: Any, viewport: dict[str, int]
) -> None:
    from config.celery import app

    page.set_viewport_size(viewport)
    auditor = Auditor(page)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True  # emails are sent in-process, as with `make run`
    try:
        browse_and_build(page, auditor)
        number = buy(page, auditor)
        look_up(page, auditor, number)
        enter_giveaway(page, auditor)
        claim_and_unsubscribe(page, auditor)
        remind(page, auditor)
    finally:
        app.conf.task_always_eager = eager
    assert len(auditor.seen) >= 40
    auditor.assert_clean()


def test_the_audit_catches_what_it_is_meant_to_catch(page: Any) -> None:
    """The checker itself: faint text, an unlabelled input, an image without alt text and a
    help-text reference to nothing are all reported as blocking."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><h1>Bad page</h1>'
        '<p style="color:#bbb;background:#fff">Faint text</p>'
        '<input type="text" name="unlabelled">'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<label for="id_x">X</label><input id="id_x" aria-describedby="id_x_helptext">'
        "</main></body></html>"
    )
    auditor = Auditor(page)
    auditor.check("a page built to fail")
    report = "\n".join(auditor.problems)
    for rule in ("color-contrast", "label", "image-alt", "broken-id-reference"):
        assert f"] {rule}:" in report, report
    with pytest.raises(AssertionError, match="serious or critical"):
        auditor.assert_clean()
