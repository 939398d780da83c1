"""Admin for the outbox (read-only, with a retry action), the suppression list and the
marketing cap's stamps (read-only)."""

from __future__ import annotations

import json
from typing import Any

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.clickjacking import xframe_options_sameorigin

from config.admin import ReadOnlyAdminMixin
from promotions.messaging import services
from promotions.messaging.models import (
    COMPOSED_WHEN_SENT,
    MarketingStamp,
    OutboxMessage,
    Suppression,
)

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
    "subject_display",
    "headers_display",
    "body_text_display",
    "body_html_preview",
)

# The HTML part as a document of its own, framed by the message's admin page: an email's styles
# are inline by necessity, so only they are allowed; no script, image, font or fetch, and the
# frame is sandboxed besides (docs/OPERATIONS.md, "Content-Security-Policy").
HTML_PART_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "frame-ancestors": [SELF],
    "sandbox": True,
}


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[OutboxMessage]):
    """Read-only: what was sent, to whom, and what went wrong; staff can only retry."""

    list_display = [
        "created_at",
        "purpose",
        "recipient",
        "subject_display",
        "state",
        "attempts",
        "sent_at",
    ]
    list_filter = ["purpose", "state", "marketing"]
    search_fields = ["recipient", "key", "object_ref", "subject"]
    search_help_text = "Search by recipient, key, object or subject."
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    list_per_page = 100
    show_full_result_count = False
    fields = OUTBOX_FIELDS
    readonly_fields = OUTBOX_FIELDS

    class Media:
        css = {"all": ["promotions/admin-outbox.css"]}

    def get_urls(self) -> list[URLPattern]:
        html_part = self.admin_site.admin_view(self.html_part_view)
        route = path("<int:pk>/html/", html_part, name="promotions_outboxmessage_html")
        return [route, *super().get_urls()]

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp(HTML_PART_POLICY))
    def html_part_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The HTML part alone, for the frame on the message's page (HTML_PART_POLICY)."""
        message = self.get_object(request, str(pk))
        if message is None:
            raise Http404("No such message.")
        if not self.has_view_permission(request, message):
            raise PermissionDenied
        if message.compose_at_send:
            return HttpResponse(
                format_html("<p>{}</p>", COMPOSED_WHEN_SENT),
                content_type="text/html; charset=utf-8",
            )
        return HttpResponse(message.body_html, content_type="text/html; charset=utf-8")

    @admin.display(description="Subject", ordering="subject")
    def subject_display(self, message: OutboxMessage) -> str:
        return message.subject_shown

    @admin.display(description="Headers")
    def headers_display(self, message: OutboxMessage) -> SafeString:
        return format_html("<pre>{}</pre>", json.dumps(message.headers, indent=2))

    @admin.display(description="Text part")
    def body_text_display(self, message: OutboxMessage) -> SafeString:
        if message.compose_at_send:
            return _composed_when_sent(message)
        return format_html('<pre class="outbox-text">{}</pre>', message.body_text)

    @admin.display(description="HTML part")
    def body_html_preview(self, message: OutboxMessage) -> SafeString:
        if message.compose_at_send:
            return _composed_when_sent(message)
        # Shown in a sandboxed frame: no script in a message can run in the admin's origin.
        return format_html(
            '<iframe sandbox="" src="{}" title="HTML part" class="outbox-html"></iframe>',
            reverse("admin:promotions_outboxmessage_html", args=[message.pk]),
        )

    @admin.action(description="Retry now (failed or waiting messages)")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = services.outbox_retry_now(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"Queued {count} message(s) to be sent now.", messages.SUCCESS)


def _composed_when_sent(message: OutboxMessage) -> SafeString:
    """In place of a body not written yet: the worker composes it from the object when it
    sends the row, and it shows here from then on."""
    return format_html(
        '<p class="outbox-composed">{}: the worker writes it from {} when it sends this '
        "message, and it shows here from then on.</p>",
        COMPOSED_WHEN_SENT,
        message.object_ref or "its object",
    )


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
