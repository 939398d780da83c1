"""Admin for reminders: subscriptions (with each person's sent history from the outbox), and
upcoming and past reminder rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from config.admin import ReadOnlyAdminMixin
from promotions.reminders import selectors, subscriptions
from promotions.reminders.models import Reminder, ReplenishmentItem, Subscription


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("active", "active"),
            ("awaiting", "awaiting confirmation"),
            ("paused", "paused"),
            ("unsubscribed", "unsubscribed"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value == "active":
            return queryset.filter(
                confirmed_at__isnull=False, unsubscribed_at__isnull=True, paused_at__isnull=True
            )
        if value == "awaiting":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if value == "paused":
            return queryset.filter(paused_at__isnull=False, unsubscribed_at__isnull=True)
        if value == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    list_display = ["email", "kind", "local_time", "timezone", "status_display", "created_at"]
    list_filter = ["kind", StatusFilter]
    search_fields = ["email", "email_normalized"]
    search_help_text = "Search by email."
    date_hierarchy = "created_at"
    actions = ["unsubscribe"]
    list_per_page = 100
    fields = [
        "email",
        "email_normalized",
        "user",
        "kind",
        "local_time",
        "timezone",
        "status_display",
        "confirmed_at",
        "confirm_sent_at",
        "confirm_emails",
        "paused_at",
        "unsubscribed_at",
        "source_entry",
        "created_at",
        "upcoming_display",
        "history_display",
    ]
    readonly_fields = [
        "email",
        "email_normalized",
        "user",
        "kind",
        "status_display",
        "confirmed_at",
        "confirm_sent_at",
        "confirm_emails",
        "paused_at",
        "unsubscribed_at",
        "source_entry",
        "created_at",
        "upcoming_display",
        "history_display",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # consent comes from the person (the double opt-in), never from staff

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        # Time and zone edits go through the service so pending reminders move with them.
        subscriptions.subscription_update(
            subscription=Subscription.objects.get(pk=obj.pk),
            local_time=obj.local_time,
            timezone_key=obj.timezone,
        )

    @admin.display(description="Status")
    def status_display(self, subscription: Subscription) -> str:
        return subscription.status

    @admin.display(description="Upcoming reminders")
    def upcoming_display(self, subscription: Subscription) -> SafeString | str:
        rows = selectors.reminders_upcoming(
            email_normalized=subscription.email_normalized, kind=subscription.kind, limit=5
        )
        if not rows:
            return "None pending."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} UTC · {}</li>",
                (
                    (
                        f"{row.due_at:%Y-%m-%d %H:%M}",
                        selectors.local_display(row.due_at, subscription.timezone),
                    )
                    for row in rows
                ),
            ),
        )

    @admin.display(description="Sent history (outbox)")
    def history_display(self, subscription: Subscription) -> SafeString | str:
        messages_ = selectors.sent_history(email=subscription.email, limit=30)
        link = (
            reverse("admin:promotions_outboxmessage_changelist")
            + "?"
            + urlencode({"q": subscription.email})
        )
        if not messages_:
            return format_html('No email yet. <a href="{}">Search the outbox</a>', link)
        return format_html(
            "<table><thead><tr><th>created</th><th>purpose</th><th>subject</th><th>state</th>"
            "<th>sent</th></tr></thead><tbody>{}</tbody></table>"
            '<p><a href="{}">Every email to this address</a></p>',
            format_html_join(
                "",
                '<tr><td>{}</td><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
                (
                    (
                        f"{m.created_at:%Y-%m-%d %H:%M}",
                        m.purpose,
                        reverse("admin:promotions_outboxmessage_change", args=[m.pk]),
                        m.subject_shown,
                        m.state,
                        f"{m.sent_at:%Y-%m-%d %H:%M}" if m.sent_at else "",
                    )
                    for m in messages_
                ),
            ),
            link,
        )

    @admin.action(description="Unsubscribe the selected subscriptions")
    def unsubscribe(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        count = 0
        for subscription in queryset:
            subscriptions.subscription_unsubscribe(subscription=subscription, reason="by staff")
            count += 1
        self.message_user(request, f"Unsubscribed {count} subscription(s).", messages.SUCCESS)


class UpcomingFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("upcoming", "upcoming (pending)"), ("past", "handled")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "upcoming":
            return queryset.filter(state=Reminder.State.PENDING, due_at__gte=timezone.now())
        if self.value() == "past":
            return queryset.exclude(state=Reminder.State.PENDING)
        return queryset


REMINDER_FIELDS: tuple[str, ...] = (
    "kind",
    "key",
    "email",
    "subscription",
    "giveaway",
    "due_at",
    "state",
    "reason",
    "payload",
    "outbox_link",
    "created_at",
    "handed_at",
)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Reminder]):
    """Read-only: what is due when, and what happened to what was due."""

    list_display = ["due_at", "kind", "email", "state", "reason", "outbox_link"]
    list_filter = [UpcomingFilter, "state", "kind"]
    search_fields = ["email", "email_normalized", "key"]
    date_hierarchy = "due_at"
    ordering = ["due_at", "pk"]
    list_per_page = 100
    show_full_result_count = False
    fields = REMINDER_FIELDS
    readonly_fields = REMINDER_FIELDS

    @admin.display(description="Email")
    def outbox_link(self, reminder: Reminder) -> SafeString | str:
        if reminder.outbox_message_id is None:
            return ""
        return format_html(
            '<a href="{}">outbox #{}</a>',
            reverse("admin:promotions_outboxmessage_change", args=[reminder.outbox_message_id]),
            reminder.outbox_message_id,
        )


ITEM_FIELDS: tuple[str, ...] = (
    "email",
    "email_normalized",
    "product",
    "quantity",
    "runs_out_on",
    "remind_on",
    "reminder",
    "last_order",
    "updated_at",
)


@admin.register(ReplenishmentItem)
class ReplenishmentItemAdmin(admin.ModelAdmin[ReplenishmentItem]):
    list_display = ["email", "product", "quantity", "runs_out_on", "remind_on", "reminder"]
    search_fields = ["email", "email_normalized", "product__name"]
    list_select_related = ["product", "reminder"]
    date_hierarchy = "remind_on"
    readonly_fields = ITEM_FIELDS
    fields = ITEM_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
