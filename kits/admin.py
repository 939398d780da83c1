"""Kits, routines and ingredient conflicts in the admin, with live figures and price previews.

Every figure on these pages comes from the pricing service (through `kits.prices`), so the
admin shows exactly what a quote would charge.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from config.admin import CheckedAutocompleteMixin, NamedListCellsMixin
from kits import selectors
from kits.claims_admin import KitClaimAdminMixin
from kits.models import (
    IngredientConflict,
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from kits.prices import KitFigures, kit_figures, routine_preview
from shop.catalog.admin import ImageAdminMixin
from shop.catalog.selectors import ProductInfo
from shop.catalog.transfer.admin import TransferAdminMixin


class KitComponentInline(CheckedAutocompleteMixin, admin.TabularInline[KitComponent, Kit]):
    model = KitComponent
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["product", "quantity", "position"]
    verbose_name = "component"
    verbose_name_plural = "components (what the kit price buys)"


class KitGiftInline(CheckedAutocompleteMixin, admin.TabularInline[KitGift, Kit]):
    model = KitGift
    extra = 1
    autocomplete_fields = ["product"]
    fields = ["product", "quantity", "position"]
    verbose_name = "gift"
    verbose_name_plural = "gifts (free while they last; they never block a sale)"


@admin.register(Kit)
class KitAdmin(
    NamedListCellsMixin,
    KitClaimAdminMixin,
    TransferAdminMixin,
    ImageAdminMixin,
    admin.ModelAdmin[Kit],
):
    transfer_kind = "kits"
    list_display = [
        "name",
        "price_amount",
        "value",
        "savings",
        "gift_value",
        "stock",
        "active",
        "position",
    ]
    list_editable = ["active", "position"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [KitComponentInline, KitGiftInline]
    image_folder = "kits"
    readonly_fields = [
        "value",
        "savings",
        "gift_value",
        "stock",
        "price_preview",
        "image_preview",
        "value_claim",
        "price_history_chart",
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "image", "image_preview"]}),
        ("Selling", {"fields": ["price_amount", "active", "position"]}),
        (
            "Figures (from the saved components; save to refresh)",
            {"fields": ["value", "savings", "gift_value", "stock", "value_claim", "price_preview"]},
        ),
        ("Price history", {"fields": ["price_history_chart"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Kit]:
        return selectors.kit_list(include_inactive=True)

    def _figures(self, kit: Kit) -> KitFigures:
        # One pricing call per kit and request, shared by the columns of its row.
        cached: KitFigures | None = getattr(kit, "_figures", None)
        if cached is None:
            cached = kit_figures(selectors.kit_info_of(kit))
            kit._figures = cached  # type: ignore[attr-defined]
        return cached

    @admin.display(description="Value")
    def value(self, kit: Kit) -> str:
        return str(self._figures(kit).value) if kit.pk else "-"

    @admin.display(description="Savings")
    def savings(self, kit: Kit) -> str:
        return str(self._figures(kit).savings) if kit.pk else "-"

    @admin.display(description="Gift value")
    def gift_value(self, kit: Kit) -> str:
        return str(self._figures(kit).gift_value) if kit.pk else "-"

    @admin.display(description="Kits in stock")
    def stock(self, kit: Kit) -> str:
        if not kit.pk:
            return "-"
        figures = self._figures(kit)
        return f"{figures.stock} ({figures.problem})" if figures.problem else str(figures.stock)

    @admin.display(description="Price preview")
    def price_preview(self, kit: Kit) -> SafeString | str:
        if not kit.pk:
            return "Save the kit with its components to see the price preview."
        figures = self._figures(kit)
        if figures.breakdown is None:
            return "Add components to see the price preview."
        return mark_safe(  # noqa: S308 - the template escapes every value
            render_to_string("kits/admin/breakdown.html", {"breakdown": figures.breakdown})
        )


class RoutineSlotForm(forms.ModelForm[RoutineSlot]):
    class Meta:
        model = RoutineSlot
        fields = [
            "step",
            "position",
            "required",
            "min_items",
            "max_items",
            "label",
            "label_plural",
            "products",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        step = data.get("step")
        products = data.get("products")
        if step is not None and products:
            wrong = [p.name for p in products if p.step_id != step.pk]
            if wrong:
                self.add_error("products", f"Not {step.name} products: {', '.join(wrong)}.")
        return data


class RoutineSlotInline(CheckedAutocompleteMixin, admin.TabularInline[RoutineSlot, Routine]):
    model = RoutineSlot
    form = RoutineSlotForm
    extra = 0
    autocomplete_fields = ["products"]
    verbose_name = "slot"
    verbose_name_plural = "slots (steps in order; empty products = every active product)"


class RoutineTierInline(admin.TabularInline[RoutineTier, Routine]):
    model = RoutineTier
    extra = 0
    verbose_name = "discount tier"


@admin.register(Routine)
class RoutineAdmin(NamedListCellsMixin, TransferAdminMixin, admin.ModelAdmin[Routine]):
    transfer_kind = "routines"
    list_display = ["name", "slug", "slot_count", "tier_list", "active", "position"]
    list_editable = ["active", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RoutineSlotInline, RoutineTierInline]
    readonly_fields = ["price_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description", "active", "position"]}),
        ("Price preview (from the saved routine; save to refresh)", {"fields": ["price_preview"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Routine]:
        return selectors.routine_list(include_inactive=True)

    @admin.display(description="Steps")
    def slot_count(self, routine: Routine) -> int:
        return len(routine.slots.all())

    @admin.display(description="Tiers")
    def tier_list(self, routine: Routine) -> str:
        return ", ".join(str(tier) for tier in routine.tiers.all()) or "-"

    @admin.display(description="Price preview")
    def price_preview(self, routine: Routine) -> SafeString | str:
        if not routine.pk:
            return "Save the routine with its steps to see a price preview."
        info = selectors.routine_info_of(routine)
        eligible = {
            step: [ProductInfo.of(p) for p in products]
            for step, products in selectors.routine_eligible_products(routine=routine).items()
        }
        result = routine_preview(routine=info, eligible=eligible)
        return mark_safe(  # noqa: S308 - the template escapes every value
            render_to_string(
                "kits/admin/routine_preview.html", {"result": result, "routine": routine}
            )
        )


@admin.register(IngredientConflict)
class IngredientConflictAdmin(
    NamedListCellsMixin, CheckedAutocompleteMixin, admin.ModelAdmin[IngredientConflict]
):
    list_display = ["title", "first", "second", "active"]
    list_editable = ["active"]
    list_filter = ["active"]
    list_select_related = ["first", "second"]
    search_fields = ["title", "first__name", "second__name"]
    autocomplete_fields = ["first", "second"]
    fields = ["title", "first", "second", "explanation", "active"]
