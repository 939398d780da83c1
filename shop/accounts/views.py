"""The /account/ pages: the overview (name, address, verified or not, the name form).
Sign-up, sign-in and the rest are allauth's pages (templates/allauth, templates/account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shop.accounts import services
from shop.accounts.forms import NameForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    account = services.account_view(user)
    form = NameForm(request.POST if request.method == "POST" else None, initial=account)
    if request.method == "POST" and form.is_valid():
        services.account_rename(user, form.cleaned_data["name"])
        messages.success(request, "Your name is saved.")
        return redirect("shop:account")
    return render(request, "account/overview.html", {"account": account, "form": form})
