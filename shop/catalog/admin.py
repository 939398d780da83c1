"""Catalog admin: what a merchandiser edits every day, fast to scan and bulk-edit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from config.admin import CheckedAutocompleteMixin
from shop.catalog import bulk_admin, images
from shop.catalog.gallery import ProductImage
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step
from shop.catalog.price_chart import PriceHistoryAdminMixin
from shop.catalog.stock_admin import StockAdminMixin
from shop.catalog.transfer.admin import TransferAdminMixin


class ProductIngredientInline(
    CheckedAutocompleteMixin, admin.TabularInline[ProductIngredient, Product]
):
    model = ProductIngredient
    extra = 1
    autocomplete_fields = ["ingredient"]
    fields = ["ingredient", "key", "position"]


class ImageForm(forms.ModelForm[Any]):
    """The `image` field checked as the API checks it (images.read_checked), not by extension."""

    def clean_image(self) -> Any:
        upload = self.cleaned_data.get("image")
        if isinstance(upload, UploadedFile):
            try:
                images.read_checked(upload)
            except images.InvalidImage as error:
                raise forms.ValidationError(error.detail) from None
            upload.seek(0)
        return upload


class ImageAdminMixin:
    """An `image` uploaded in the admin is stored as the API stores it: under its content hash,
    with its thumbnails; `image_preview` shows the 400 px thumbnail."""

    form: type[forms.ModelForm[Any]] = ImageForm
    image_folder = "products"

    @admin.display(description="Preview")
    def image_preview(self, obj: Any) -> str:
        picture = images.picture(obj.image.name) if obj is not None else None
        if picture is None:
            return "No image yet."
        return format_html(
            '<img src="{}" width="200" height="200" alt="{}">', picture.src, str(obj)
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        upload = form.cleaned_data.get("image")
        if not isinstance(upload, UploadedFile):
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        obj.image = form.initial.get("image") or ""  # the field itself must not store the file
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        images.attach(obj, upload, folder=self.image_folder)


class ProductImageForm(ImageForm):
    """A gallery picture uploaded in the admin is stored as the main image is: under its content
    hash, with its thumbnails made once."""

    class Meta:
        model = ProductImage
        fields = ["image", "alt", "position"]

    def save(self, commit: bool = True) -> Any:
        upload = self.cleaned_data.get("image")
        photo = super().save(commit=False)
        if isinstance(upload, UploadedFile):
            upload.seek(0)
            data, extension = images.read_checked(upload)
            photo.image = images.store(data, extension, folder="products")
        if commit:
            photo.save()
        return photo


class ProductImageInline(ImageAdminMixin, admin.TabularInline[ProductImage, Product]):
    """More pictures after the main image, each with its alt text, in `position` order."""

    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ["image", "image_preview", "alt", "position"]
    readonly_fields = ["image_preview"]
    verbose_name = "more picture"
    verbose_name_plural = "More pictures (after the main image)"


@admin.register(Product)
class ProductAdmin(
    StockAdminMixin,
    PriceHistoryAdminMixin,
    TransferAdminMixin,
    ImageAdminMixin,
    CheckedAutocompleteMixin,
    admin.ModelAdmin[Product],
):
    transfer_kind = "products"
    list_display = ["name", "sku", "step", "price_amount", "stock", "active", "days_of_use"]
    list_display_links = ["name"]
    list_filter = ["step", "concerns", "active"]
    list_select_related = ["step"]
    search_fields = ["name", "sku", "product_ingredients__ingredient__name"]
    search_help_text = "Search by name, SKU or ingredient."
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["concerns"]
    inlines = [ProductIngredientInline, ProductImageInline]
    actions = bulk_admin.ACTIONS
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at", "image_preview", "price_history_chart"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "slug",
                    "sku",
                    "step",
                    "summary",
                    "description",
                    "image",
                    "image_preview",
                ]
            },
        ),
        ("Selling", {"fields": ["price_amount", "stock", "active", "days_of_use"]}),
        ("Price history", {"fields": ["price_history_chart"]}),
        ("Skin concerns", {"fields": ["concerns"]}),
        ("History", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Product], search_term: str
    ) -> tuple[QuerySet[Product], bool]:
        results, _ = super().get_search_results(request, queryset, search_term)
        # Searching across ingredients joins a to-many relation; dedupe with a subquery.
        return queryset.filter(pk__in=results.values("pk")), False


@admin.register(Step)
class StepAdmin(admin.ModelAdmin[Step]):
    list_display = ["position", "name", "slug", "optional", "summary"]
    list_display_links = ["name"]
    ordering = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Ingredient)
class IngredientAdmin(admin.ModelAdmin[Ingredient]):
    list_display = ["name", "slug", "benefit_count"]
    search_fields = ["name", "benefits"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="Benefits")
    def benefit_count(self, ingredient: Ingredient) -> int:
        return len(ingredient.benefit_list)


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin[Concern]):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
