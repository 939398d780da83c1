"""Admin for the outbox (read-only, with a retry action), the suppression list and the
marketing cap's stamps (read-only)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.admin import ReadOnlyAdminMixin
from promotions.messaging import services
from promotions.messaging.models import MarketingStamp, OutboxMessage, Suppression

OUTBOX_FIELDS: tuple[str, ...] = (
    "purpose",
    "key",
    "recipient",
    "object_ref",
    "marketing",
    "recipient_timezone",
    "expires_at",
    "state",
    "attempts",
    "last_error",
    "next_attempt_at",
    "dispatched_at",
    "claimed_until",
    "created_at",
    "sent_at",
    "subject",
    "headers_display",
    "body_text_display",
    "body_html_preview",
)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[OutboxMessage]):
    """Read-only: what was sent, to whom, and what went wrong; staff can only retry."""

    list_display = ["created_at", "purpose", "recipient", "subject", "state", "attempts", "sent_at"]
    list_filter = ["purpose", "state", "marketing"]
    search_fields = ["recipient", "key", "object_ref", "subject"]
    search_help_text = "Search by recipient, key, object or subject."
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    list_per_page = 100
    show_full_result_count = False
    fields = OUTBOX_FIELDS
    readonly_fields = OUTBOX_FIELDS

    @admin.display(description="Headers")
    def headers_display(self, message: OutboxMessage) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(message.headers, indent=2))

    @admin.display(description="Text part")
    def body_text_display(self, message: OutboxMessage) -> SafeString:
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', message.body_text)

    @admin.display(description="HTML part")
    def body_html_preview(self, message: OutboxMessage) -> SafeString:
        # Shown in a sandboxed frame: no script in a message can run in the admin's origin.
        return format_html(
            '<iframe sandbox="" srcdoc="{}" title="HTML part" '
            'style="width:100%;max-width:640px;height:480px;border:1px solid #ccc"></iframe>',
            message.body_html,
        )

    @admin.action(description="Retry now (failed or waiting messages)")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = services.outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Queued {count} message(s) to be sent now.", messages.SUCCESS)


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin[Suppression]):
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]
    readonly_fields = ["created_at"]


STAMP_FIELDS: tuple[str, ...] = ("email", "sent_at", "previous_sent_at", "message_id")


@admin.register(MarketingStamp)
class MarketingStampAdmin(admin.ModelAdmin[MarketingStamp]):
    """The per-recipient cap: when each address last got marketing."""

    list_display = ["email", "sent_at", "message_id"]
    search_fields = ["email"]
    readonly_fields = STAMP_FIELDS
    fields = STAMP_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
