"""Admin for promotions: their figures, named codes, and the pages to generate a batch of codes
(with its progress), export codes as CSV and simulate a code on a sample cart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

from promotions.codes import figures, generation, tasks
from promotions.codes.admin.forms import (
    KIT_ROWS,
    PRODUCT_ROWS,
    GenerateCodesForm,
    PromoCodeForm,
    SimulatorForm,
)
from promotions.codes.api import csv_response
from promotions.codes.models import CodeBatch, PromoCode, Promotion
from promotions.codes.offer_fields import AUTOMATIC_HAS_NO_CODES
from promotions.codes.simulator import promo_simulate

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

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)

        class NoCodesForOffers(formset):  # type: ignore[misc, valid-type]
            """A promotion being made an automatic offer gets no codes (on save, too)."""

            def clean(self) -> None:
                super().clean()
                named = [f for f in self.forms if f.cleaned_data.get("code")]
                named = [f for f in named if not f.cleaned_data.get("DELETE")]
                if self.instance.automatic and named:
                    raise ValidationError(AUTOMATIC_HAS_NO_CODES)

        return NoCodesForOffers


class PromotionTypeFilter(admin.SimpleListFilter):
    """Automatic offers or promotions with codes."""

    title = "type"
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("automatic", "Automatic offers"), ("code", "With codes")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Promotion]) -> QuerySet[Promotion]:
        if self.value() in ("automatic", "code"):
            return queryset.filter(automatic=self.value() == "automatic")
        return queryset


# -- promotions ----------------------------------------------------------------------------------


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin[Promotion]):
    change_form_template = "promotions/admin/promotion_change_form.html"
    list_display = [
        "name",
        "automatic",
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
    list_filter = [PromotionTypeFilter, "kind", "active", "combinable"]
    search_fields = ["name", "codes__code"]
    search_help_text = "Search by name or by one of its codes."
    filter_horizontal = ["products", "kits", "routines", "steps"]
    inlines = [NamedCodeInline]
    actions = ["generate_codes", "export_codes"]
    readonly_fields = ["uses", "remaining_display", "given_away_detail", "codes_link"]
    fieldsets = [
        (None, {"fields": ["name", "active", "kind", "value", "gift_product"]}),
        (
            "Automatic offer (applies by itself, without a code)",
            {
                "fields": ["automatic", "min_items", "buy_quantity", "get_quantity", "priority"],
                "description": "An automatic offer has no codes. Buy X get Y: in every group of "
                "buy + get eligible units, the cheapest “get” units are free.",
            },
        ),
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

    def get_inlines(self, request: HttpRequest, obj: Promotion | None) -> list[Any]:
        """No code inlines for an automatic offer: it has no codes."""
        return [] if obj is not None and obj.automatic else list(self.inlines)

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
        if promotion.automatic:
            return format_html(
                'Automatic offer: no codes · <a href="{}?promotion__id__exact={}">Uses</a> · '
                '<a href="{}">Simulator</a>',
                reverse("admin:promotions_redemption_changelist"),
                promotion.pk,
                reverse("admin:promotions_promotion_simulate_one", args=[promotion.pk]),
            )
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
        if promotion.automatic:
            self.message_user(request, AUTOMATIC_HAS_NO_CODES, messages.ERROR)
            change = reverse("admin:promotions_promotion_change", args=[promotion.pk])
            return HttpResponseRedirect(change)
        form = GenerateCodesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with transaction.atomic():
                batch = generation.code_batch_create(
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
        batch = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
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
