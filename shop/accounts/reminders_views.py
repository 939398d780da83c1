"""The account's reminders page, /account/reminders/: the same rows and forms as the signed
manage link, for every verified address of the signed-in person."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from promotions.messaging import local_time as reminder_time
from promotions.reminders import manage
from shop.accounts.reminders import account_subscription_get, verified_emails


@login_required
@require_http_methods(["GET", "POST"])
def account_reminders(request: HttpRequest) -> HttpResponse:
    status = 200
    failed: tuple[int, manage.ManageForm] | None = None
    if request.method == "POST":
        subscription = account_subscription_get(
            user=request.user, pk=request.POST.get("subscription")
        )
        response, failed = manage.manage_post(request, subscription)
        if response is not None:
            return response
        status = 400
    emails = verified_emails(user=request.user)
    return render(
        request,
        "account/reminders.html",
        {
            "rows": manage.manage_rows(emails_normalized=emails, failed=failed),
            "verified": bool(emails),
            "show_email": len(emails) > 1,
            "timezones": sorted(reminder_time.available_timezones()),
        },
        status=status,
    )
