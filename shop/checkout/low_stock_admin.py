"""The admin's low-stock list: products under the threshold, fewest days of cover first."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from config.admin import ReadOnlyAdminMixin
from shop.checkout.low_stock import WINDOW_DAYS, LowStockProduct, cover, low_stock, threshold


@admin.register(LowStockProduct)
class LowStockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[LowStockProduct]):
    list_display = [
        "product",
        "sku",
        "step",
        "stock",
        "sold",
        "per_day",
        "days_of_cover",
        "active",
        "adjust",
    ]
    list_display_links = None
    list_filter = ["step", "active"]
    list_select_related = ["step"]
    search_fields = ["name", "sku"]
    list_per_page = 100

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The products' own permission: no separate one to hand out for this list.
        return bool(request.user.is_active and request.user.is_staff) and (
            request.user.has_perm("shop.view_product")
            or request.user.has_perm("shop.change_product")
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[LowStockProduct]:
        return low_stock(super().get_queryset(request))  # type: ignore[return-value]

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [F("cover_days").asc(nulls_last=True), "stock", "name"]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        title = (
            f"Products with fewer than {threshold()} in stock, fewest days of cover first "
            f"(days the stock lasts at the last {WINDOW_DAYS} days' sales)"
        )
        return super().changelist_view(request, {"title": title, **(extra_context or {})})  # type: ignore[return-value]

    @admin.display(description="Product", ordering="name")
    def product(self, obj: LowStockProduct) -> str:
        url = reverse("admin:shop_product_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)

    @admin.display(description=f"Sold in {WINDOW_DAYS} days", ordering="sold_30d")
    def sold(self, obj: Any) -> int:
        return int(obj.sold_30d)

    @admin.display(description="Per day")
    def per_day(self, obj: Any) -> str:
        return str(cover(stock=obj.stock, sold_30d=obj.sold_30d).per_day)

    @admin.display(description="Days of cover", ordering=F("cover_days").asc(nulls_last=True))
    def days_of_cover(self, obj: Any) -> str:
        days = cover(stock=obj.stock, sold_30d=obj.sold_30d).days
        return f"no sales in {WINDOW_DAYS} days" if days is None else str(days)

    @admin.display(description="Stock changes")
    def adjust(self, obj: LowStockProduct) -> str:
        url = reverse("admin:shop_product_adjust_stock", args=[obj.pk])
        return format_html('<a href="{}">Adjust stock</a>', url)
