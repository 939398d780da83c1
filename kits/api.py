"""Kits API: public reads, staff writes (routines are kits.routine_api).

Responses are built as plain dicts from prefetched objects and the pricing service's figures
(the serializers named in `extend_schema` describe them for the OpenAPI schema); requests are
validated by DRF serializers and written by `kits.services`.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError
from kits import selectors, services
from kits.models import MAX_PART_QUANTITY, Kit, KitPriceChange, Routine
from kits.prices import kit_figures
from shop.catalog import price_history
from shop.catalog.models import Product
from shop.catalog.pricing import currency

# -- output ------------------------------------------------------------------------------------


def kit_lowest_price_30d(kit: Kit) -> str | None:
    lowest = price_history.lowest_price_30d(kit, history=KitPriceChange, owner="kit")
    return None if lowest is None else f"{lowest:.2f}"


def kit_data(kit: Kit, request: Request) -> dict[str, Any]:
    """The contract's Kit, plus currency, summary, description, active, part names, and `image`
    and `thumbnail` as absolute URLs (or null), as products have them."""
    picture = kit.picture
    figures = kit_figures(selectors.kit_info_of(kit))
    return {
        "currency": currency(),
        "slug": kit.slug,
        "name": kit.name,
        "summary": kit.summary,
        "description": kit.description,
        "price": f"{kit.price_amount:.2f}",
        "lowest_price_30d": kit_lowest_price_30d(kit),
        "value": str(figures.value),
        "savings": str(figures.savings),
        "components": [
            {"product": p.product.slug, "name": p.product.name, "quantity": p.quantity}
            for p in kit.components.all()
        ],
        "gifts": [
            {"product": p.product.slug, "name": p.product.name, "quantity": p.quantity}
            for p in kit.gifts.all()
        ],
        "gift_value": str(figures.gift_value),
        "available": figures.available,
        "stock": figures.stock,
        "active": kit.active,
        "image": request.build_absolute_uri(picture.original) if picture else None,
        "thumbnail": request.build_absolute_uri(picture.src) if picture else None,
    }


class PartSchema(serializers.Serializer[Any]):
    product = serializers.SlugField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class KitSchema(serializers.Serializer[Any]):
    currency = serializers.CharField()
    slug = serializers.SlugField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    price = serializers.DecimalField(max_digits=10, decimal_places=2)
    lowest_price_30d = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    value = serializers.DecimalField(max_digits=10, decimal_places=2)
    savings = serializers.DecimalField(max_digits=10, decimal_places=2)
    components = PartSchema(many=True)
    gifts = PartSchema(many=True)
    gift_value = serializers.DecimalField(max_digits=10, decimal_places=2)
    available = serializers.BooleanField()
    stock = serializers.IntegerField()
    active = serializers.BooleanField()
    image = serializers.CharField(allow_null=True)
    thumbnail = serializers.CharField(allow_null=True)


def products_by_slug(slugs: list[str]) -> dict[str, Product]:
    return {p.slug: p for p in Product.objects.select_related("step").filter(slug__in=slugs)}


class WholeItems(serializers.ListField):
    """A list of nested objects, each validated whole, also inside a PATCH.

    The list replaces what was there, so its items are never partial; DRF would otherwise let
    them inherit `partial=True` from the root and skip their required fields and defaults.
    """

    def __init__(self, *, item: type[serializers.Serializer[Any]], **kwargs: Any) -> None:
        self.item = item
        super().__init__(child=item(), **kwargs)

    def run_child_validation(self, data: list[Any]) -> list[Any]:
        result: list[Any] = []
        errors: dict[str, Any] = {}
        for index, value in enumerate(data):
            incoming = self.item(data=value)
            if incoming.is_valid():
                result.append(incoming.validated_data)
            else:
                errors[str(index)] = incoming.errors
        if errors:
            raise serializers.ValidationError(errors)
        return result


class PartInput(serializers.Serializer[Any]):
    product = serializers.SlugField(max_length=120)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_PART_QUANTITY, default=1)


def _resolve_parts(parts: list[dict[str, Any]]) -> list[services.PartSpec]:
    """Product slugs to products; unknown ones and repeats are errors naming their place."""
    found = products_by_slug([part["product"] for part in parts])
    errors: dict[str, Any] = {}
    seen: set[str] = set()
    for index, part in enumerate(parts):
        slug = part["product"]
        if slug not in found:
            errors[str(index)] = {"product": [f'No product is called "{slug}".']}
        elif slug in seen:
            errors[str(index)] = {"product": [f"{found[slug].name} is listed twice."]}
        seen.add(slug)
    if errors:
        raise serializers.ValidationError(errors)
    return [services.PartSpec(found[p["product"]], p["quantity"]) for p in parts]


class ShelfInput(serializers.Serializer[Any]):
    """What kits and routines both have: a name, a unique slug and their place in the shop."""

    model: type[Kit] | type[Routine]
    noun: str

    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=120)
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)

    def validate_slug(self, slug: str) -> str:
        others = self.model.objects.filter(slug=slug)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(f"A {self.noun} with this slug already exists.")
        return slug


class KitInput(ShelfInput):
    model = Kit
    noun = "kit"

    price = serializers.DecimalField(
        source="price_amount", max_digits=10, decimal_places=2, min_value=0
    )
    components = WholeItems(
        item=PartInput,
        min_length=1,
        max_length=50,
        error_messages={"min_length": "A kit needs at least one product."},
    )
    gifts = WholeItems(item=PartInput, max_length=50, required=False)

    def validate_components(self, parts: list[dict[str, Any]]) -> list[services.PartSpec]:
        return _resolve_parts(parts)

    def validate_gifts(self, parts: list[dict[str, Any]]) -> list[services.PartSpec]:
        return _resolve_parts(parts)


# -- views -------------------------------------------------------------------------------------


def staff_request(request: Request) -> bool:
    return bool(request.user and request.user.is_staff)


class KitListCreateApi(generics.GenericAPIView[Kit]):
    serializer_class = KitSchema  # documents kit_data(); responses are built by hand

    @extend_schema(responses=KitSchema(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.kit_list(include_inactive=staff_request(request)))
        return self.get_paginated_response([kit_data(kit, request) for kit in page or []])

    @extend_schema(request=KitInput, responses={201: KitSchema})
    def post(self, request: Request) -> Response:
        incoming = KitInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        with price_history.price_changes_by(source="api", user=request.user):
            created = services.kit_create(**incoming.validated_data)
        kit = selectors.kit_get(slug=created.slug, include_inactive=True)
        assert kit is not None
        return Response(kit_data(kit, request), status=status.HTTP_201_CREATED)


class KitDetailApi(APIView):
    def _get(self, request: Request, slug: str) -> Kit:
        kit = selectors.kit_get(slug=slug, include_inactive=staff_request(request))
        if kit is None:
            raise ApiError(status=404, code="not_found", detail=f"No kit {slug[:120]!r}.")
        return kit

    @extend_schema(responses=KitSchema)
    def get(self, request: Request, slug: str) -> Response:
        return Response(kit_data(self._get(request, slug), request))

    @extend_schema(request=KitInput, responses=KitSchema)
    def patch(self, request: Request, slug: str) -> Response:
        kit = self._get(request, slug)
        incoming = KitInput(kit, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        with price_history.price_changes_by(source="api", user=request.user):
            updated = services.kit_update(kit=kit, data=dict(incoming.validated_data))
        fresh = selectors.kit_get(slug=updated.slug, include_inactive=True)
        assert fresh is not None
        return Response(kit_data(fresh, request))
