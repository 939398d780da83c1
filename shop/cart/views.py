"""Storefront pages of the cart: add to cart, the cart page, changing a line, the promo code.

Every form posts and redirects (or re-renders with the error next to the field it belongs to),
so the pages work without JavaScript. A service's refusal (`config.errors.DomainError`) is shown
next to the line or field it is about.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from config.client import client_ip
from config.errors import DomainError
from promotions.codes.guard import TooManyAttempts, client_key
from shop.cart import selectors, services
from shop.cart.models import Cart, CartItem
from shop.cart.session import remember, session_cart, session_cart_read, shopper
from shop.quoting.services import MAX_SELECTIONS, MAX_SLUG_LENGTH, InvalidItems

KINDS = ("product", "kit", "routine")


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """To the form's `next` when it is on this site, else to `fallback`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def error_messages(error: DomainError) -> list[str]:
    """A refusal's messages, one per field problem, to show as flash messages."""
    if not error.errors:
        return [error.detail]
    return [message for messages_ in error.errors.values() for message in messages_]


# -- adding -----------------------------------------------------------------------------------


def posted_item(request: HttpRequest) -> dict[str, Any]:
    """The quote item a storefront form posted. The routine builder's own form posts its
    `step-<slug>` fields; the add button sends the routine's slug as `routine`."""
    post = request.POST
    kinds = [kind for kind in KINDS if post.get(kind)]
    item: dict[str, Any] = {kind: post.get(kind, "")[:MAX_SLUG_LENGTH] for kind in kinds}
    item["quantity"] = services.form_quantity(post.get("quantity", "1").strip() or "1")
    if "routine" in item:
        selections = [s.strip() for s in post.getlist("selections") if s.strip()]
        for name in post:
            if name.startswith("step-"):
                selections.extend(v.strip() for v in post.getlist(name) if v.strip())
        item["selections"] = selections[:MAX_SELECTIONS]
    return item


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    cart = session_cart(request) or services.cart_create()
    try:
        added = services.cart_item_add(cart=cart, item=posted_item(request))
    except DomainError as error:
        for message in error_messages(error):
            messages.error(request, message)
        return redirect_back(request, reverse("shop:cart"))
    remember(request, selectors.cart_view(cart=cart))
    messages.success(request, f"Added {added.name} to your cart.")
    return redirect("shop:cart")


# -- the cart page ----------------------------------------------------------------------------


def _cart_page(
    request: HttpRequest,
    cart: Cart | None,
    *,
    status: int = 200,
    line_errors: dict[str, list[str]] | None = None,
    promo_error: str = "",
    promo_typed: str = "",
    items: list[CartItem] | None = None,
) -> HttpResponse:
    view = selectors.cart_view(cart=cart, items=items, **shopper(request)) if cart else None
    if view is not None:
        remember(request, view)
    errors = line_errors or {}
    rows = [(line, errors.get(str(line.item.id), [])) for line in view.lines] if view else []
    return render(
        request,
        "shop/cart.html",
        {
            "view": view,
            "rows": rows,
            "promo_error": promo_error,
            "promo_typed": promo_typed,
        },
        status=status,
    )


def cart_page(request: HttpRequest) -> HttpResponse:
    read = session_cart_read(request)  # the cart read and priced in 3 queries
    if read is None:
        return _cart_page(request, None)
    return _cart_page(request, read[0], items=read[1])


@require_POST
def cart_item_change(request: HttpRequest, item_id: str) -> HttpResponse:
    cart = session_cart(request)
    if cart is None:
        return redirect("shop:cart")
    try:
        if "remove" in request.POST:
            services.cart_item_remove(cart=cart, item_id=item_id)
            messages.success(request, "Removed from your cart.")
        else:
            services.cart_item_update(
                cart=cart,
                item_id=item_id,
                quantity=services.form_quantity(request.POST.get("quantity", "")),
            )
    except InvalidItems as error:
        return _cart_page(request, cart, status=400, line_errors={item_id: error_messages(error)})
    except DomainError as error:
        messages.error(request, error.detail)
    return redirect("shop:cart")


@require_POST
def cart_promo(request: HttpRequest) -> HttpResponse:
    cart = session_cart(request)
    if cart is None:
        return redirect("shop:cart")
    typed = request.POST.get("code", "")
    try:
        if "remove" in request.POST:
            services.cart_promo_clear(cart=cart)
        else:
            services.cart_promo_set(
                cart=cart, code=typed, client=client_key(client_ip(request)), **shopper(request)
            )
    except services.CartClosed as error:
        messages.error(request, error.detail)
    except DomainError as error:
        response = _cart_page(
            request, cart, status=error.status, promo_error=error.detail, promo_typed=typed[:64]
        )
        if isinstance(error, TooManyAttempts):
            response["Retry-After"] = str(error.retry_after)
        return response
    return redirect("shop:cart")
