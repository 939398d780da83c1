"""The storefront's cart in the session: its id, and its unit count for the nav link (kept here
so that other pages need no query for it), and who the shopper is for the cart's code limits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shop.cart import selectors
from shop.cart.models import Cart, CartItem
from shop.cart.selectors import CartView

SESSION_CART = "cart_id"
SESSION_COUNT = "cart_count"


def session_cart(request: HttpRequest) -> Cart | None:
    """The session's open cart, or None (none yet, or it was checked out)."""
    cart = selectors.cart_get(cart_id=request.session.get(SESSION_CART))
    if cart is None or not cart.is_open:
        return None
    return cart


def session_cart_read(request: HttpRequest) -> tuple[Cart, list[CartItem]] | None:
    """The session's open cart with its items (`selectors.cart_read`), or None."""
    read = selectors.cart_read(cart_id=request.session.get(SESSION_CART))
    if read is None or not read[0].is_open:
        return None
    return read


def session_cart_any(request: HttpRequest) -> Cart | None:
    """The session's cart, open or checked out."""
    return selectors.cart_get(cart_id=request.session.get(SESSION_CART))


def remember(request: HttpRequest, view: CartView) -> None:
    """Keep the cart and its unit count in the session, writing only what changed."""
    for key, value in ((SESSION_CART, str(view.cart.pk)), (SESSION_COUNT, view.count)):
        if request.session.get(key) != value:
            request.session[key] = value


def forget(request: HttpRequest) -> None:
    request.session.pop(SESSION_CART, None)
    request.session.pop(SESSION_COUNT, None)


def checked_out(request: HttpRequest) -> None:
    """The cart became an order: the nav shows no count, and the session keeps the cart's id
    so that submitting the checkout form again finds the order (the next add starts a cart)."""
    request.session[SESSION_COUNT] = 0


def shopper(request: HttpRequest, email: str | None = None) -> dict[str, Any]:
    """Who checkout would charge, as far as the storefront knows: the address typed at checkout
    (`email`) or the signed-in account's, and the account's id; for judging per-customer code
    limits in the cart as checkout judges them."""
    user = request.user
    if not user.is_authenticated:
        return {"email": email or None, "user_id": None}
    return {"email": email or user.email or None, "user_id": user.pk}
