"""Promo code API: staff promotions, bulk codes and CSV export, and the throttled code lookup
that the quote and the cart endpoints share."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError, IsStaff, PageNumberPagination, json_object
from config.client import client_ip
from promotions.codes import figures, generation, guard, services, tasks
from promotions.codes.models import CodeBatch, PromoCode, Promotion
from promotions.codes.offer_fields import UNITS_MAX
from shop.catalog.offers import TOKEN_UNREAD

# -- the throttled lookup ----------------------------------------------------------------------


def promo_rules_checked(
    request: Any,
    *,
    codes: Sequence[str],
    email: str | None,
    cart: str | None = None,
    reveal: bool = False,
    now: datetime | None = None,
    token: str | None = TOKEN_UNREAD,
) -> guard.AttemptResult:
    """`guard.promo_code_attempt` for an API request (client = its address; `cart` the cart id
    for the per-cart counter); raises guard.TooManyAttempts. See `promotions.codes.guard` for
    which codes `reveal=False` answers as unknown. `token`: the catalog token the caller has
    just read (the quote, for its snapshot), so that a code held in memory costs no query."""
    return guard.promo_code_attempt(
        codes=codes,
        email=email,
        now=now or timezone.now(),
        client=guard.client_key(client_ip(request)),
        cart=cart,
        reveal=reveal,
        token=token,
    )


# -- representations ---------------------------------------------------------------------------


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def promotion_data(promotion: Promotion) -> dict[str, Any]:
    """A promotion as the staff API shows it (scope by slug; only the named codes listed)."""
    kits = sorted(k.slug for k in promotion.kits.all())
    routines = sorted(r.slug for r in promotion.routines.all())
    return {
        "id": promotion.pk,
        "name": promotion.name,
        "kind": promotion.kind,
        "value": f"{promotion.value:.2f}",
        "currency": settings.SHOP_CURRENCY,
        "gift": promotion.gift_product.slug if promotion.gift_product else None,
        "applies_to_bundles": promotion.applies_to_bundles,
        "products": sorted(p.slug for p in promotion.products.all()),
        "kits": kits,
        "routines": routines,
        "steps": sorted(s.slug for s in promotion.steps.all()),
        "starts_at": promotion.starts_at,
        "ends_at": promotion.ends_at,
        "usage_limit": promotion.usage_limit,
        "per_customer_limit": promotion.per_customer_limit,
        "min_subtotal": _money(promotion.min_subtotal_amount),
        "combinable": promotion.combinable,
        "active": promotion.active,
        "automatic": promotion.automatic,
        "min_items": promotion.min_items,
        "buy": promotion.buy_quantity,
        "get": promotion.get_quantity,
        "priority": promotion.priority,
        "status": promotion.status(),
        "uses": promotion.uses,
        "remaining": promotion.remaining,
        "codes": [c.code for c in promotion.codes.filter(public=True).order_by("pk")[:1000]],
        "code_count": promotion.codes.count(),
        "given_away": _money(figures.promotion_given_away(promotion=promotion)["total"]),
    }


def batch_data(batch: CodeBatch) -> dict[str, Any]:
    promotion_id = batch.promotion_id
    return {
        "batch": batch.pk,
        "promotion": promotion_id,
        "status": batch.status,
        "count": batch.count,
        "generated": batch.generated,
        "prefix": batch.prefix,
        "length": batch.length,
        "max_uses": batch.max_uses,
        "error": batch.error,
        "progress_url": reverse("api-promotion-batch", args=[promotion_id, batch.pk]),
        "codes_url": reverse("api-promotion-codes", args=[promotion_id]) + f"?batch={batch.pk}",
        "export_url": reverse("api-promotion-codes-export", args=[promotion_id])
        + f"?batch={batch.pk}",
    }


# -- staff: promotions -------------------------------------------------------------------------


class PromotionWriteSerializer(serializers.Serializer[Any]):
    """Types only; the rules (percent <= 100, ends after starts, codes...) are the service's."""

    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Promotion.Kind.choices)
    value = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, default=Decimal("0")
    )
    applies_to_bundles = serializers.BooleanField(required=False, default=True)
    products = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, default=list, max_length=500
    )
    kits = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, default=list, max_length=500
    )
    routines = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, default=list, max_length=500
    )
    steps = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=50
    )
    gift = serializers.CharField(max_length=120, required=False, allow_null=True, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    usage_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2_000_000_000
    )
    per_customer_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2_000_000_000
    )
    min_subtotal = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True
    )
    combinable = serializers.BooleanField(required=False, default=False)
    active = serializers.BooleanField(required=False, default=True)
    codes = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        max_length=1000,
    )
    automatic = serializers.BooleanField(required=False, default=False)
    min_items = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=UNITS_MAX
    )
    buy = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=UNITS_MAX
    )
    get = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=UNITS_MAX
    )
    priority = serializers.IntegerField(required=False, default=0, min_value=-1000, max_value=1000)


