"""Template context every storefront page needs."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

# Navigation entries, shown when the app that serves them is installed and routed.
NAV = [
    ("kits:kit_list", "Kits & routines"),
    ("promotions:giveaway_list", "Giveaways"),
    ("promotions:reminder_subscribe", "Reminders"),
    ("shop:cart", "Cart"),
]


def _nav() -> list[dict[str, str]]:
    items = []
    for name, label in NAV:
        try:
            items.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue
    return items


def shop(request: HttpRequest) -> dict[str, Any]:
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "SITE_NAV": _nav(),
    }
