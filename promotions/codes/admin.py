"""Admin for promo codes: promotions with their codes, uses, remaining uses and money given
away; bulk generation with a progress page; CSV export; redemptions; and the simulator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.admin import ReadOnlyAdminMixin
from kits.models import Kit, Routine
from promotions.codes import figures, services, tasks
from promotions.codes.api import csv_response
from promotions.codes.models import (
    BATCH_MAX,
    GENERATED_LENGTH_MAX,
    GENERATED_LENGTH_MIN,
    GENERATED_PREFIX_MAX,
    CodeBatch,
    PromoCode,
    Promotion,
    Redemption,
)
from promotions.codes.selectors import promo_code_normalise
from promotions.codes.simulator import promo_simulate
from shop.catalog.models import Product

# -- forms ---------------------------------------------------------------------------------------


class PromoCodeForm(forms.ModelForm[PromoCode]):
    """Codes are typed in any case and stored normalised; look-alikes and odd characters are
    refused with a message next to the field."""

    class Meta:
        model = PromoCode
        fields = ["code", "promotion", "max_uses", "public"]

    def clean_code(self) -> str:
        code = promo_code_normalise(self.cleaned_data.get("code") or "")
        problem = services.promo_code_problem(code)
        if problem:
            raise ValidationError(problem)
        return code


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(
        min_value=1, max_value=BATCH_MAX, initial=100, help_text=f"Up to {BATCH_MAX:,}."
    )
    code_prefix = forms.CharField(
        label="Prefix",
        required=False,
        max_length=GENERATED_PREFIX_MAX,
        help_text="Optional, e.g. SPRING-. Capitals, digits, '-' and '_'.",
    )
    length = forms.IntegerField(
        min_value=GENERATED_LENGTH_MIN,
        max_value=GENERATED_LENGTH_MAX,
        initial=10,
        help_text="Random characters after the prefix, without look-alikes (0/O, 1/I/L). "
        "10 characters: about 50 bits, guessing is hopeless.",
    )
    max_uses = forms.IntegerField(
        min_value=1,
        required=False,
        initial=1,
        help_text="Uses per code: 1 for single-use codes. Empty: only the promotion's limits.",
    )

    def clean_code_prefix(self) -> str:
        prefix = promo_code_normalise(self.cleaned_data.get("code_prefix") or "")
        errors = services.promo_codes_generate_check(count=1, prefix=prefix, length=10)
        if "prefix" in errors:
            raise ValidationError(errors["prefix"])
        return prefix


PRODUCT_ROWS = 4
KIT_ROWS = 2


class SimulatorForm(forms.Form):
    """A sample cart: a few product and kit lines and one routine, then a code."""

    code = forms.CharField(required=False, max_length=64, help_text="As a shopper would type it.")
    email = forms.EmailField(
        required=False, help_text="Optional: counts this customer's earlier uses."
    )
    at = forms.DateTimeField(
        required=False,
        label="Price as of",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: now. Pick the launch date to preview a scheduled promotion.",
    )
    treat_as_active = forms.BooleanField(
        required=False,
        label="Preview as if active",
        help_text="Price an inactive promotion as if it were switched on.",
    )
    routine = forms.ModelChoiceField(Routine.objects.filter(active=True), required=False)
    routine_products = forms.ModelMultipleChoiceField(
        Product.objects.filter(active=True),
        required=False,
        label="Routine selections",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    routine_quantity = forms.IntegerField(min_value=1, max_value=99, initial=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = Product.objects.filter(active=True).select_related("step")
        kits = Kit.objects.filter(active=True)
        for n in range(1, PRODUCT_ROWS + 1):
            self.fields[f"product_{n}"] = forms.ModelChoiceField(
                products, required=False, label=f"Product {n}"
            )
            self.fields[f"product_{n}_quantity"] = forms.IntegerField(
                min_value=1, max_value=99, initial=1, required=False, label="Quantity"
            )
        for n in range(1, KIT_ROWS + 1):
            self.fields[f"kit_{n}"] = forms.ModelChoiceField(kits, required=False, label=f"Kit {n}")
            self.fields[f"kit_{n}_quantity"] = forms.IntegerField(
                min_value=1, max_value=99, initial=1, required=False, label="Quantity"
            )

    def items(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        items: list[dict[str, Any]] = []
        for n in range(1, PRODUCT_ROWS + 1):
            if data.get(f"product_{n}"):
                items.append(
                    {
                        "product": data[f"product_{n}"].slug,
                        "quantity": data.get(f"product_{n}_quantity") or 1,
                    }
                )
        for n in range(1, KIT_ROWS + 1):
            if data.get(f"kit_{n}"):
                items.append(
                    {"kit": data[f"kit_{n}"].slug, "quantity": data.get(f"kit_{n}_quantity") or 1}
                )
        if data.get("routine"):
            items.append(
                {
                    "routine": data["routine"].slug,
                    "selections": [p.slug for p in data.get("routine_products") or []],
                    "quantity": data.get("routine_quantity") or 1,
                }
            )
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.items():
            raise ValidationError("Add at least one product, kit or routine to the sample cart.")
        return data


# -- inlines -------------------------------------------------------------------------------------


class NamedCodeInline(admin.TabularInline[PromoCode, Promotion]):
    """The promotion's advertised codes (generated ones are listed on their own page)."""

    model = PromoCode
    form = PromoCodeForm
    fields = ["code", "max_uses", "uses", "public"]
    readonly_fields = ["uses"]
    extra = 1
    verbose_name = "named code"
    verbose_name_plural = "named codes (advertised; generated codes are under “All codes”)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[PromoCode]:
        return super().get_queryset(request).filter(batch__isnull=True, issued_to="")


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


