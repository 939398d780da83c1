"""The email outbox: every email the shop sends is a row here first, then a worker sends it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from promotions.messaging.identity import normalize_email

# What the admin and exports show for a row's subject and bodies until they are composed.
COMPOSED_WHEN_SENT = "(composed when sent)"


class OutboxMessage(models.Model):
    """One email to one recipient, sent at most once per (purpose, key): rendered at enqueue
    time, or, with `compose_at_send`, written by its purpose's composer when it is sent
    (`promotions.messaging.composers`) and kept here from then on.

    A worker claims the row (pending -> sending with a lease in `claimed_until`), sends it and
    marks it sent; a lease that runs out (a worker killed mid-send) makes the row claimable again.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        SUPPRESSED = "suppressed", "suppressed"
        CANCELLED = "cancelled", "cancelled"

    purpose = models.CharField(max_length=40, help_text="order_confirmation, giveaway_winner, ...")
    key = models.CharField(
        max_length=200, help_text="Unique per purpose: the same purpose and key is one email."
    )
    recipient = models.EmailField(max_length=254)
    object_ref = models.CharField(
        max_length=100, blank=True, help_text="What the email is about, e.g. promotions.entry:42"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    compose_at_send = models.BooleanField(
        default=False,
        help_text="Subject and bodies not written yet: the sending worker composes them from "
        "the object and stores them here before sending.",
    )
    headers = models.JSONField(default=dict, blank=True)
    marketing = models.BooleanField(
        default=False, help_text="Marketing email: never sent to a suppressed address."
    )
    recipient_timezone = models.CharField(
        max_length=64,
        blank=True,
        help_text="The recipient's IANA time zone when known: marketing waits out quiet hours.",
    )
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Not sent after this (cancelled): news that went stale."
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a send task was last queued for this row."
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "key"], name="outbox_purpose_key_once"),
            models.CheckConstraint(condition=~Q(key=""), name="outbox_key_not_empty"),
        ]
        indexes = [
            # The sweep's two questions: which pending rows are due, which leases ran out.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["claimed_until"],
                condition=Q(state="sending"),
                name="outbox_sending_lease",
            ),
            models.Index(fields=["object_ref"], name="outbox_object_ref"),
            models.Index(fields=["recipient"], name="outbox_recipient"),
            models.Index(fields=["state", "purpose"], name="outbox_state_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} to {self.recipient} ({self.state})"

    @property
    def subject_shown(self) -> str:
        """The subject, or what stands in for it until the worker composes the email: a row to
        be composed has no subject yet, and a blank would read as an email without one."""
        return COMPOSED_WHEN_SENT if self.compose_at_send else self.subject


class MarketingStamp(models.Model):
    """When a recipient was last sent a marketing email: the per-recipient cap's lock row.

    The sender locks this row before sending marketing, so two workers cannot both send one
    to the same person inside the cap window. `message_id` holds the slot for the message
    being sent; `previous_sent_at` gives it back if that message fails for good.
    """

    email = models.CharField(max_length=254, unique=True, help_text="Normalised.")
    sent_at = models.DateTimeField(null=True, blank=True)
    previous_sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email}: marketing last sent {self.sent_at}"


class Suppression(models.Model):
    """An address that must never get marketing email again (unsubscribed, complained, bounced)."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        COMPLAINT = "complaint", "spam complaint"
        BOUNCED = "bounced", "hard bounce"
        MANUAL = "manual", "added by staff"

    email = models.CharField(
        max_length=254, unique=True, help_text="Normalised: see shop.identity.normalize_email."
    )
    reason = models.CharField(max_length=20, choices=Reason.choices, default=Reason.MANUAL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
