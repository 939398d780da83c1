"""Storefront pages for giveaways: the list, a giveaway's page with its entry form and proof,
confirming an entry, claiming a prize."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_countries import countries

from config.client import client_ip
from config.counters import counter_hit
from promotions.giveaways import prizes, selectors
from promotions.giveaways import services as giveaways
from promotions.giveaways.models import Entry, Giveaway

ENTRY_LIMIT_PER_HOUR = 10


class EntryForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=giveaways.NAME_MAX)
    email = forms.EmailField(
        label="Email", max_length=254, help_text="We email you a link to confirm your entry."
    )
    comment = forms.CharField(
        label="Why would you like to win?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=giveaways.COMMENT_MAX,
        required=False,
    )

    def __init__(self, *args: Any, giveaway: Giveaway, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if giveaway.countries:
            self.fields["country"] = forms.ChoiceField(
                label="Country you live in",
                choices=[("", "Choose…")]
                + [(c, countries.name(c) or c) for c in giveaway.countries],
            )
        if giveaway.min_age:
            self.fields["age_confirmed"] = forms.BooleanField(
                label=f"I am {giveaway.min_age} or older",
                error_messages={"required": f"You must be {giveaway.min_age} or older to enter."},
            )
        self.fields["news"] = forms.BooleanField(
            label="Send me a note a day before each giveaway closes (stop any time)",
            required=False,
        )


class ClaimForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=120)
    line1 = forms.CharField(label="Street address", max_length=200)
    city = forms.CharField(label="City", max_length=100)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    country = forms.ChoiceField(label="Country", choices=[("", "Choose a country"), *countries])
    age_confirmed = forms.BooleanField(label="I meet the age requirement", required=False)

    def clean_country(self) -> str:
        return str(self.cleaned_data["country"]).upper()


def _too_many_entries(request: HttpRequest) -> bool:
    """The storefront's per-client limit, the same budget as the API's throttle."""
    key = f"giveaway-entry-form:{giveaways.ip_hash(client_ip(request))}"
    return counter_hit(key, window_seconds=3600) > ENTRY_LIMIT_PER_HOUR


def giveaway_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "promotions/giveaway_list.html", {"giveaways": selectors.giveaway_list_public()}
    )


@require_http_methods(["GET", "POST"])
def giveaway_detail(request: HttpRequest, slug: str) -> HttpResponse:
    giveaway = selectors.giveaway_get(slug=slug)
    if giveaway is None:
        raise Http404("No such giveaway")
    form = EntryForm(request.POST or None, giveaway=giveaway)
    status = 200
    if request.method == "POST":
        if not giveaway.is_open():
            form.add_error(None, "This giveaway is not open for entries.")
            status = 409
        elif _too_many_entries(request):
            form.add_error(None, "Too many entries from your connection; try again in an hour.")
            status = 429
        elif form.is_valid():
            try:
                data = giveaways.entry_clean(**form.cleaned_data)
                giveaways.giveaway_enter(giveaway=giveaway, data=data, client_ip=client_ip(request))
            except giveaways.GiveawayError as exc:
                if exc.errors:
                    for field_name, messages in exc.errors.items():
                        for message in messages:
                            form.add_error(
                                field_name if field_name in form.fields else None, message
                            )
                else:
                    form.add_error("email" if exc.code == "already_entered" else None, exc.detail)
                status = 409 if exc.status == 409 else 400
            else:
                return redirect(reverse("promotions:giveaway_entered", args=[giveaway.slug]))
        else:
            status = 400
    proof_json = json.dumps(giveaway.proof, indent=2, ensure_ascii=False) if giveaway.proof else ""
    winners: list[Entry] = []
    if giveaway.proof:
        winners = list(
            Entry.objects.filter(giveaway=giveaway, status=Entry.Status.WINNER).order_by(
                "draw_position"
            )
        )
    prize_value = selectors.prize_value(giveaway)
    prize_gift_value = selectors.prize_gift_value(giveaway)
    return render(
        request,
        "promotions/giveaway_detail.html",
        {
            "giveaway": giveaway,
            "form": form,
            "phase": giveaway.phase(),
            "prize_value": prize_value,
            "prize_gift_value": prize_gift_value,
            "prize_products_value": prize_value - prize_gift_value,
            "proof_json": proof_json,
            "winners": winners,
        },
        status=status,
    )


def giveaway_entered(request: HttpRequest, slug: str) -> HttpResponse:
    giveaway = selectors.giveaway_get(slug=slug)
    if giveaway is None:
        raise Http404("No such giveaway")
    return render(request, "promotions/giveaway_entered.html", {"giveaway": giveaway})


@require_http_methods(["GET", "POST"])
def entry_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST confirms.
    A replayed link shows that the entry is already confirmed and changes nothing."""
    entry = Entry.objects.select_related("giveaway").filter(confirm_token=token).first()
    if entry is None:
        return render(request, "promotions/link_invalid.html", status=404)
    outcome = ""
    if request.method == "POST":
        result = giveaways.entry_confirm(token=token)
        if result is None:
            return render(request, "promotions/link_invalid.html", status=404)
        entry, outcome = result.entry, result.outcome
    elif entry.confirmed_at is not None:
        outcome = "already_confirmed"
    elif entry.giveaway.drawn_at is not None:
        outcome = "too_late"
    return render(
        request,
        "promotions/entry_confirm.html",
        {"entry": entry, "giveaway": entry.giveaway, "outcome": outcome},
    )


@require_http_methods(["GET", "POST"])
def prize_claim(request: HttpRequest, token: str) -> HttpResponse:
    entry = Entry.objects.select_related("giveaway").filter(claim_token=token).first()
    if entry is None:
        return render(request, "promotions/link_invalid.html", status=404)
    form = ClaimForm(
        request.POST or None, initial={"full_name": entry.name, "country": entry.country}
    )
    status = 200
    problem = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                claimed = prizes.prize_claim(
                    token=token, details=prizes.ClaimDetails(**form.cleaned_data)
                )
            except giveaways.NotEligible as exc:
                for field_name, messages in (exc.errors or {}).items():
                    for message in messages:
                        form.add_error(field_name, message)
                status = 400
            except giveaways.ClaimClosed as exc:
                problem = exc.detail
                status = 409
            else:
                if claimed is not None:
                    entry = claimed
        else:
            status = 400
    return render(
        request,
        "promotions/prize_claim.html",
        {
            "entry": entry,
            "giveaway": entry.giveaway,
            "form": form,
            "problem": problem,
            "country_name": countries.name(str(entry.claim_details.get("country", ""))),
        },
        status=status,
    )
