"""Every storefront page and email prints money in the shop's currency: in EUR, no `$` anywhere.

The demo shop is used end to end under `SHOP_CURRENCY=EUR` (a cart with a product, a kit, a
built routine and a promo code, checkout, the order pages, a giveaway entry, a reminder
sign-up, the routine quiz and its result, the emails they send); every page and every email
part must show euros and no `$`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from promotions.giveaways.models import Entry
from promotions.messaging.models import OutboxMessage
from shop.checkout.models import Order
from tests.shop.checkout_helpers import checkout_form

pytestmark = pytest.mark.django_db

ROUTINE = "/kits/routines/three-steps-to-refined-pores/"
CHOICES = {
    "step-cleanse": "citrus-facial-wash",
    "step-tone": "face-firming-toner",
    "step-renew": "advanced-face-firming",
}


QUIZ = {"skin_type": "dry", "concerns": ["fine_lines"], "sensitive": "no", "makeup": "no"}


@dataclass
class Shop:
    shopper: Client
    order: Order
    entry: Entry
    quiz_result: str


@pytest.fixture
def shop(demo: None, settings: Any, django_capture_on_commit_callbacks: Any) -> Shop:
    from config.celery import app

    settings.SHOP_CURRENCY = "EUR"
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            shopper = Client()
            shopper.post("/cart/add/", {"kit": "seven-piece-collection", "quantity": "1"})
            shopper.post("/cart/add/", {"product": "citrus-facial-wash", "quantity": "1"})
            shopper.post("/cart/add/", {"routine": "three-steps-to-refined-pores", **CHOICES})
            assert shopper.post("/cart/promo/", {"code": "PORES15"}).status_code == 302
            placed = shopper.post("/checkout/", checkout_form())
            assert placed.status_code == 302, placed.content[:2000]
            # A new cart with a code after the order, for the cart and checkout pages.
            for item in ({"kit": "seven-piece-collection"}, {"product": "citrus-facial-wash"}):
                shopper.post("/cart/add/", {**item, "quantity": "1"})
            assert shopper.post("/cart/promo/", {"code": "PORES15"}).status_code == 302
            entered = Client().post(
                "/giveaways/seven-piece-collection/",
                {
                    "name": "Rosa Diaz",
                    "email": "rosa@example.com",
                    "comment": "I would love it.",
                    "country": "US",
                    "age_confirmed": "on",
                },
            )
            assert entered.status_code == 302, entered.content[:3000]
            reminded = Client().post(
                "/reminders/",
                {
                    "email": "jane@example.com",
                    "kind": "replenish",
                    "local_time": "10:00",
                    "timezone": "Europe/Paris",
                },
            )
            assert reminded.status_code == 302, reminded.content[:3000]
            quizzed = Client().post("/quiz/", QUIZ)
            assert quizzed.status_code == 302, quizzed.content[:3000]
    finally:
        app.conf.task_always_eager = eager
    entry = Entry.objects.get(email="rosa@example.com")
    return Shop(shopper, Order.objects.get(), entry, quizzed["Location"])


def pages(shop: Shop) -> dict[str, str]:
    """Each storefront page's HTML, by a name; the builder with a valid selection both ways."""
    order = shop.order
    urls = {
        "home": "/",
        "products": "/shop/",
        "product": "/products/citrus-facial-wash/",
        "kits": "/kits/",
        "kit": "/kits/seven-piece-collection/",
        "builder": ROUTINE,
        "cart": "/cart/",
        "checkout": "/checkout/",
        "confirmation": f"/checkout/confirmation/{order.number}/",
        "order": f"/orders/{order.number}/?token={order.access_token}",
        "giveaways": "/giveaways/",
        "giveaway": "/giveaways/seven-piece-collection/",
        "entered": "/giveaways/seven-piece-collection/entered/",
        "entry confirmed": f"/giveaways/confirm/{shop.entry.confirm_token}/",
        "reminders": "/reminders/",
        "quiz": "/quiz/",
        "quiz result": shop.quiz_result,
    }
    html = {}
    for name, url in urls.items():
        response = shop.shopper.get(url, follow=True)
        assert response.status_code == 200, (name, url, response.status_code)
        html[name] = response.content.decode()
    built = shop.shopper.post(ROUTINE, CHOICES)
    html["builder, posted"] = built.content.decode()
    fetched = shop.shopper.post(
        ROUTINE, CHOICES, headers={"X-Requested-With": "fetch", "Accept": "application/json"}
    )
    html["builder, fetched"] = fetched.json()["summary_html"]
    return html


def emails() -> dict[str, str]:
    """Every email sent, each part: the subject, the text and the HTML bodies."""
    sent = {m.extra_headers.get("X-Outbox-Id"): m for m in mail.outbox}
    parts = {}
    for row in OutboxMessage.objects.all():
        message = sent[str(row.pk)]
        parts[f"{row.purpose} subject"] = row.subject + "\n" + message.subject
        parts[f"{row.purpose} text"] = row.body_text + "\n" + message.body
        parts[f"{row.purpose} html"] = row.body_html + "\n" + message.alternatives[0][0]
    return parts


def test_every_page_and_email_shows_euros_and_no_dollar_sign(shop: Shop) -> None:
    shown = {**pages(shop), **emails()}
    purposes = set(OutboxMessage.objects.values_list("purpose", flat=True))
    assert {"order_confirmation", "giveaway_confirm", "reminder_confirm"} <= purposes
    dollars = {name: re.findall(r".{0,40}\$.{0,20}", text) for name, text in shown.items()}
    assert {name: found for name, found in dollars.items() if found} == {}
    # The pages that price something price it in euros (so an empty page cannot pass).
    for name in (
        "products",
        "product",
        "kits",
        "kit",
        "builder",
        "builder, posted",
        "builder, fetched",
        "cart",
        "checkout",
        "confirmation",
        "order",
        "giveaway",
        "quiz result",
        "order_confirmation text",
        "order_confirmation html",
    ):
        assert re.search(r"€\d+\.\d\d", shown[name]), name
    # Discounts keep their minus sign in front of the symbol.
    assert re.search(r"−€\d+\.\d\d", shown["cart"])
    assert re.search(r"−€\d+\.\d\d", shown["order_confirmation text"])


def test_an_order_shows_the_currency_it_was_charged_in(demo: None, settings: Any) -> None:
    settings.SHOP_CURRENCY = "USD"
    shopper = Client()
    shopper.post("/cart/add/", {"kit": "seven-piece-collection", "quantity": "1"})
    assert shopper.post("/checkout/", checkout_form()).status_code == 302
    order = Order.objects.get()
    settings.SHOP_CURRENCY = "EUR"  # the shop moved to euros after the order
    for url in (
        f"/checkout/confirmation/{order.number}/",
        f"/orders/{order.number}/?token={order.access_token}",
    ):
        html = shopper.get(url).content.decode()
        assert f"${order.total_amount}" in html and "€" not in html, url
