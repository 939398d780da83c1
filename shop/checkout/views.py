"""Storefront pages for buying: checkout, its confirmation, and looking an order up.

A double-submitted checkout form finds the cart already checked out and shows the same
confirmation: one order per cart. A service's refusal (`config.errors.DomainError`) is shown
next to the field it is about, or above the form.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from promotions.reminders.models import Kind
from promotions.reminders.selectors import subscription_is_active
from shop.cart import selectors as carts
from shop.cart.services import CartClosed
from shop.cart.session import checked_out, forget, session_cart_any, shopper
from shop.checkout import inputs, orders
from shop.checkout import services as checkout
from shop.checkout.errors import CartEmpty
from shop.checkout.forms import CheckoutForm, client_layouts
from shop.checkout.models import Order

logger = logging.getLogger(__name__)

SESSION_ORDERS = "orders"
# Refusals shown next to the payment fields; others show above the form.
PAYMENT_ERRORS = {"payment_declined"}


def _initial(request: HttpRequest) -> dict[str, Any]:
    """A signed-in shopper's form starts filled in: their name and email, and the address
    of their last order."""
    user = request.user
    if not user.is_authenticated:
        return {}
    initial: dict[str, Any] = {"email": user.email, "name": user.get_full_name()}
    # Replenishment reminders they already have stay on unless they untick the box.
    initial["replenishment_reminders"] = subscription_is_active(
        email=user.email, kind=Kind.REPLENISH
    )
    last = orders.order_last_of_account(user_id=user.pk)
    if last is not None:
        initial.update(
            name=initial["name"] or last.name,
            line1=last.address_line1,
            city=last.city,
            postal_code=last.postal_code,
            country=str(last.country),
            region=f"{last.country}-{last.region}" if last.region else "",
            phone=last.phone,
        )
    return initial


def _placed(request: HttpRequest, placed: checkout.PlacedOrder) -> HttpResponse:
    number = placed.order.number
    numbers = [n for n in request.session.get(SESSION_ORDERS, []) if n != number][-19:]
    request.session[SESSION_ORDERS] = [*numbers, number]
    checked_out(request)
    return redirect("shop:checkout_confirmation", number=number)


@require_http_methods(["GET", "HEAD", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    cart = session_cart_any(request)
    if cart is None:
        return redirect("shop:cart")
    if not cart.is_open:
        # A second submit of the form (or the back button after ordering): the session's cart
        # became this order, so it gets the same confirmation.
        order = Order.objects.filter(cart=cart).first()
        if order is not None:
            return _placed(request, checkout.PlacedOrder(order, created=False))
        forget(request)
        return redirect("shop:cart")
    form = CheckoutForm(request.POST or None, initial=_initial(request))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                details = inputs.signed_in(form.details(), request.user)
                placed = checkout.order_place(cart_id=cart.pk, details=details)
            except (CartEmpty, CartClosed):
                return redirect("shop:cart")
            except DomainError as error:
                field = form.payment_field if error.code in PAYMENT_ERRORS else None
                form.add_error(field, error.detail)
                status = error.status
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
            else:
                return _placed(request, placed)
    typed = getattr(form, "cleaned_data", {}).get("email")
    view = carts.cart_view(cart=cart, **shopper(request, typed))
    if not view.lines:
        return redirect("shop:cart")
    context = {"form": form, "view": view, "layouts": client_layouts()}
    return render(request, "shop/checkout.html", context, status=status)


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
