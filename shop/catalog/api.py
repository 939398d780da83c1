"""Catalog API: steps and products (public reads, staff writes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError, IsStaff, SlugRelatedField
from config.parsers import JSONParser
from shop.catalog import images, price_history, selectors, services
from shop.catalog.models import Concern, Ingredient, Product, Step


class StepSerializer(serializers.ModelSerializer[Step]):
    class Meta:
        model = Step
        fields = ["slug", "name", "position", "optional", "summary"]


class IngredientRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


class ProductSerializer(serializers.Serializer[Product]):
    """The contract's Product, plus `currency`, `summary` and `key_ingredients`; `image` and
    `thumbnail` are absolute URLs when the serializer's context has the request."""

    currency = serializers.SerializerMethodField()
    slug = serializers.CharField()
    sku = serializers.CharField()
    name = serializers.CharField()
    step = serializers.CharField(source="step.slug")
    summary = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(source="price_amount", max_digits=10, decimal_places=2)
    lowest_price_30d = serializers.SerializerMethodField()
    stock = serializers.IntegerField()
    available = serializers.BooleanField()
    active = serializers.BooleanField()
    ingredients = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()
    days_of_use = serializers.IntegerField()
    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    def get_currency(self, product: Product) -> str:
        return str(settings.SHOP_CURRENCY)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True))
    def get_lowest_price_30d(self, product: Product) -> str | None:
        lowest = price_history.lowest_price_30d(
            product, history=price_history.PriceChange, owner="product"
        )
        return None if lowest is None else f"{lowest:.2f}"

    @extend_schema(responses=IngredientRefSerializer(many=True))
    def get_ingredients(self, product: Product) -> list[dict[str, str]]:
        return [
            {"slug": pi.ingredient.slug, "name": pi.ingredient.name}
            for pi in product.product_ingredients.all()
        ]

    def get_concerns(self, product: Product) -> list[str]:
        return [concern.slug for concern in product.concerns.all()]

    def _absolute(self, url: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_image(self, product: Product) -> str | None:
        return self._absolute(product.image.url) if product.image else None

    def get_thumbnail(self, product: Product) -> str | None:
        picture = product.picture
        return self._absolute(picture.src) if picture else None

    def to_representation(self, product: Product) -> dict[str, Any]:
        # Hand-written for speed (the product list is a hot path); the fields above still
        # describe the shape for the OpenAPI schema and a test keeps the two in step.
        return {
            "currency": settings.SHOP_CURRENCY,
            "slug": product.slug,
            "sku": product.sku,
            "name": product.name,
            "step": product.step.slug,
            "summary": product.summary,
            "description": product.description,
            "price": f"{product.price_amount:.2f}",
            "lowest_price_30d": self.get_lowest_price_30d(product),
            "stock": product.stock,
            "available": product.available,
            "active": product.active,
            "ingredients": self.get_ingredients(product),
            "concerns": self.get_concerns(product),
            "days_of_use": product.days_of_use,
            "image": self.get_image(product),
            "thumbnail": self.get_thumbnail(product),
        }


class SlugListField(serializers.ListField):
    """A list of slugs resolved against a model; unknown slugs are a field error."""

    def __init__(self, *, model: type[Any], **kwargs: Any) -> None:
        self.model = model
        super().__init__(child=serializers.SlugField(max_length=120), max_length=50, **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list):
            # Accept [{"slug": ...}] as well as [slug]: the read shape can be sent back.
            data = [item.get("slug") if isinstance(item, dict) else item for item in data]
        slugs = super().to_internal_value(data)
        found = {obj.slug: obj for obj in self.model.objects.filter(slug__in=slugs)}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise serializers.ValidationError(f"Unknown: {', '.join(missing)}.")
        return [found[slug] for slug in dict.fromkeys(slugs)]


class ProductWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=120)
    sku = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=40)
    step = SlugRelatedField(slug_field="slug", queryset=Step.objects.all())
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    price = serializers.DecimalField(
        source="price_amount", max_digits=10, decimal_places=2, min_value=0, coerce_to_string=True
    )
    stock = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False)
    active = serializers.BooleanField(required=False)
    days_of_use = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    ingredients = SlugListField(model=Ingredient, required=False)
    concerns = SlugListField(model=Concern, required=False)


