"""The /account/routines/ page (saved routines priced today, "Put in my cart", delete) and the
"Save this routine" form's target, posted by the builder and the quiz result page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.errors import DomainError
from shop.accounts import routines
from shop.cart.selectors import cart_view
from shop.cart.session import remember, session_cart
from shop.cart.views import error_messages, posted_item, redirect_back


@login_required
def routines_page(request: HttpRequest) -> HttpResponse:
    priced = routines.saved_routines_priced(user=request.user)
    return render(request, "account/routines.html", {"routines": priced})


@login_required
@require_POST
def routine_save(request: HttpRequest) -> HttpResponse:
    item = posted_item(request)
    try:
        saved = routines.saved_routine_create(
            user=request.user,
            name=request.POST.get("name", "")[: routines.NAME_MAX_LENGTH],
            routine=item.get("routine", ""),
            selections=item.get("selections", []),
        )
    except DomainError as error:
        for message in error_messages(error):
            messages.error(request, f"Could not save this routine: {message}")
        return redirect_back(request, reverse("shop:account_routines"))
    messages.success(request, f"Saved “{saved.saved.name}” to your routines.")
    return redirect("shop:account_routines")


@login_required
@require_POST
def routine_cart(request: HttpRequest, routine_id: int) -> HttpResponse:
    """Reorder: the saved routine goes into the session's cart (a new one when there is none)."""
    try:
        cart = routines.saved_routine_cart(
            user=request.user, routine_id=routine_id, cart=session_cart(request)
        )
    except routines.SavedRoutineNotFound:
        raise Http404("No such saved routine") from None
    except DomainError as error:
        for message in error_messages(error):
            messages.error(request, f"Could not put it in your cart: {message}")
        return redirect("shop:account_routines")
    remember(request, cart_view(cart=cart))
    messages.success(request, "Your saved routine is in your cart.")
    return redirect("shop:cart")


@login_required
@require_POST
def routine_delete(request: HttpRequest, routine_id: int) -> HttpResponse:
    try:
        routines.saved_routine_delete(user=request.user, routine_id=routine_id)
    except routines.SavedRoutineNotFound:
        raise Http404("No such saved routine") from None
    messages.success(request, "Deleted the saved routine.")
    return redirect("shop:account_routines")