class CodesRequestSchema(serializers.Serializer[Any]):
    count = serializers.IntegerField(min_value=1, max_value=100_000)
    prefix = serializers.CharField(required=False, allow_blank=True)
    length = serializers.IntegerField(required=False, min_value=8, max_value=32)
    max_uses = serializers.IntegerField(required=False, allow_null=True, min_value=1)


def _promotion(promotion_id: int) -> Promotion:
    promotion = (
        Promotion.objects.select_related("gift_product")
        .prefetch_related("products", "kits", "routines", "steps")
        .filter(pk=promotion_id)
        .first()
    )
    if promotion is None:
        raise ApiError(status=404, code="not_found", detail=f"No promotion {promotion_id}.")
    return promotion


class PromotionListApi(APIView):
    """Staff: list promotions, or create one (with named codes)."""

    permission_classes = [IsStaff]

    @extend_schema(operation_id="promotions_list", responses={200: dict[str, Any]})
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        queryset = Promotion.objects.select_related("gift_product").prefetch_related(
            "products", "kits", "routines", "steps"
        )
        page = paginator.paginate_queryset(queryset.order_by("-id"), request, view=self)
        return paginator.get_paginated_response([promotion_data(p) for p in page or []])

    @extend_schema(request=PromotionWriteSerializer, responses={201: dict[str, Any]})
    def post(self, request: Request) -> Response:
        incoming = PromotionWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        spec = services.PromotionSpec(
            name=data["name"],
            kind=data["kind"],
            value=data["value"],
            applies_to_bundles=data["applies_to_bundles"],
            products=data["products"],
            kits=data["kits"],
            routines=data["routines"],
            steps=data["steps"],
            gift=data.get("gift") or None,
            starts_at=data.get("starts_at"),
            ends_at=data.get("ends_at"),
            usage_limit=data.get("usage_limit"),
            per_customer_limit=data.get("per_customer_limit"),
            min_subtotal=data.get("min_subtotal"),
            combinable=data["combinable"],
            active=data["active"],
            codes=data["codes"],
            automatic=data["automatic"],
            min_items=data.get("min_items"),
            buy=data.get("buy"),
            get=data.get("get"),
            priority=data["priority"],
        )
        promotion = services.promotion_create(spec=spec)
        return Response(promotion_data(_promotion(promotion.pk)), status=status.HTTP_201_CREATED)


class PromotionDetailApi(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses={200: dict[str, Any]})
    def get(self, request: Request, promotion_id: int) -> Response:
        return Response(promotion_data(_promotion(promotion_id)))


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    # Empty is refused too: the schema says integer, and `?batch=` listing every code would
    # answer a different question than the one asked.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise ApiError(
            status=400,
            code="validation_error",
            title="Invalid input",
            detail=f"{name} must be a whole number.",
            errors={name: ["Enter a whole number."]},
        )
    return int(raw)