# -- promotions ----------------------------------------------------------------------------------


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin[Promotion]):
    change_form_template = "promotions/admin/promotion_change_form.html"
    list_display = [
        "name",
        "kind",
        "value_display",
        "status_display",
        "starts_at",
        "ends_at",
        "uses",
        "remaining_display",
        "code_count_display",
        "given_away_display",
    ]
    list_filter = ["kind", "active", "combinable"]
    search_fields = ["name", "codes__code"]
    search_help_text = "Search by name or by one of its codes."
    filter_horizontal = ["products", "kits", "routines", "steps"]
    inlines = [NamedCodeInline]
    actions = ["generate_codes", "export_codes"]
    readonly_fields = ["uses", "remaining_display", "given_away_detail", "codes_link"]
    fieldsets = [
        (None, {"fields": ["name", "active", "kind", "value", "gift_product"]}),
        (
            "What it applies to (nothing chosen: the whole cart)",
            {"fields": ["products", "kits", "routines", "steps", "applies_to_bundles"]},
        ),
        (
            "When and how often",
            {
                "fields": [
                    "starts_at",
                    "ends_at",
                    "usage_limit",
                    "per_customer_limit",
                    "min_subtotal_amount",
                    "combinable",
                ]
            },
        ),
        ("Use", {"fields": ["uses", "remaining_display", "given_away_detail", "codes_link"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Promotion]:
        return figures.promotion_list_with_figures()

    @admin.display(description="Value")
    def value_display(self, promotion: Promotion) -> str:
        if promotion.kind == Promotion.Kind.PERCENT:
            return f"{promotion.value.normalize():f}%"
        if promotion.kind == Promotion.Kind.AMOUNT:
            return f"{promotion.value:.2f}"
        if promotion.kind == Promotion.Kind.GIFT and promotion.gift_product_id:
            return str(promotion.gift_product)
        return "-"

    @admin.display(description="Status")
    def status_display(self, promotion: Promotion) -> str:
        return promotion.status()

    @admin.display(description="Remaining uses")
    def remaining_display(self, promotion: Promotion) -> str:
        remaining = promotion.remaining
        return "no limit" if remaining is None else str(remaining)

    @admin.display(description="Codes", ordering="code_count")
    def code_count_display(self, promotion: Any) -> int:
        return int(getattr(promotion, "code_count", 0))

    @admin.display(description="Given away", ordering="given_away")
    def given_away_display(self, promotion: Any) -> str:
        return f"{getattr(promotion, 'given_away', 0):.2f}"

    @admin.display(description="Money given away")
    def given_away_detail(self, promotion: Promotion) -> str:
        if promotion.pk is None:
            return "-"
        totals = figures.promotion_given_away(promotion=promotion)
        return (
            f"{totals['total']:.2f} (discounts {totals['discount']:.2f}, shipping "
            f"{totals['shipping']:.2f}, gifts {totals['gifts']:.2f}) on orders not cancelled"
        )

    @admin.display(description="Codes")
    def codes_link(self, promotion: Promotion) -> SafeString | str:
        if promotion.pk is None:
            return "Save the promotion first."
        return format_html(
            '<a href="{}?promotion__id__exact={}">All {} codes</a> · '
            '<a href="{}">Generate codes</a> · <a href="{}">Export CSV</a> · '
            '<a href="{}?promotion__id__exact={}">Redemptions</a> · <a href="{}">Simulator</a>',
            reverse("admin:promotions_promocode_changelist"),
            promotion.pk,
            promotion.codes.count(),
            reverse("admin:promotions_promotion_generate", args=[promotion.pk]),
            reverse("admin:promotions_promotion_export", args=[promotion.pk]),
            reverse("admin:promotions_redemption_changelist"),
            promotion.pk,
            reverse("admin:promotions_promotion_simulate_one", args=[promotion.pk]),
        )

    # -- actions

    @admin.action(description="Generate codes for the selected promotion")
    def generate_codes(
        self, request: HttpRequest, queryset: QuerySet[Promotion]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one promotion.", messages.WARNING)
            return None
        promotion = queryset.get()
        return HttpResponseRedirect(
            reverse("admin:promotions_promotion_generate", args=[promotion.pk])
        )

    @admin.action(description="Export codes and their use as CSV")
    def export_codes(self, request: HttpRequest, queryset: QuerySet[Promotion]) -> HttpResponseBase:
        ids = list(queryset.values_list("pk", flat=True))
        return csv_response(figures.promo_code_export_rows(promotions=ids), "promo-codes.csv")

    # -- views

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("simulate/", view(self.simulate_view), name="promotions_promotion_simulate"),
            path(
                "<int:promotion_id>/simulate/",
                view(self.simulate_view),
                name="promotions_promotion_simulate_one",
            ),
            path(
                "<int:promotion_id>/generate/",
                view(self.generate_view),
                name="promotions_promotion_generate",
            ),
            path(
                "<int:promotion_id>/export/",
                view(self.export_view),
                name="promotions_promotion_export",
            ),
            path(
                "batch/<int:batch_id>/",
                view(self.batch_view),
                name="promotions_promotion_batch",
            ),
            path(
                "batch/<int:batch_id>/progress.json",
                view(self.batch_progress_view),
                name="promotions_promotion_batch_progress",
            ),
            *super().get_urls(),
        ]

    def _promotion_or_404(self, request: HttpRequest, promotion_id: int) -> Promotion:
        promotion = get_object_or_404(Promotion, pk=promotion_id)
        return promotion

    def generate_view(self, request: HttpRequest, promotion_id: int) -> HttpResponse:
        promotion = self._promotion_or_404(request, promotion_id)
        if not self.has_change_permission(request, promotion):
            return HttpResponse(status=403)
        form = GenerateCodesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                batch = services.code_batch_create(
                    promotion=promotion,
                    count=data["count"],
                    prefix=data["code_prefix"],
                    length=data["length"],
                    max_uses=data["max_uses"],
                    user=request.user,
                )
                transaction.on_commit(lambda: tasks.code_batch_generate.delay(batch.pk))
            return HttpResponseRedirect(
                reverse("admin:promotions_promotion_batch", args=[batch.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Generate codes for {promotion}",
            "opts": self.model._meta,
            "promotion": promotion,
            "form": form,
        }
        return TemplateResponse(request, "promotions/admin/generate_codes.html", context)

    def batch_view(self, request: HttpRequest, batch_id: int) -> HttpResponse:
        batch = get_object_or_404(CodeBatch.objects.select_related("promotion"), pk=batch_id)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Codes for {batch.promotion}",
            "opts": self.model._meta,
            "batch": batch,
            "finished": batch.status in (CodeBatch.Status.DONE, CodeBatch.Status.FAILED),
            "codes_url": reverse("admin:promotions_promocode_changelist")
            + f"?batch__id__exact={batch.pk}",
            "export_url": reverse("admin:promotions_promotion_export", args=[batch.promotion_id])
            + f"?batch={batch.pk}",
            "progress_url": reverse("admin:promotions_promotion_batch_progress", args=[batch.pk]),
        }
        return TemplateResponse(request, "promotions/admin/batch_progress.html", context)

    def batch_progress_view(self, request: HttpRequest, batch_id: int) -> JsonResponse:
        batch = get_object_or_404(CodeBatch, pk=batch_id)
        return JsonResponse(
            {
                "status": batch.status,
                "status_label": batch.get_status_display(),
                "generated": batch.generated,
                "count": batch.count,
                "percent": batch.percent,
                "error": batch.error,
            }
        )

    def export_view(self, request: HttpRequest, promotion_id: int) -> HttpResponseBase:
        promotion = self._promotion_or_404(request, promotion_id)
        raw = request.GET.get("batch", "")
        batch = int(raw) if raw.isdigit() and len(raw) < 12 else None
        rows = figures.promo_code_export_rows(promotions=[promotion.pk], batch=batch)
        suffix = f"-batch-{batch}" if batch is not None else ""
        return csv_response(rows, f"promotion-{promotion.pk}{suffix}-codes.csv")

    def simulate_view(self, request: HttpRequest, promotion_id: int | None = None) -> HttpResponse:
        promotion = None
        if promotion_id is not None:
            promotion = self._promotion_or_404(request, promotion_id)
        initial: dict[str, Any] = {}
        if promotion is not None:
            first = promotion.codes.filter(public=True).order_by("pk").first()
            initial["code"] = first.code if first else ""
            initial["treat_as_active"] = not promotion.active
            if promotion.starts_at and promotion.starts_at > timezone.now():
                initial["at"] = timezone.localtime(promotion.starts_at).strftime("%Y-%m-%dT%H:%M")
        form = SimulatorForm(request.GET if "simulate" in request.GET else None, initial=initial)
        simulation = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            at: datetime = data.get("at") or timezone.now()
            simulation = promo_simulate(
                items=form.items(),
                code=data.get("code") or "",
                email=data.get("email") or None,
                at=at,
                promotion=promotion,
                treat_as_active=bool(data.get("treat_as_active")),
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Simulator: {promotion}" if promotion else "Promo code simulator",
            "opts": self.model._meta,
            "promotion": promotion,
            "form": form,
            "simulation": simulation,
            "breakdown": simulation.breakdown.to_dict()
            if simulation and simulation.breakdown
            else None,
            "code_fields": [form[name] for name in ("code", "email", "at", "treat_as_active")],
            "product_rows": [
                (form[f"product_{n}"], form[f"product_{n}_quantity"])
                for n in range(1, PRODUCT_ROWS + 1)
            ],
            "kit_rows": [
                (form[f"kit_{n}"], form[f"kit_{n}_quantity"]) for n in range(1, KIT_ROWS + 1)
            ],
        }
        return TemplateResponse(request, "promotions/admin/simulate.html", context)


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