def _filters_from(request: Request) -> selectors.ProductFilters:
    params = request.query_params
    values = {name: params.get(name, "").strip() for name in ("step", "concern", "ingredient", "q")}
    for name, value in values.items():
        if len(value) > 200:
            raise ApiError(
                status=400,
                code="invalid_filter",
                detail=f"{name} is too long (200 characters at most).",
                errors={name: ["Use 200 characters at most."]},
            )
    return selectors.ProductFilters(
        step=values["step"],
        concern=values["concern"],
        ingredient=values["ingredient"],
        q=values["q"],
    )


PRODUCT_FILTER_PARAMS = [
    OpenApiParameter("step", str, description="Step slug (cleanse, tone, renew, ...)"),
    OpenApiParameter("concern", str, description="Concern slug"),
    OpenApiParameter("ingredient", str, description="Ingredient slug"),
    OpenApiParameter("q", str, description="Search name, SKU, description, ingredients"),
]


def _product_data(request: Request, product: Product | None) -> dict[str, Any]:
    return ProductSerializer(product, context={"request": request}).data


class ImageInputSerializer(serializers.Serializer[Any]):
    image = serializers.FileField(help_text="PNG, JPEG or WebP, at most 5 MB.")


class StepListApi(generics.ListAPIView[Step]):
    serializer_class = StepSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.step_list()


class ProductListCreateApi(generics.GenericAPIView[Product]):
    serializer_class = ProductSerializer

    @extend_schema(parameters=PRODUCT_FILTER_PARAMS, responses=ProductSerializer(many=True))
    def get(self, request: Request) -> Response:
        queryset = selectors.product_list(filters=_filters_from(request))
        page = self.paginate_queryset(queryset)
        data = ProductSerializer(page, many=True, context={"request": request}).data  # type: ignore[arg-type]
        return self.get_paginated_response(data)

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductSerializer})
    def post(self, request: Request) -> Response:
        incoming = ProductWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        with price_history.price_changes_by(source="api", user=request.user):
            created = services.product_create(**incoming.validated_data)
        product = selectors.product_get(slug=created.slug, include_inactive=True)
        return Response(_product_data(request, product), status=status.HTTP_201_CREATED)


def _product_or_404(request: Request, slug: str) -> Product:
    staff = bool(request.user and request.user.is_staff)
    product = selectors.product_get(slug=slug, include_inactive=staff)
    if product is None:
        raise ApiError(status=404, code="not_found", detail=f"No product {slug[:120]!r}.")
    return product


class ProductDetailApi(APIView):
    @extend_schema(responses=ProductSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(_product_data(request, _product_or_404(request, slug)))

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        product = _product_or_404(request, slug)
        incoming = ProductWriteSerializer(product, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        with price_history.price_changes_by(source="api", user=request.user):
            updated = services.product_update(
                product=product, data=dict(incoming.validated_data), user=request.user
            )
        fresh = selectors.product_get(slug=updated.slug, include_inactive=True)
        return Response(_product_data(request, fresh))


class ProductImageApi(APIView):
    """Staff: replace a product's image; the thumbnails are made now, not when shown."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": ImageInputSerializer},
        responses={200: ProductSerializer},
    )
    def post(self, request: Request, slug: str) -> Response:
        product = _product_or_404(request, slug)
        upload = request.FILES.get("image") if hasattr(request, "FILES") else None
        images.attach(product, upload, folder="products")
        return Response(_product_data(request, product))


PRICE_PERIODS = inline_serializer(
    name="PricePeriod",
    many=True,
    fields={
        "price": serializers.DecimalField(max_digits=10, decimal_places=2),
        "from": serializers.DateTimeField(),
        "to": serializers.DateTimeField(allow_null=True),
        "source": serializers.ChoiceField(choices=price_history.Source.choices),
        "changed_by": serializers.CharField(allow_null=True, help_text="A username."),
    },
)
_TIME = serializers.DateTimeField()


def _period_data(period: price_history.Period) -> dict[str, Any]:
    return {
        "price": f"{period.price:.2f}",
        "from": _TIME.to_representation(period.start),
        "to": None if period.end is None else _TIME.to_representation(period.end),
        "source": period.source,
        "changed_by": period.changed_by,
    }


class ProductPricesApi(APIView):
    """Staff: the product's price history, oldest first; `to` is null for the current price."""

    permission_classes = [IsStaff]

    @extend_schema(responses=PRICE_PERIODS)
    def get(self, request: Request, slug: str) -> Response:
        product = _product_or_404(request, slug)
        return Response([_period_data(p) for p in price_history.product_periods(product)])
