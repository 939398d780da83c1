"""Storefront pages for reminders: subscribe, confirm, manage (from the signed link in every
reminder email), and the one-click unsubscribe every marketing email links to."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.client import client_ip
from config.counters import counter_hit
from promotions.giveaways import services as giveaways
from promotions.messaging import local_time as reminder_time
from promotions.messaging.consent import unsubscribe_token_parse
from promotions.reminders import links, manage, selectors, subscriptions, unsubscribe
from promotions.reminders.manage import ReminderTimeFields
from promotions.reminders.models import DEFAULT_LOCAL_TIMES, ROUTINE_KINDS, Kind, Subscription

SUBSCRIBE_LIMIT_PER_HOUR = 10
KIND_HELP = {
    Kind.ROUTINE_MORNING: "Cleanse, tone, renew, then primer and a light foundation.",
    Kind.ROUTINE_EVENING: "Take your makeup off before bed, then cleanse, tone, renew.",
    Kind.REPLENISH: "A week before a product you bought runs out, with a cart ready to go.",
    Kind.GIVEAWAY_NEWS: "A day before a giveaway closes, so you never miss one.",
}


class SubscribeForm(ReminderTimeFields):
    email = forms.EmailField(label="Email", max_length=254)
    kind = forms.ChoiceField(
        label="Remind me about", choices=Kind.choices, widget=forms.RadioSelect
    )
    field_order = ["email", "kind", "local_time", "timezone"]


def _too_many(request: HttpRequest) -> bool:
    key = f"reminder-subscribe-form:{giveaways.ip_hash(client_ip(request))}"
    return counter_hit(key, window_seconds=3600) > SUBSCRIBE_LIMIT_PER_HOUR


def _timezones() -> list[str]:
    return sorted(reminder_time.available_timezones())


@require_http_methods(["GET", "POST"])
def reminder_subscribe(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("kind", "")
    initial = {
        "kind": wanted if wanted in Kind.values else Kind.ROUTINE_EVENING,
        "timezone": links.default_timezone(),
    }
    form = SubscribeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if _too_many(request):
            form.add_error(None, "Too many requests from your connection; try again in an hour.")
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                cleaned = subscriptions.subscription_clean(
                    email=data["email"],
                    kind=data["kind"],
                    local_time=data["local_time"],
                    timezone=data["timezone"],
                )
            except subscriptions.InvalidSubscription as exc:
                for name, errors in (exc.errors or {}).items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                status = 400
            else:
                subscriptions.subscription_request(data=cleaned, user=request.user)
                return redirect(reverse("promotions:reminder_requested") + f"?kind={cleaned.kind}")
        else:
            status = 400
    return render(
        request,
        "promotions/reminder_subscribe.html",
        {
            "form": form,
            "kinds": [
                {
                    "value": kind.value,
                    "label": kind.label,
                    "help": KIND_HELP[kind],
                    "default_time": DEFAULT_LOCAL_TIMES[kind].strftime("%H:%M"),
                }
                for kind in Kind
            ],
            "timezones": _timezones(),
        },
        status=status,
    )


def reminder_requested(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    label = Kind(kind).label if kind in Kind.values else ""
    return render(request, "promotions/reminder_requested.html", {"kind_label": label})


@require_http_methods(["GET", "POST"])
def reminder_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms."""
    subscription = Subscription.objects.filter(confirm_token=token).first()
    if subscription is None:
        return render(request, "promotions/link_invalid.html", status=404)
    outcome = ""
    if request.method == "POST":
        result = subscriptions.subscription_confirm(token=token)
        if result is None:
            return render(request, "promotions/link_invalid.html", status=404)
        subscription, outcome = result.subscription, result.outcome
    elif subscription.confirmed_at is not None and subscription.unsubscribed_at is None:
        outcome = "already_confirmed"
    return render(
        request,
        "promotions/reminder_confirm.html",
        {
            "subscription": subscription,
            "outcome": outcome,
            "routine": subscription.kind in ROUTINE_KINDS,
            "manage_url": reverse(
                "promotions:reminder_manage",
                args=[links.manage_token(subscription.email)],
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def reminder_manage(request: HttpRequest, token: str) -> HttpResponse:
    email = links.manage_token_email(token)
    if email is None:
        return render(request, "promotions/reminder_link_expired.html", status=404)
    status = 200
    failed: tuple[int, manage.ManageForm] | None = None
    if request.method == "POST":
        subscription = selectors.subscription_get_owned(
            email_normalized=email, pk=request.POST.get("subscription")
        )
        response, failed = manage.manage_post(request, subscription)
        if response is not None:
            return response
        status = 400
    rows = manage.manage_rows(emails_normalized=[email], failed=failed)
    return render(
        request,
        "promotions/reminder_manage.html",
        {"email": email, "rows": rows, "timezones": _timezones()},
        status=status,
    )


# RFC 8058 one-click: mail providers POST without a session; the signed token is the proof.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing; POST (the button, or a mail client's one-click
    List-Unsubscribe-Post) unsubscribes: from all marketing (the suppression list, and every
    marketing reminder), or, for a link scoped to one reminder kind, from that reminder."""
    parsed = unsubscribe_token_parse(token)
    if parsed is None:
        return render(request, "promotions/link_invalid.html", status=404)
    done = False
    if request.method == "POST":
        unsubscribe.email_unsubscribe_apply(email=parsed.email, scope=parsed.scope)
        done = True
    else:
        done = unsubscribe.email_unsubscribe_done(email=parsed.email, scope=parsed.scope)
    return render(
        request,
        "promotions/unsubscribe.html",
        {
            "email": parsed.email,
            "done": done,
            "token": token,
            "scope_label": links.scope_label(parsed.scope),
            "manage_url": reverse(
                "promotions:reminder_manage", args=[links.manage_token(parsed.email)]
            ),
        },
    )
