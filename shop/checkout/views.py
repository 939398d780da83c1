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
from shop.cart.session import checked_out, forget, session_cart_any
from shop.checkout import inputs, orders, payments
from shop.checkout import services as checkout
from shop.checkout.models import Order

logger = logging.getLogger(__name__)

SESSION_ORDERS = "orders"
# The form field a refusal is about; others show above the form.
ERROR_FIELDS = {"payment_declined": "card_token"}


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
        regex=inputs.POSTAL_CODE_RE,
        max_length=20,
        error_messages={"invalid": inputs.POSTAL_CODE_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    country = forms.RegexField(
        label="Country code",
        regex=inputs.COUNTRY_RE,
        help_text="Two letters, e.g. US, CA, GB.",
        error_messages={"invalid": inputs.COUNTRY_MESSAGE},
        widget=forms.TextInput(attrs={"autocomplete": "country", "maxlength": "2", "size": "3"}),
    )
    card_token = forms.CharField(label="Card", max_length=200)
    replenishment_reminders = forms.BooleanField(
        label="Remind me when this runs out",
        required=False,
        help_text="One email a week before each product runs out, with a cart ready to go. "
        "We ask you to confirm by email first; stop any time.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """The payment fields follow the configured gateways (SHOP_PAYMENT_METHODS): the first
        one's token field, and a choice of method when there are several. With none, the
        help text says so and submitting answers PaymentsNotConfigured."""
        super().__init__(*args, **kwargs)
        self.methods = payments.payment_methods()
        token = self.fields["card_token"]
        if not self.methods:
            token.help_text = "This shop is not taking payments at the moment."
            return
        gateway = payments.gateway_for(self.methods[0])
        token.label, token.help_text = gateway.label, gateway.form_help
        token.initial = gateway.form_initial
        if len(self.methods) > 1:
            self.fields["payment_method"] = forms.ChoiceField(
                label="Pay with",
                choices=[(method, payments.gateway_for(method).label) for method in self.methods],
                initial=self.methods[0],
                widget=forms.RadioSelect,
            )

    def details(self) -> inputs.CheckoutDetails:
        data = self.cleaned_data
        return inputs.CheckoutDetails(
            email=data["email"],
            name=data["name"],
            address_line1=data["line1"],
            city=data["city"],
            postal_code=data["postal_code"].upper(),
            country=data["country"].upper(),
            payment_method=data.get("payment_method") or (self.methods or [""])[0],
            payment_token=data["card_token"].strip(),
            replenishment_reminders=data["replenishment_reminders"],
        )


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
            country=last.country,
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
            except (checkout.CartEmpty, CartClosed):
                return redirect("shop:cart")
            except DomainError as error:
                form.add_error(ERROR_FIELDS.get(error.code), error.detail)
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
