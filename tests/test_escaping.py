"""HTML and script typed into any field come out as text everywhere they are shown.

Table-driven: every user- or staff-entered field gets its own hostile value (a <script> and an
<img onerror>, tagged with the field's name), the shop is used end to end with those values
(catalog, builder, cart, checkout, confirmation, order page, giveaway entry, admin pages, the
emails' HTML parts), and every page or email where the field appears must show the escaped
text and never the live markup. Showing the escaped text is asserted too, so a surface that
silently stopped showing the field would not pass for a safe one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from kits.models import Kit, Routine
from promotions.codes.models import Promotion
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from shop.catalog.models import Product
from shop.checkout.models import Order
from tests.shop.checkout_helpers import checkout_form

pytestmark = pytest.mark.django_db


def hostile(field: str) -> str:
    return f'<script>alert("{field}")</script><img src=x onerror=alert(1)>{field}'


def escaped(field: str) -> str:
    return f"&lt;script&gt;alert(&quot;{field}&quot;)&lt;/script&gt;"


@dataclass
class World:
    shopper: Client
    staff: Client
    order: Order
    entry: Entry


@pytest.fixture
def world(demo: None, staff_user: Any, django_capture_on_commit_callbacks: Any) -> World:
    """The demo shop with a hostile value in every field, used once end to end (emails sent
    in-process, into Django's test outbox)."""
    from config.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        # Emails are queued after commit: run those callbacks as a real commit would.
        with django_capture_on_commit_callbacks(execute=True):
            Product.objects.filter(slug="citrus-facial-wash").update(
                name="Citrus " + hostile("product_name")
            )
            Kit.objects.filter(slug="seven-piece-collection").update(
                name="Collection " + hostile("kit_name")
            )
            Routine.objects.filter(slug="three-steps-to-refined-pores").update(
                name="Routine " + hostile("routine_name")
            )
            Giveaway.objects.filter(slug="seven-piece-collection").update(
                title="Giveaway " + hostile("giveaway_title")
            )
            Promotion.objects.filter(codes__code="PORES15").update(
                name="Promo " + hostile("promo_name")
            )

            shopper = Client()
            shopper.post("/cart/add/", {"kit": "seven-piece-collection", "quantity": "1"})
            shopper.post("/cart/add/", {"product": "citrus-facial-wash", "quantity": "1"})
            shopper.post(
                "/cart/add/",
                {
                    "routine": "three-steps-to-refined-pores",
                    "step-cleanse": "citrus-facial-wash",
                    "step-tone": "face-firming-toner",
                    "step-renew": "advanced-face-firming",
                },
            )
            assert shopper.post("/cart/promo/", {"code": "PORES15"}).status_code == 302
            placed = shopper.post(
                "/checkout/",
                checkout_form(
                    name=hostile("checkout_name"),
                    line1=hostile("checkout_address"),
                    city=hostile("checkout_city"),
                ),
            )
            assert placed.status_code == 302, placed.content[:2000]
            # A new cart after the order, for the cart and checkout pages.
            for item in ({"kit": "seven-piece-collection"}, {"product": "citrus-facial-wash"}):
                shopper.post("/cart/add/", {**item, "quantity": "1"})

            entrant = Client()
            entered = entrant.post(
                "/giveaways/seven-piece-collection/",
                {
                    "name": hostile("entry_name"),
                    "email": "rosa@example.com",
                    "comment": hostile("entry_comment"),
                    "country": "US",
                    "age_confirmed": "on",
                },
            )
            assert entered.status_code == 302, entered.content[:3000]
    finally:
        app.conf.task_always_eager = eager
    staff = Client()
    staff.force_login(staff_user)
    return World(shopper, staff, Order.objects.get(), Entry.objects.get(email="rosa@example.com"))


def page(who: str, url: Callable[[World], str]) -> Callable[[World], str]:
    def get(world: World) -> str:
        client = world.staff if who == "staff" else world.shopper
        response = client.get(url(world), follow=True)
        assert response.status_code == 200, (url(world), response.status_code)
        return response.content.decode()

    return get


def email(purpose: str) -> Callable[[World], str]:
    """The HTML part as stored in the outbox and as Django's mail handed it over."""

    def html(world: World) -> str:
        row = OutboxMessage.objects.filter(purpose=purpose).latest("pk")
        sent = [m for m in mail.outbox if m.extra_headers.get("X-Outbox-Id") == str(row.pk)]
        assert sent, f"the {purpose} email was not sent"
        return row.body_html + "\n" + sent[0].alternatives[0][0]

    return html


def order_url(world: World) -> str:
    return f"/orders/{world.order.number}/?token={world.order.access_token}"


def outbox_admin(purpose: str) -> Callable[[World], str]:
    return lambda w: (
        f"/admin/promotions/outboxmessage/"
        f"{OutboxMessage.objects.filter(purpose=purpose).latest('pk').pk}/change/"
    )


def kit_admin(world: World) -> str:
    return f"/admin/kits/kit/{Kit.objects.get(slug='seven-piece-collection').pk}/change/"


SURFACES: dict[str, list[tuple[str, Callable[[World], str]]]] = {
    "product_name": [
        ("cart", page("shopper", lambda w: "/cart/")),
        ("checkout", page("shopper", lambda w: "/checkout/")),
        ("shop list", page("shopper", lambda w: "/shop/")),
        ("product page", page("shopper", lambda w: "/products/citrus-facial-wash/")),
        ("kit page", page("shopper", lambda w: "/kits/seven-piece-collection/")),
        (
            "routine builder",
            page("shopper", lambda w: "/kits/routines/three-steps-to-refined-pores/"),
        ),
        ("order page", page("shopper", order_url)),
        ("order email", email("order_confirmation")),
        ("admin products", page("staff", lambda w: "/admin/shop/product/")),
        ("admin kit with its price preview", page("staff", kit_admin)),
    ],
    "kit_name": [
        ("cart", page("shopper", lambda w: "/cart/")),
        ("checkout", page("shopper", lambda w: "/checkout/")),
        ("confirmation", page("shopper", lambda w: f"/checkout/confirmation/{w.order.number}/")),
        ("kits list", page("shopper", lambda w: "/kits/")),
        ("kit page", page("shopper", lambda w: "/kits/seven-piece-collection/")),
        (
            "giveaway page (the prize)",
            page("shopper", lambda w: "/giveaways/seven-piece-collection/"),
        ),
        ("order page", page("shopper", order_url)),
        ("order email", email("order_confirmation")),
        ("admin kits", page("staff", lambda w: "/admin/kits/kit/")),
        ("admin kit", page("staff", kit_admin)),
        ("admin order", page("staff", lambda w: f"/admin/shop/order/{w.order.pk}/change/")),
    ],
    "routine_name": [
        ("kits list", page("shopper", lambda w: "/kits/")),
        (
            "routine builder",
            page("shopper", lambda w: "/kits/routines/three-steps-to-refined-pores/"),
        ),
        ("order page", page("shopper", order_url)),
        ("order email", email("order_confirmation")),
        ("admin routines", page("staff", lambda w: "/admin/kits/routine/")),
    ],
    "checkout_name": [
        ("confirmation", page("shopper", lambda w: f"/checkout/confirmation/{w.order.number}/")),
        ("order email", email("order_confirmation")),
        ("admin order", page("staff", lambda w: f"/admin/shop/order/{w.order.pk}/change/")),
        ("admin outbox message", page("staff", outbox_admin("order_confirmation"))),
    ],
    "checkout_address": [
        ("order email", email("order_confirmation")),
        ("admin order", page("staff", lambda w: f"/admin/shop/order/{w.order.pk}/change/")),
    ],
    "checkout_city": [
        ("order email", email("order_confirmation")),
        ("admin order", page("staff", lambda w: f"/admin/shop/order/{w.order.pk}/change/")),
    ],
    "giveaway_title": [
        ("giveaway list", page("shopper", lambda w: "/giveaways/")),
        ("giveaway page", page("shopper", lambda w: "/giveaways/seven-piece-collection/")),
        ("entered page", page("shopper", lambda w: "/giveaways/seven-piece-collection/entered/")),
        ("confirm page", page("shopper", lambda w: f"/giveaways/confirm/{w.entry.confirm_token}/")),
        ("confirm email", email("giveaway_confirm")),
        ("admin giveaways", page("staff", lambda w: "/admin/promotions/giveaway/")),
    ],
    "entry_name": [
        ("confirm page", page("shopper", lambda w: f"/giveaways/confirm/{w.entry.confirm_token}/")),
        ("confirm email", email("giveaway_confirm")),
        ("admin entries", page("staff", lambda w: "/admin/promotions/entry/")),
        ("admin entry", page("staff", lambda w: f"/admin/promotions/entry/{w.entry.pk}/change/")),
    ],
    "entry_comment": [
        ("admin entry", page("staff", lambda w: f"/admin/promotions/entry/{w.entry.pk}/change/")),
    ],
    "promo_name": [
        ("admin promotions", page("staff", lambda w: "/admin/promotions/promotion/")),
        (
            "admin promotion",
            page(
                "staff",
                lambda w: (
                    "/admin/promotions/promotion/"
                    f"{Promotion.objects.get(codes__code='PORES15').pk}/change/"
                ),
            ),
        ),
        (
            "admin simulator",
            page(
                "staff",
                lambda w: (
                    "/admin/promotions/promotion/"
                    f"{Promotion.objects.get(codes__code='PORES15').pk}/simulate/"
                ),
            ),
        ),
    ],
}


@pytest.mark.parametrize("field", list(SURFACES))
def test_user_text_is_escaped_wherever_it_is_shown(world: World, field: str) -> None:
    problems = []
    for where, render in SURFACES[field]:
        html = render(world)
        if f'<script>alert("{field}")' in html or "<img src=x onerror" in html:
            problems.append(f"{where}: live markup")
        elif escaped(field) not in html:
            problems.append(f"{where}: the field is not shown at all")
    assert not problems, f"{field}: " + "; ".join(problems)


def test_every_hostile_value_reached_the_database(world: World) -> None:
    order = world.order
    assert order.name == hostile("checkout_name")
    assert order.address_line1 == hostile("checkout_address")
    assert world.entry.comment == hostile("entry_comment")
    assert uuid.UUID(str(order.cart_id))
