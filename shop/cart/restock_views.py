"""The restock link in a replenishment reminder email: it fills the shopper's cart with what is
running out and lands on the cart page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from promotions.reminders.links import restock_token_lines
from shop.cart import selectors, services
from shop.cart.restock import restock_cart_fill
from shop.cart.session import remember, session_cart


@require_GET
def reminder_restock(request: HttpRequest, token: str) -> HttpResponse:
    """The products go into the session's open cart (a new one if there is none) and the
    shopper lands on the cart page."""
    lines = restock_token_lines(token)
    if lines is None:
        return render(request, "promotions/reminder_link_expired.html", status=404)
    cart = session_cart(request) or services.cart_create()
    result = restock_cart_fill(cart=cart, lines=lines)
    remember(request, selectors.cart_view(cart=cart))
    if result.added:
        messages.success(request, f"Added to your cart: {', '.join(result.added)}.")
    if result.already:
        messages.info(request, f"Already in your cart: {', '.join(result.already)}.")
    if result.unavailable:
        messages.warning(request, f"Not available right now: {', '.join(result.unavailable)}.")
    return redirect("shop:cart")