class PromotionCodesApi(APIView):
    """Staff: list a promotion's codes (`?batch=`), or generate new unique ones."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[OpenApiParameter("batch", int, required=False)],
        responses={200: dict[str, Any]},
    )
    def get(self, request: Request, promotion_id: int) -> Response:
        promotion = _promotion(promotion_id)
        queryset = PromoCode.objects.filter(promotion=promotion).order_by("pk")
        batch = _int_param(request, "batch")
        if batch is not None:
            queryset = queryset.filter(batch_id=batch)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(
            [
                {
                    "code": code.code,
                    "public": code.public,
                    "max_uses": code.max_uses,
                    "uses": code.uses,
                    "remaining": code.remaining,
                    "batch": code.batch_id,
                }
                for code in page or []
            ]
        )

    @extend_schema(request=CodesRequestSchema, responses={201: dict[str, Any], 202: dict[str, Any]})
    def post(self, request: Request, promotion_id: int) -> Response:
        promotion = _promotion(promotion_id)
        data = json_object(request.data)
        unknown = sorted(set(data) - {"count", "prefix", "length", "max_uses"})
        if unknown:
            raise ApiError(
                status=400,
                code="validation_error",
                title="Invalid input",
                detail=f"Unknown fields: {', '.join(str(name)[:40] for name in unknown[:5])}.",
                errors={str(name)[:40]: ["Unknown field."] for name in unknown[:5]},
            )
        # Checked once, by the service (the admin's form shares the check).
        batch = generation.code_batch_create(
            promotion=promotion,
            count=data.get("count", 0),
            prefix=data.get("prefix", ""),
            length=data.get("length", 10),
            max_uses=data.get("max_uses", 1),
            user=request.user,
        )
        if batch.count <= settings.PROMO_CODES_SYNC_MAX:
            done = generation.code_batch_run(batch_id=batch.pk)
            assert done is not None
            codes = list(done.codes.order_by("pk").values_list("code", flat=True))
            return Response({**batch_data(done), "codes": codes}, status=status.HTTP_201_CREATED)
        transaction.on_commit(lambda: tasks.code_batch_generate.delay(batch.pk))
        batch.refresh_from_db()
        return Response(batch_data(batch), status=status.HTTP_202_ACCEPTED)


class PromotionBatchApi(APIView):
    """Staff: progress of a bulk generation."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: dict[str, Any]})
    def get(self, request: Request, promotion_id: int, batch_id: int) -> Response:
        batch = CodeBatch.objects.filter(pk=batch_id, promotion_id=promotion_id).first()
        if batch is None:
            raise ApiError(status=404, code="not_found", detail=f"No code batch {batch_id}.")
        return Response(batch_data(batch))


# -- CSV export --------------------------------------------------------------------------------


class CsvRenderer(renderers.BaseRenderer):
    """Lets `Accept: text/csv` through negotiation; the export itself streams its own bytes,
    and errors (dicts) are written as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Any = None,
    ) -> bytes:
        return renderers.JSONRenderer().render(data)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    """Stream rows as a CSV download (admin and API share it)."""
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class PromotionCodesExportApi(APIView):
    """Staff: the promotion's codes and their use as CSV (`?batch=` for one batch)."""

    permission_classes = [IsStaff]
    renderer_classes = [renderers.JSONRenderer, CsvRenderer]

    @extend_schema(
        parameters=[OpenApiParameter("batch", int, required=False)],
        responses={(200, "text/csv"): str},
    )
    def get(self, request: Request, promotion_id: int) -> StreamingHttpResponse:
        promotion = _promotion(promotion_id)
        batch = _int_param(request, "batch")
        rows = figures.promo_code_export_rows(promotions=[promotion.pk], batch=batch)
        suffix = f"-batch-{batch}" if batch is not None else ""
        return csv_response(rows, f"promotion-{promotion.pk}{suffix}-codes.csv")
