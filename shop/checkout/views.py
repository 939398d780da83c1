"""Storefront pages for buying: add to cart, the cart, checkout, confirmation, order lookup.

The cart id lives in the session (with the unit count for the nav link, so other pages need no
query for it). Every form posts and redirects (or re-renders with the error next to the field
it belongs to), so the pages work without JavaScript. A double-submitted checkout form finds
the cart already checked out and shows the same confirmation: one order per cart.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django import forms
from django.contrib import messages
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from promotions.codes.guard import TooManyAttempts, client_key
from promotions.codes.services import PromoUnavailable
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.cart.services import CartView
from shop.checkout import orders
from shop.checkout import services as checkout
from shop.checkout.models import Order
from shop.checkout.payments import GatewayError, PaymentDeclined, UnknownPaymentMethod
from shop.checkout.stock import OutOfStock
from shop.quoting.services import InvalidItems

logger = logging.getLogger(__name__)

SESSION_CART = "cart_id"
SESSION_COUNT = "cart_count"
SESSION_ORDERS = "orders"
KINDS = ("product", "kit", "routine")


# -- the session's cart -----------------------------------------------------------------------


def _session_cart(request: HttpRequest) -> Cart | None:
    """The session's open cart, or None (none yet, or it was checked out)."""
    cart = carts.cart_get(cart_id=request.session.get(SESSION_CART))
    if cart is None or not cart.is_open:
        return None
    return cart


def _remember(request: HttpRequest, view: CartView) -> None:
    """Keep the cart and its unit count in the session, writing only what changed."""
    for key, value in ((SESSION_CART, str(view.cart.pk)), (SESSION_COUNT, view.count)):
        if request.session.get(key) != value:
            request.session[key] = value


def _forget_cart(request: HttpRequest) -> None:
    request.session.pop(SESSION_CART, None)
    request.session.pop(SESSION_COUNT, None)


def _cart_checked_out(request: HttpRequest) -> None:
    """The cart became an order: the nav shows no count, and the session keeps the cart's id
    so that submitting the checkout form again finds the order (the next add starts a cart)."""
    request.session[SESSION_COUNT] = 0


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _messages_of(error: InvalidItems) -> list[str]:
    return [message for messages_ in error.errors.values() for message in messages_]


# -- adding -----------------------------------------------------------------------------------


def _posted_item(request: HttpRequest) -> dict[str, Any]:
    """The quote item a storefront form posted. The routine builder's own form posts its
    `step-<slug>` fields; the add button sends the routine's slug as `routine`."""
    post = request.POST
    kinds = [kind for kind in KINDS if post.get(kind)]
    item: dict[str, Any] = {kind: post.get(kind, "")[:200] for kind in kinds}
    raw_quantity = post.get("quantity", "1").strip() or "1"
    item["quantity"] = (
        int(raw_quantity)
        if raw_quantity.isdigit() and len(raw_quantity) <= 9
        else raw_quantity[:20]
    )
    if "routine" in item:
        selections = [s.strip() for s in post.getlist("selections") if s.strip()]
        for name in post:
            if name.startswith("step-"):
                selections.extend(v.strip() for v in post.getlist(name) if v.strip())
        item["selections"] = selections[:50]
    return item


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    cart = _session_cart(request) or carts.cart_create()
    try:
        added = carts.cart_item_add(cart=cart, item=_posted_item(request))
    except InvalidItems as error:
        for message in _messages_of(error):
            messages.error(request, message)
        return _back(request, reverse("shop:cart"))
    except carts.CartFull as error:
        messages.error(request, str(error))
        return _back(request, reverse("shop:cart"))
    _remember(request, carts.cart_view(cart=cart))
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
) -> HttpResponse:
    view = carts.cart_view(cart=cart) if cart is not None else None
    if view is not None:
        _remember(request, view)
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
    return _cart_page(request, _session_cart(request))


@require_POST
def cart_item_change(request: HttpRequest, item_id: str) -> HttpResponse:
    cart = _session_cart(request)
    if cart is None:
        return redirect("shop:cart")
    try:
        if "remove" in request.POST:
            carts.cart_item_remove(cart=cart, item_id=item_id)
            messages.success(request, "Removed from your cart.")
        else:
            carts.cart_item_update(
                cart=cart,
                item_id=item_id,
                quantity=carts.form_quantity(request.POST.get("quantity", "")),
            )
    except carts.CartItemNotFound:
        messages.error(request, "That item is no longer in your cart.")
    except carts.CartClosed:
        messages.error(request, "This cart was checked out already.")
    except InvalidItems as error:
        return _cart_page(request, cart, status=400, line_errors={item_id: _messages_of(error)})
    return redirect("shop:cart")


@require_POST
def cart_promo(request: HttpRequest) -> HttpResponse:
    cart = _session_cart(request)
    if cart is None:
        return redirect("shop:cart")
    try:
        if "remove" in request.POST:
            carts.cart_promo_clear(cart=cart)
            return redirect("shop:cart")
        code = request.POST.get("code", "")
        problem = carts.promo_code_problem(code)
        if problem is not None:
            return _cart_page(request, cart, status=400, promo_error=problem, promo_typed=code[:64])
        carts.cart_promo_set(
            cart=cart, code=code, client=client_key(request.META.get("REMOTE_ADDR"))
        )
    except TooManyAttempts as error:
        minutes = max(1, math.ceil(error.retry_after / 60))
        response = _cart_page(
            request,
            cart,
            status=429,
            promo_error=f"Too many promo code attempts. Try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}.",
            promo_typed=request.POST.get("code", "")[:64],
        )
        response["Retry-After"] = str(error.retry_after)
        return response
    except carts.PromoRejected as error:
        return _cart_page(
            request,
            cart,
            status=422,
            promo_error=error.rejection.reason,
            promo_typed=request.POST.get("code", "")[:64],
        )
    except carts.CartClosed:
        messages.error(request, "This cart was checked out already.")
    return redirect("shop:cart")


