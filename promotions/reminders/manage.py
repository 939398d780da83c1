"""Managing one's reminders, shared by the signed manage link and the signed-in account page:
the time form, the rows a person sees (with their next send on their own clock), and one
form's action applied through the subscription services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from promotions.messaging import local_time as reminder_time
from promotions.reminders import selectors, subscriptions
from promotions.reminders.models import ROUTINE_KINDS, Subscription

ACTIONS = frozenset({"save", "pause", "resume", "unsubscribe"})
_SERVICES = {
    "pause": (subscriptions.subscription_pause, "paused"),
    "resume": (subscriptions.subscription_resume, "resumed"),
    "unsubscribe": (subscriptions.subscription_unsubscribe, "unsubscribed"),
}


class TimeZoneInput(forms.TextInput):
    """A text box suggesting IANA names from a shared <datalist id="timezones">; the
    browser's own zone is filled in by reminders.js when the box is empty."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "list": "timezones",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-browser-timezone": "1",
            }
        )


class ReminderTimeFields(forms.Form):
    local_time = forms.TimeField(
        label="Time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S"],
        help_text="On your own clock, 24-hour. Leave empty for the usual time.",
        error_messages={"invalid": "Enter a time like 21:00."},
    )
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=TimeZoneInput(),
        help_text="Where you are, e.g. Europe/Paris or America/New_York.",
    )

    def clean_timezone(self) -> str:
        try:
            return reminder_time.timezone_parse(self.cleaned_data["timezone"]).key
        except reminder_time.InvalidTimezone as exc:
            raise forms.ValidationError(str(exc)) from exc


class ManageForm(ReminderTimeFields):
    local_time = forms.TimeField(
        label="Time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter a time like 21:00.", "required": "Enter a time."},
    )


def _form_id(subscription: Subscription) -> str:
    return f"id_s{subscription.pk}_%s"


@dataclass(frozen=True)
class Applied:
    """What one manage form did: `message` on success, else the `form` with its errors."""

    message: str = ""
    form: ManageForm | None = None


def manage_apply(*, subscription: Subscription, action: str, data: Mapping[str, Any]) -> Applied:
    """Apply one manage form's action (`save` a new time, `pause`, `resume`, `unsubscribe`) to
    a subscription the caller has already checked belongs to the person."""
    label = subscription.get_kind_display()
    if action == "save":
        form = ManageForm(data, auto_id=_form_id(subscription))
        if not form.is_valid():
            return Applied(form=form)
        subscriptions.subscription_update(
            subscription=subscription,
            local_time=form.cleaned_data["local_time"],
            timezone_key=form.cleaned_data["timezone"],
        )
        return Applied(message=f"{label}: time saved.")
    service, done = _SERVICES[action]
    service(subscription=subscription)
    return Applied(message=f"{label}: {done}.")


def manage_post(
    request: HttpRequest, subscription: Subscription | None
) -> tuple[HttpResponse | None, tuple[int, ManageForm] | None]:
    """A manage page's POST for a subscription the caller looked up among the person's own
    (None: not theirs): a redirect back with a message, or the failed form to show again."""
    action = request.POST.get("action", "")
    if subscription is None or action not in ACTIONS:
        messages.error(request, "That reminder is not one of yours; nothing changed.")
        return redirect(request.path), None
    applied = manage_apply(subscription=subscription, action=action, data=request.POST)
    if applied.form is None:
        messages.success(request, applied.message)
        return redirect(request.path), None
    return None, (subscription.pk, applied.form)


def manage_rows(
    *, emails_normalized: Iterable[str], failed: tuple[int, ManageForm] | None = None
) -> list[dict[str, Any]]:
    """The person's subscriptions (of every address given), each with its time form and the
    next send on its own clock ("" when nothing is due)."""
    now = timezone.now()
    rows = []
    for email in sorted(set(emails_normalized)):
        for subscription in selectors.subscriptions_of(email_normalized=email):
            form = (
                failed[1]
                if failed and failed[0] == subscription.pk
                else ManageForm(
                    initial={
                        "local_time": subscription.local_time,
                        "timezone": subscription.timezone,
                    },
                    auto_id=_form_id(subscription),
                )
            )
            rows.append(
                {
                    "subscription": subscription,
                    "form": form,
                    "routine": subscription.kind in ROUTINE_KINDS,
                    "next": next_send_display(subscription, now=now),
                }
            )
    return rows


def next_send(subscription: Subscription, *, now: Any = None) -> Any:
    """When the next reminder of this subscription goes (UTC), or None."""
    now = now or timezone.now()
    if not subscription.is_active:
        return None
    upcoming = selectors.reminders_upcoming(
        email_normalized=subscription.email_normalized, kind=subscription.kind, limit=1
    )
    return upcoming[0].due_at if upcoming and upcoming[0].due_at > now else None


def next_send_display(subscription: Subscription, *, now: Any = None) -> str:
    due = next_send(subscription, now=now)
    return selectors.local_display(due, subscription.timezone) if due else ""
