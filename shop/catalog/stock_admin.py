"""The product page's stock: an "Adjust stock" form (reason, units, note) and the history.

Stock is never typed over in the product form or the list: a number read a minute ago and
saved back would undo the checkouts made since. It changes through `stock_adjust` only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from config.admin import ReadOnlyAdminMixin
from shop.catalog.models import Product
from shop.catalog.stock_history import (
    MAX_ADJUSTMENT,
    StockAdjustment,
    StockAdjustmentRefused,
    stock_adjust,
)


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[StockAdjustment]):
    """Every product's stock history, newest first: looked at, never edited."""

    list_display = ["created_at", "product", "reason", "delta", "stock_after", "note", "user"]
    list_filter = ["reason", "created_at"]
    list_select_related = ["product", "user"]
    search_fields = ["product__name", "product__sku", "note"]
    date_hierarchy = "created_at"


HISTORY_SHOWN = 10


class StockAdjustForm(forms.Form):
    reason = forms.ChoiceField(choices=StockAdjustment.Reason.choices, widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label="Units",
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Delivery or damage: how many units. Count: the number on the shelf. "
        "Other: units to add (5) or remove (-5).",
    )
    note = forms.CharField(
        max_length=200, required=False, help_text="Required for “other”; kept in the history."
    )


class StockAdminMixin:
    """For ProductAdmin: stock read-only once the product exists, and the adjust-stock page."""

    admin_site: admin.AdminSite
    model: type[Product]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        extra = ["stock", "adjust_stock", "stock_history"]
        return [*fields, *extra] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)  # type: ignore[misc]
        if obj is None:
            return fieldsets
        return [
            (name, {**options, "fields": _after_stock(options["fields"])})
            for name, options in fieldsets
        ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Saving the form writes every field, stock too: lock the row and take its stock as it
        is now (the admin's change view is one transaction), so an order placed since the
        product was loaded for this request is not undone."""
        if change:
            rows = Product.objects.select_for_update().filter(pk=obj.pk)
            obj.stock = rows.values_list("stock", flat=True).get()
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    @admin.display(description="Stock changes")
    def adjust_stock(self, obj: Product) -> str:
        url = reverse("admin:shop_product_adjust_stock", args=[obj.pk])
        return format_html('<a class="button" href="{}">Adjust stock</a>', url)

    @admin.display(description="Stock history")
    def stock_history(self, obj: Product) -> str:
        rows = list(obj.adjustments.select_related("user")[:HISTORY_SHOWN])
        if not rows:
            return "No adjustments yet."
        return render_to_string(
            "admin/shop/product/stock_history.html", {"rows": rows, "every": _every(obj.pk)}
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.adjust_stock_view)
        own = [path("<int:product_id>/stock/", view, name="shop_product_adjust_stock")]
        inherited: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        return own + inherited

    def adjust_stock_view(self, request: HttpRequest, product_id: int) -> HttpResponse:
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise Http404("No such product")
        form = StockAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                done = stock_adjust(
                    product_id=product.pk,
                    reason=form.cleaned_data["reason"],
                    quantity=form.cleaned_data["quantity"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except StockAdjustmentRefused as refused:
                for field, errors in (refused.errors or {}).items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request,
                    f"{product.name}: {done.get_reason_display().split(' (')[0]} "
                    f"{done.delta:+d}, stock now {done.stock_after}.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:shop_product_change", args=[product.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "product": product,
            "form": form,
            "recent": product.adjustments.select_related("user")[:HISTORY_SHOWN],
            "every": _every(product.pk),
            "title": f"Adjust the stock of {product.name}",
        }
        return render(request, "admin/shop/product/adjust_stock.html", context)


def _every(product_id: int) -> str:
    """The stock history list narrowed to one product."""
    return reverse("admin:shop_stockadjustment_changelist") + f"?product__id__exact={product_id}"


def _after_stock(fields: Any) -> list[Any]:
    out: list[Any] = []
    for field in fields:
        out.append(field)
        if field == "stock":
            out.extend(["adjust_stock", "stock_history"])
    return out