# -- checkout ---------------------------------------------------------------------------------


class CheckoutForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        help_text="Your order confirmation goes here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label="Full name", max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    line1 = forms.CharField(
        label="Address",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    city = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    postal_code = forms.RegexField(
        label="Postal code",
        regex=checkout.POSTAL_CODE_RE,
        max_length=20,
        error_messages={"invalid": checkout.POSTAL_CODE_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.RegexField(
        label="Country code",
        regex=checkout.COUNTRY_RE,
        help_text="Two letters, e.g. US, CA, GB.",
        error_messages={"invalid": checkout.COUNTRY_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "country", "maxlength": "2", "size": "3"}),
    )
    card_token = forms.CharField(
        label="Card (test token)",
        max_length=200,
        initial="tok_ok",
        help_text="This shop uses the test gateway: tok_ok is approved, tok_decline is declined.",
    )

    def details(self) -> checkout.CheckoutDetails:
        data = self.cleaned_data
        return checkout.CheckoutDetails(
            email=data["email"],
            name=data["name"],
            address_line1=data["line1"],
            city=data["city"],
            postal_code=data["postal_code"].upper(),
            country=data["country"].upper(),
            payment_method="test",
            payment_token=data["card_token"].strip(),
        )


def _placed(request: HttpRequest, placed: checkout.PlacedOrder) -> HttpResponse:
    number = placed.order.number
    numbers = [n for n in request.session.get(SESSION_ORDERS, []) if n != number][-19:]
    request.session[SESSION_ORDERS] = [*numbers, number]
    _cart_checked_out(request)
    return redirect("shop:checkout_confirmation", number=number)


@require_http_methods(["GET", "HEAD", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    cart_id = request.session.get(SESSION_CART)
    cart = carts.cart_get(cart_id=cart_id)
    if cart is None:
        return redirect("shop:cart")
    if not cart.is_open:
        # A second submit of the form (or the back button after ordering): the session's cart
        # became this order, so it gets the same confirmation.
        order = Order.objects.filter(cart=cart).first()
        if order is not None:
            return _placed(request, checkout.PlacedOrder(order, created=False))
        _forget_cart(request)
        return redirect("shop:cart")
    form = CheckoutForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                placed = checkout.order_place(cart_id=cart.pk, details=form.details())
            except PaymentDeclined as error:
                form.add_error("card_token", error.reason)
                status = 402
            except OutOfStock as error:
                form.add_error(None, f"{error} Change the quantity in your cart to continue.")
                status = 409
            except InvalidItems as error:
                form.add_error(None, " ".join(_messages_of(error)))
            except PromoUnavailable as error:
                form.add_error(
                    None, f"The promo code {error.code} can no longer be used; remove it."
                )
                status = 409
            except (GatewayError, UnknownPaymentMethod):
                form.add_error(
                    None, "We could not reach the payment provider; nothing was charged."
                )
                status = 503
            except (OperationalError, InterfaceError):
                # The database connection died mid-checkout: the transaction rolled back (or
                # committed just before), and pressing the button again shows whichever.
                logger.warning("Database unavailable during checkout", exc_info=True)
                form.add_error(
                    None,
                    "We lost our connection while placing your order. Press the button "
                    "again: you will never be charged twice.",
                )
                status = 503
            except checkout.CartEmpty:
                return redirect("shop:cart")
            except carts.CartClosed:
                return redirect("shop:cart")
            else:
                return _placed(request, placed)
    view = carts.cart_view(cart=cart)
    if not view.lines:
        return redirect("shop:cart")
    return render(request, "shop/checkout.html", {"form": form, "view": view}, status=status)


def checkout_confirmation(request: HttpRequest, number: str) -> HttpResponse:
    if number not in request.session.get(SESSION_ORDERS, []):
        raise Http404("No such order")
    order = orders.order_get(number=number)
    if order is None:
        raise Http404("No such order")
    return render(
        request,
        "shop/checkout_confirmation.html",
        {"order": order, "lines": orders.order_lines(order=order)},
    )


# -- looking an order up ----------------------------------------------------------------------


class OrderLookupForm(forms.Form):
    number = forms.CharField(label="Order number", max_length=40)
    token = forms.CharField(
        label="Access code",
        max_length=64,
        help_text="From your confirmation email (the part after token= in its link).",
    )


def order_lookup(request: HttpRequest) -> HttpResponse:
    form = OrderLookupForm(request.GET or None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            order = orders.order_for_viewer(
                number=form.cleaned_data["number"],
                token=form.cleaned_data["token"].strip(),
                staff=False,
            )
            if order is not None:
                url = reverse("shop:order_detail", args=[order.number])
                return redirect(f"{url}?token={order.access_token}")
            form.add_error(None, "No order matches that number and access code.")
            status = 404
    return render(request, "shop/order_lookup.html", {"form": form}, status=status)


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    staff = bool(request.user.is_authenticated and request.user.is_staff)
    order = orders.order_for_viewer(number=number, token=request.GET.get("token", ""), staff=staff)
    if order is None:
        raise Http404("No such order")
    return render(
        request,
        "shop/order_detail.html",
        {"order": order, "lines": orders.order_lines(order=order)},
    )
