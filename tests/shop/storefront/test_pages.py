"""The home page (the routine, the kit, the quiz and the open giveaway first, each with a next
step, figures from the database) and the footer's help pages."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kits.models import Kit, Routine, RoutineTier
from promotions.giveaways.models import Giveaway
from shop.quoting import services as quoting
from shop.storefront.views import HELP_PAGES

pytestmark = pytest.mark.django_db

BUILDER = "/kits/routines/three-steps-to-refined-pores/"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def offers(html: str) -> str:
    start = html.index('class="offers"')
    return html[start : html.index("</section>", start)]


def test_home_leads_with_the_builder_kit_quiz_and_giveaway(demo: None, client: Client) -> None:
    html = client.get("/").content.decode()
    first = offers(html)
    page = text(first)
    assert "10% off with 3 products or more" in page
    assert "15% off with 5 products or more" in page
    assert "$95.00 for a $180.00 value, bonus gifts included." in page
    assert f'href="{BUILDER}"' in first
    assert f'href="{Kit.objects.get().get_absolute_url()}"' in first
    assert 'href="/quiz/"' in first
    giveaway = Giveaway.objects.get()
    assert f'href="{giveaway.get_absolute_url()}"' in first
    # The offers come before the products.
    assert html.index('class="offers"') < html.index('id="products-heading"')
    assert html.count('class="card product-card"') == 4


def test_home_tiers_come_from_the_database(demo: None, client: Client) -> None:
    routine = Routine.objects.get(slug="three-steps-to-refined-pores")
    RoutineTier.objects.filter(routine=routine, min_items=5).update(percent_off=Decimal("12.5"))
    RoutineTier.objects.create(routine=routine, min_items=6, percent_off=Decimal("20"))
    page = text(offers(client.get("/").content.decode()))
    assert "12.50% off with 5 products or more" in page
    assert "20% off with 6 products or more" in page
    assert "15% off" not in page


def test_home_hides_a_giveaway_that_is_not_open(demo: None, client: Client) -> None:
    Giveaway.objects.update(closes_at=timezone.now() - timezone.timedelta(days=1))
    first = offers(client.get("/").content.decode())
    assert "/giveaways/" not in first
    assert 'href="/quiz/"' in first


def test_home_without_kits_or_routines_still_renders(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/quiz/"' in offers(response.content.decode())


@pytest.mark.parametrize("slug", list(HELP_PAGES))
def test_each_help_page_renders_and_is_linked_from_the_footer(
    demo: None, client: Client, slug: str
) -> None:
    response = client.get(f"/help/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{HELP_PAGES[slug]}</h1>" in html
    footer = client.get("/").content.decode().split('class="site-footer"')[1]
    assert f'href="/help/{slug}/"' in footer


def test_help_pages_quote_the_shop_settings(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHOP_FREE_SHIPPING_OVER = Decimal("60.00")
    settings.SHOP_SHIPPING = Decimal("4.50")
    page = text(client.get("/help/shipping/").content.decode())
    assert "Orders of $60.00 or more ship free" in page
    assert "shipping is a flat $4.50" in page
    assert "Parcels outside United States of America" in page
    returns = text(client.get("/help/returns/").content.decode())
    assert "below $60.00" in returns
    terms = text(client.get("/help/terms/").content.decode())
    assert "Prices are in US dollars." in terms and "(free over $60.00)" in terms
    for page_text in (page, returns, terms):
        assert "$50.00" not in page_text


def test_help_pages_follow_the_currency_and_time_zone(client: Client, settings: Any) -> None:
    settings.SHOP_CURRENCY = "EUR"
    settings.TIME_ZONE = "Europe/Paris"
    assert "Prices are in euros." in text(client.get("/help/terms/").content.decode())
    contact = text(client.get("/help/contact/").content.decode())
    assert "9 am to 5 pm Paris time" in contact and "Eastern" not in contact


def test_the_free_shipping_threshold_the_page_quotes_is_the_one_the_cart_applies(
    demo: None, client: Client, settings: Any
) -> None:
    """ "Orders of $95.00 or more ship free": the $95.00 collection ships free at exactly that
    threshold and pays the flat rate a cent below it, as the pricing service decides."""
    kit = [{"kit": "seven-piece-collection"}]
    settings.SHOP_FREE_SHIPPING_OVER = Decimal("95.00")
    assert "Orders of $95.00 or more ship free" in text(
        client.get("/help/shipping/").content.decode()
    )
    assert str(quoting.quote_build(items=kit).shipping) == "0.00"
    settings.SHOP_FREE_SHIPPING_OVER = Decimal("95.01")
    assert str(quoting.quote_build(items=kit).shipping) == str(settings.SHOP_SHIPPING)


def test_privacy_page_links_to_the_account_privacy_page(client: Client) -> None:
    html = client.get("/help/privacy/").content.decode()
    assert 'href="/account/privacy/"' in html


def test_giveaway_rules_say_sponsor_eligibility_odds_draw_and_notice(client: Client) -> None:
    page = text(client.get("/help/giveaway-rules/").content.decode())
    for heading in ("Sponsor", "Who can enter", "The odds", "How the winner is picked"):
        assert heading in page
    assert "How the winner is told" in page
    assert "python -m promotions.verify_draw proof.json" in page


def test_an_unknown_help_page_is_404(client: Client) -> None:
    assert client.get("/help/no-such-page/").status_code == 404


def test_every_page_links_the_favicon_and_favicon_ico_redirects(client: Client) -> None:
    html = client.get("/help/contact/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg" type="image/svg\+xml">', html)
    assert re.search(r'<link rel="icon" href="[^"]*favicon-32\.png"', html)
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("shop/favicon.ico")


def test_the_phone_menu_toggle_is_in_every_page(client: Client) -> None:
    html = client.get("/help/terms/").content.decode()
    toggle = '<input type="checkbox" id="menu-toggle" class="menu-toggle" aria-controls="site-nav">'
    assert toggle in html
    assert '<label for="menu-toggle" class="menu-label">' in html
    assert 'id="site-nav"' in html
