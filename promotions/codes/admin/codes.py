"""Admin for codes (search in any case, CSV export), code batches and redemptions (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.admin import ReadOnlyAdminMixin
from promotions.codes import figures
from promotions.codes.admin.forms import PromoCodeForm
from promotions.codes.api import csv_response
from promotions.codes.models import CodeBatch, PromoCode, Redemption
from promotions.codes.selectors import promo_code_normalise

# -- inlines ---------------------------------------------------------------------------------


class RedemptionInline(admin.TabularInline[Redemption, PromoCode]):
    model = Redemption
    fk_name = "code"
    fields = ["order", "customer_email", "discount_amount", "created_at", "released_at"]
    readonly_fields = ["order", "customer_email", "discount_amount", "created_at", "released_at"]
    extra = 0
    can_delete = False
    max_num = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# -- codes, batches, redemptions -----------------------------------------------------------------


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin[PromoCode]):
    form = PromoCodeForm
    list_display = [
        "code",
        "promotion",
        "public",
        "max_uses",
        "uses",
        "remaining_display",
        "batch",
        "created_at",
    ]
    list_filter = ["public", "promotion__kind", "batch"]
    list_select_related = ["promotion", "batch"]
    search_fields = ["code", "promotion__name"]
    search_help_text = "Search by code (any case) or promotion name."
    raw_id_fields = ["promotion"]
    readonly_fields = ["uses", "batch", "issued_to", "created_at"]
    inlines = [RedemptionInline]
    actions = ["export_codes"]
    list_per_page = 100
    show_full_result_count = False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PromoCode], search_term: str
    ) -> tuple[QuerySet[PromoCode], bool]:
        return super().get_search_results(request, queryset, promo_code_normalise(search_term))

    def get_readonly_fields(self, request: HttpRequest, obj: PromoCode | None = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.uses:
            fields.append("code")  # a code that has been used keeps its name in the records
        return fields

    @admin.display(description="Remaining")
    def remaining_display(self, code: PromoCode) -> str:
        remaining = code.remaining
        return "-" if remaining is None else str(remaining)

    @admin.action(description="Export the selected codes as CSV")
    def export_codes(self, request: HttpRequest, queryset: QuerySet[PromoCode]) -> HttpResponseBase:
        ids = list(queryset.values_list("pk", flat=True))
        return csv_response(figures.promo_code_export_rows(codes=ids), "promo-codes.csv")


@admin.register(CodeBatch)
class CodeBatchAdmin(admin.ModelAdmin[CodeBatch]):
    list_display = ["created_at", "promotion", "count", "generated", "status", "progress_link"]
    list_filter = ["status"]
    list_select_related = ["promotion"]
    readonly_fields = [f.name for f in CodeBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="")
    def progress_link(self, batch: CodeBatch) -> SafeString:
        return format_html(
            '<a href="{}">progress and export</a>',
            reverse("admin:promotions_promotion_batch", args=[batch.pk]),
        )


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Redemption]):
    """Read-only: counters must always equal these rows, so only checkout and cancellation
    write them."""

    list_display = [
        "created_at",
        "code",
        "promotion",
        "order",
        "customer_email",
        "discount_amount",
        "shipping_amount",
        "gift_value",
        "released_at",
    ]
    list_filter = ["promotion", ("released_at", admin.EmptyFieldListFilter)]
    list_select_related = ["code", "promotion", "order"]
    search_fields = ["code__code", "customer_email", "=order__number"]
    date_hierarchy = "created_at"
