"""Customers in the admin: Django's user admin, extended so that a customer's page shows their
orders, saved routines, reminder subscriptions and giveaway entries (by verified address, as
the account sees them), and the user list searches allauth's addresses too. Staff users keep
the same admin they had."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from promotions.giveaways.models import Entry
from promotions.reminders.models import Subscription
from shop.accounts.orders import account_orders, account_verified_emails
from shop.accounts.routines import SavedRoutine

User = get_user_model()
CUSTOMER_FIELDS = (
    "customer_orders",
    "customer_routines",
    "customer_subscriptions",
    "customer_entries",
)
NOTHING = format_html('<p class="help">{}</p>', "None.")


def _rows(rows: Iterable[tuple[str, str, str]]) -> SafeString:
    """A list of (admin link, label, note) rows, or "None."."""
    items = list(rows)
    if not items:
        return NOTHING
    return format_html(
        "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a> {}</li>', items)
    )


class CustomerAdmin(UserAdmin):  # type: ignore[type-arg]
    search_fields = ("username", "first_name", "last_name", "email", "emailaddress__email")
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "order_count")
    readonly_fields = CUSTOMER_FIELDS

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)
        annotated: QuerySet[Any] = queryset.annotate(order_count=Count("orders", distinct=True))
        return annotated

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (*fieldsets, ("Customer (by verified address)", {"fields": CUSTOMER_FIELDS}))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        results, _ = super().get_search_results(request, queryset, search_term)
        return results.distinct(), False

    @admin.display(description="orders", ordering="order_count")
    def order_count(self, obj: Any) -> int:
        return int(getattr(obj, "order_count", 0))

    @admin.display(description="orders")
    def customer_orders(self, obj: Any) -> SafeString:
        return _rows(
            (
                reverse("admin:shop_order_change", args=[order.pk]),
                order.number,
                f"{order.status} · {order.total_amount} {order.currency} · "
                f"{order.created_at:%Y-%m-%d}",
            )
            for order in account_orders(user=obj)[:100]
        )

    @admin.display(description="saved routines")
    def customer_routines(self, obj: Any) -> SafeString:
        routines = SavedRoutine.objects.filter(user=obj).order_by("-created_at")[:100]
        return (
            format_html(
                "<ul>{}</ul>",
                format_html_join(
                    "",
                    "<li>{} ({}: {})</li>",
                    ((r.name, r.routine, ", ".join(r.selections)) for r in routines),
                ),
            )
            if routines
            else NOTHING
        )

    @admin.display(description="reminder subscriptions")
    def customer_subscriptions(self, obj: Any) -> SafeString:
        emails = account_verified_emails(user=obj)
        return _rows(
            (
                reverse("admin:promotions_subscription_change", args=[row.pk]),
                f"{row.get_kind_display()} · {row.email}",
                f"{row.status} · {row.local_time:%H:%M} {row.timezone}",
            )
            for row in Subscription.objects.filter(email_normalized__in=emails)
        )

    @admin.display(description="giveaway entries")
    def customer_entries(self, obj: Any) -> SafeString:
        emails = account_verified_emails(user=obj)
        return _rows(
            (
                reverse("admin:promotions_entry_change", args=[entry.pk]),
                entry.giveaway.title,
                f"{entry.get_status_display()} · {entry.email}",
            )
            for entry in Entry.objects.filter(email_normalized__in=emails)
            .select_related("giveaway")
            .order_by("-created_at")[:100]
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, CustomerAdmin)
