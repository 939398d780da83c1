"""Template context every storefront page needs."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from shop.pricing import MAX_QUANTITY

# Navigation entries, shown when the app that serves them is installed and routed.
NAV = [
    ("kits:kit_list", "Kits & routines"),
    ("promotions:giveaway_list", "Giveaways"),
    ("promotions:reminder_subscribe", "Reminders"),
    ("shop:cart", "Cart"),
]


def _nav(cart_count: int = 0) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for name, label in NAV:
        try:
            items.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue
        if name == "shop:cart":
            items[-1]["count"] = cart_count
    return items


def _cart_count(request: HttpRequest) -> int:
    """Units in the session's cart, kept in the session by the cart pages (no query here;
    a visitor without a session cookie does not even load a session)."""
    session = getattr(request, "session", None)
    if session is None or not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return 0
    count = session.get("cart_count", 0)
    return count if isinstance(count, int) and count > 0 else 0


def shop(request: HttpRequest) -> dict[str, Any]:
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "SITE_NAV": _nav(_cart_count(request)),
        "MAX_QUANTITY": MAX_QUANTITY,
    }
