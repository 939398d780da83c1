"""The home page and the footer's help pages (shipping, returns, contact, privacy, terms,
giveaway rules): plain templates, with the figures they quote read from settings and the
database rather than written into the text."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from kits import selectors as kit_selectors
from kits.prices import kit_figures
from promotions.giveaways.selectors import giveaway_list_public
from shop.catalog import selectors as catalog_selectors
from shop.checkout.addresses import country_name
from shop.checkout.forms import DEFAULT_COUNTRY

#: slug -> title, in footer order; each has templates/storefront/help/<slug>.html.
HELP_PAGES = {
    "shipping": "Shipping",
    "returns": "Returns",
    "contact": "Contact us",
    "privacy": "Privacy",
    "terms": "Terms of sale",
    "giveaway-rules": "Giveaway rules",
}

HOME_PRODUCTS = 4
# What the terms call the shop's currency (SHOP_CURRENCY); another is named by its code.
CURRENCY_NAMES = {
    "USD": "US dollars",
    "CAD": "Canadian dollars",
    "AUD": "Australian dollars",
    "GBP": "pounds sterling",
    "EUR": "euros",
}


def home(request: HttpRequest) -> HttpResponse:
    """The routine first (the builder and its tiers, the fixed kit, the quiz, an open
    giveaway), each with one next step; then a few products."""
    steps = list(catalog_selectors.step_list())
    routine = kit_selectors.routine_list().first()
    kit = kit_selectors.kit_list().first()
    giveaway = next((g for g in giveaway_list_public() if g.is_open()), None)
    products = catalog_selectors.product_list(filters=catalog_selectors.ProductFilters())
    return render(
        request,
        "shop/home.html",
        {
            "routine_steps": [s for s in steps if not s.optional and s.slug != "extra"],
            "makeup_steps": [s for s in steps if s.optional and s.slug != "extra"],
            "routine": routine,
            "tiers": list(routine.tiers.all()) if routine else [],
            "kit": kit,
            "kit_figures": kit_figures(kit_selectors.kit_info_of(kit)) if kit else None,
            "giveaway": giveaway,
            "products": products[:HOME_PRODUCTS],
        },
    )


def help_page(request: HttpRequest, slug: str) -> HttpResponse:
    title = HELP_PAGES.get(slug)
    if title is None:
        raise Http404("No such page")
    return render(
        request,
        f"storefront/help/{slug}.html",
        {
            "title": title,
            "help_pages": HELP_PAGES,
            "shipping": settings.SHOP_SHIPPING,
            "free_shipping_over": settings.SHOP_FREE_SHIPPING_OVER,
            "contact_email": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
            "currency_name": CURRENCY_NAMES.get(settings.SHOP_CURRENCY, settings.SHOP_CURRENCY),
            # "Los Angeles time": the shop's own zone (SHOP_TIME_ZONE), as its pages show times.
            "office_time": settings.TIME_ZONE.rsplit("/", 1)[-1].replace("_", " ") + " time",
            "home_country": country_name(DEFAULT_COUNTRY),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever base.html links: the static file's URL,
    looked up at request time (with DEBUG=0 that is the manifest's hashed name, which does not
    exist before collectstatic, so not at import)."""
    return HttpResponsePermanentRedirect(static("shop/favicon.ico"))
