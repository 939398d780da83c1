"""Reminders: who asked for which reminder at what local time, and the rows the sweep sends.

A `Subscription` is one person's consent to one kind of reminder (double opt-in). A
`Reminder` is one email due at one instant (UTC): routine reminders are created one occurrence
at a time by the sweep, replenishment reminders by paid orders (one per person and due date,
grouping the products that run out together), giveaway news by giveaways about to close.
Unique keys make each occurrence exist once, whatever runs twice.
"""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Kind(models.TextChoices):
    ROUTINE_MORNING = "routine_morning", "Morning routine"
    ROUTINE_EVENING = "routine_evening", "Evening routine"
    REPLENISH = "replenish", "Running out (replenishment)"
    GIVEAWAY_NEWS = "giveaway_news", "Giveaways closing soon"


# Marketing kinds: the suppression list, quiet hours and the per-recipient cap apply. Routine
# reminders are service messages the person scheduled for their own time (still with
# List-Unsubscribe, and stopped by unsubscribing that kind).
MARKETING_KINDS = frozenset({Kind.REPLENISH, Kind.GIVEAWAY_NEWS})
ROUTINE_KINDS = frozenset({Kind.ROUTINE_MORNING, Kind.ROUTINE_EVENING})
DEFAULT_LOCAL_TIMES = {
    Kind.ROUTINE_MORNING: time(7, 30),
    Kind.ROUTINE_EVENING: time(21, 0),
    Kind.REPLENISH: time(10, 0),
    Kind.GIVEAWAY_NEWS: time(10, 0),
}


class Subscription(models.Model):
    """One person's consent to one kind of reminder, at a local time in an IANA time zone."""

    Kind = Kind

    email = models.EmailField(max_length=254)
    email_normalized = models.CharField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminder_subscriptions",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    local_time = models.TimeField(help_text="When to send, on the person's own clock.")
    timezone = models.CharField(max_length=64, help_text="IANA name, e.g. Europe/Paris.")
    confirm_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    confirm_emails = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    source_entry = models.ForeignKey(
        "promotions.Entry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Giveaway news opted into on this entry: confirming the entry confirms it.",
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email_normalized", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_normalized", "kind"], name="subscription_one_per_person_kind"
            ),
            models.CheckConstraint(
                condition=~Q(email_normalized=""), name="subscription_email_not_empty"
            ),
        ]
        indexes = [
            models.Index(
                fields=["kind"],
                condition=Q(
                    confirmed_at__isnull=False,
                    unsubscribed_at__isnull=True,
                    paused_at__isnull=True,
                ),
                name="subscription_active_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.email}"

    @property
    def is_active(self) -> bool:
        return (
            self.confirmed_at is not None
            and self.unsubscribed_at is None
            and self.paused_at is None
        )

    @property
    def is_marketing(self) -> bool:
        return self.kind in MARKETING_KINDS

    @property
    def status(self) -> str:
        if self.unsubscribed_at is not None:
            return "unsubscribed"
        if self.confirmed_at is None:
            return "awaiting confirmation"
        if self.paused_at is not None:
            return "paused"
        return "active"


class Reminder(models.Model):
    """One email due at one instant. pending → queued (handed to the outbox) → sent; or
    skipped (not sent, `reason` says why) or cancelled (unsubscribed, paused, rescheduled)."""

    Kind = Kind

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        QUEUED = "queued", "queued (in the outbox)"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"
        CANCELLED = "cancelled", "cancelled"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="One row per due occurrence.")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    email = models.EmailField(max_length=254)
    email_normalized = models.CharField(max_length=254)
    giveaway = models.ForeignKey(
        "promotions.Giveaway",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="news_reminders",
    )
    due_at = models.DateTimeField(help_text="UTC.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(
        default=dict, blank=True, help_text='Replenishment: {"products": [id, ...], "date": ...}'
    )
    outbox_message = models.ForeignKey(
        "promotions.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=django_timezone.now)
    handed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="reminder_key_not_empty"),
            # A routine subscription has at most one pending occurrence: the next one.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=Q(state="pending", kind__in=sorted(ROUTINE_KINDS)),
                name="reminder_one_pending_routine",
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="reminder_due"),
            models.Index(fields=["state", "kind"], name="reminder_state_kind"),
            models.Index(fields=["email_normalized", "kind"], name="reminder_person_kind"),
            models.Index(fields=["giveaway", "email_normalized"], name="reminder_giveaway_person"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} at {self.due_at:%Y-%m-%d %H:%M} UTC"

    @property
    def ref(self) -> str:
        return f"promotions.reminder:{self.pk}"

    @property
    def is_marketing(self) -> bool:
        return self.kind in MARKETING_KINDS


class ReplenishmentItem(models.Model):
    """When one person runs out of one product, and the reminder that will tell them.

    A later paid order of the same product moves it (the new units add to what is left), and
    it leaves its old reminder for the one of its new due date.
    """

    email = models.EmailField(max_length=254)
    email_normalized = models.CharField(max_length=254)
    product = models.ForeignKey("shop.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(help_text="Units in the last order of it.")
    runs_out_on = models.DateField()
    remind_on = models.DateField()
    reminder = models.ForeignKey(
        Reminder, on_delete=models.SET_NULL, null=True, blank=True, related_name="items"
    )
    last_order = models.ForeignKey(
        "shop.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["email_normalized", "remind_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["email_normalized", "product"], name="replenishment_one_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} for {self.email} runs out {self.runs_out_on}"


class ReplenishmentOrder(models.Model):
    """A paid order whose products were scheduled (once: a repeat call changes nothing)."""

    order = models.OneToOneField("shop.Order", on_delete=models.CASCADE, related_name="+")
    scheduled_at = models.DateTimeField(default=django_timezone.now)
    products = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"replenishment of order {self.order_id}"
