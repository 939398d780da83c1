"""The /account/orders/ page: the account's orders (see shop.accounts.orders), each linking to
its order page with the order's access token, as the confirmation email does."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shop.accounts.orders import account_orders

ORDERS_PER_PAGE = 50


@login_required
def orders_page(request: HttpRequest) -> HttpResponse:
    page = Paginator(account_orders(user=request.user), ORDERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "account/orders.html", {"page": page, "orders": page.object_list})
