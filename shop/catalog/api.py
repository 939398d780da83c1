"""Catalog API: steps, products (public reads, staff writes) and staff tokens."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import ApiError
from promotions.codes import api as promo_api
from shop.catalog import selectors, services
from shop.catalog.models import Concern, Ingredient, Product, Step
from shop.pricing import PricingError
from shop.quoting import services as quoting

logger = logging.getLogger(__name__)


class StepSerializer(serializers.ModelSerializer[Step]):
    class Meta:
        model = Step
        fields = ["slug", "name", "position", "optional", "summary"]


class IngredientRefSerializer(serializers.Serializer[Any]):
    slug = serializers.CharField()
    name = serializers.CharField()


class ProductSerializer(serializers.Serializer[Product]):
    """The contract's Product, plus `currency`, `summary`, `image` and `key_ingredients`."""

    currency = serializers.SerializerMethodField()
    slug = serializers.CharField()
    sku = serializers.CharField()
    name = serializers.CharField()
    step = serializers.CharField(source="step.slug")
    summary = serializers.CharField()
    description = serializers.CharField()
    price = serializers.DecimalField(source="price_amount", max_digits=10, decimal_places=2)
    stock = serializers.IntegerField()
    available = serializers.BooleanField()
    active = serializers.BooleanField()
    ingredients = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()
    days_of_use = serializers.IntegerField()
    image = serializers.SerializerMethodField()

    def get_currency(self, product: Product) -> str:
        return str(settings.SHOP_CURRENCY)

    @extend_schema(responses=IngredientRefSerializer(many=True))
    def get_ingredients(self, product: Product) -> list[dict[str, str]]:
        return [
            {"slug": pi.ingredient.slug, "name": pi.ingredient.name}
            for pi in product.product_ingredients.all()
        ]

    def get_concerns(self, product: Product) -> list[str]:
        return [concern.slug for concern in product.concerns.all()]

    def get_image(self, product: Product) -> str | None:
        return product.image.url if product.image else None

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
            "stock": product.stock,
            "available": product.available,
            "active": product.active,
            "ingredients": self.get_ingredients(product),
            "concerns": self.get_concerns(product),
            "days_of_use": product.days_of_use,
            "image": self.get_image(product),
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
    step = serializers.SlugRelatedField(slug_field="slug", queryset=Step.objects.all())
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


class StepListApi(generics.ListAPIView[Step]):
    serializer_class = StepSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.step_list()


class ProductListCreateApi(generics.GenericAPIView[Product]):
    serializer_class = ProductSerializer

    @extend_schema(parameters=PRODUCT_FILTER_PARAMS, responses=ProductSerializer(many=True))
    def get(self, request: Request) -> Response:
        try:
            queryset = selectors.product_list(filters=_filters_from(request))
        except selectors.UnknownFilter as exc:
            raise ApiError(
                status=400,
                code="invalid_filter",
                detail=str(exc),
                errors={exc.field: [f"No {exc.field} is called {exc.value!r}."]},
            ) from exc
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ProductSerializer(page, many=True).data)  # type: ignore[arg-type]

    @extend_schema(request=ProductWriteSerializer, responses={201: ProductSerializer})
    def post(self, request: Request) -> Response:
        incoming = ProductWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        created = services.product_create(**incoming.validated_data)
        product = selectors.product_get(slug=created.slug, include_inactive=True)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(APIView):
    def _get(self, request: Request, slug: str) -> Product:
        staff = bool(request.user and request.user.is_staff)
        product = selectors.product_get(slug=slug, include_inactive=staff)
        if product is None:
            raise ApiError(status=404, code="not_found", detail=f"No product {slug[:120]!r}.")
        return product

    @extend_schema(responses=ProductSerializer)
    def get(self, request: Request, slug: str) -> Response:
        return Response(ProductSerializer(self._get(request, slug)).data)

    @extend_schema(request=ProductWriteSerializer, responses=ProductSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        product = self._get(request, slug)
        incoming = ProductWriteSerializer(product, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        updated = services.product_update(product=product, data=dict(incoming.validated_data))
        return Response(
            ProductSerializer(selectors.product_get(slug=updated.slug, include_inactive=True)).data
        )


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


class TokenThrottle(AnonRateThrottle):
    scope = "token"


class TokenApi(APIView):
    """Exchange a staff username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request: Request) -> Response:
        incoming = TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = authenticate(request._request, **incoming.validated_data)
        if user is None:
            raise ApiError(
                status=400, code="invalid_credentials", detail="Wrong username or password."
            )
        if not user.is_staff:
            raise ApiError(status=403, code="not_staff", detail="API tokens are for staff only.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class QuoteItemSchema(serializers.Serializer[Any]):
    product = serializers.SlugField(required=False)
    kit = serializers.SlugField(required=False)
    routine = serializers.SlugField(required=False)
    selections = serializers.ListField(child=serializers.SlugField(), required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)


class QuoteRequestSchema(serializers.Serializer[Any]):
    items = QuoteItemSchema(many=True)
    promo_code = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=64
    )
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2)


class AdjustmentSchema(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["bundle", "promo", "shipping"]
    )
    rule = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    amount = _money()


class RejectionSchema(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=["bundle", "promo", "shipping"]
    )
    rule = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()


class ComponentShareSchema(serializers.Serializer[Any]):
    product = serializers.CharField()
    quantity = serializers.IntegerField()
    allocated = _money()
    gift = serializers.BooleanField(required=False, help_text="Present and true on gifts.")


class PricedLineSchema(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["product", "kit", "routine"])
    ref = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = _money()
    subtotal = _money()
    adjustments = AdjustmentSchema(many=True)
    total = _money()
    components = ComponentShareSchema(many=True)
    gift = serializers.BooleanField()


class BreakdownSchema(serializers.Serializer[Any]):
    """Documents `Breakdown.to_dict()`: the contract's quote shape, built by the pricing service."""

    currency = serializers.CharField()
    lines = PricedLineSchema(many=True)
    subtotal = _money()
    discount_total = _money()
    shipping = _money()
    total = _money()
    value = _money()
    savings = _money()
    applied = AdjustmentSchema(many=True)
    rejected = RejectionSchema(many=True)


class QuoteApi(APIView):
    """Price a cart without keeping it: the pricing service's Breakdown, as the contract says.

    Items are checked by hand rather than by a serializer so that every bad item is named with
    its index, slug and the rule it breaks (400 `invalid_items`), and to keep this hot path lean.
    Anonymous: no authentication is run, so a stale session never blocks a quote.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=QuoteRequestSchema, responses={200: BreakdownSchema})
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict):
            raise ApiError(
                status=400,
                code="invalid_items",
                detail="Send a JSON object with an items list.",
                errors={"items": ["Send a JSON object with an items list."]},
            )
        errors: dict[str, list[str]] = {}
        promo_code = data.get("promo_code")
        if promo_code is not None and (not isinstance(promo_code, str) or len(promo_code) > 64):
            errors["promo_code"] = ["Send the promo code as text (at most 64 characters)."]
        email = data.get("email")
        if email is not None and email != "":
            try:
                if not isinstance(email, str) or len(email) > 254:
                    raise DjangoValidationError("bad")
                validate_email(email)
            except DjangoValidationError:
                errors["email"] = ["Enter a valid email address."]
        if errors:
            raise ApiError(
                status=400,
                code="validation_error",
                title="Invalid input",
                detail="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
                errors=errors,
            )
        promos = None
        if promo_code and promo_code.strip():
            # Looked up under the promo-attempt throttle shared with the cart (429
            # too_many_attempts); the quote keeps every real rejection code.
            promos = promo_api.promo_rules_checked(
                request, codes=[promo_code], email=email or None, reveal=True
            ).rules
        try:
            breakdown = quoting.quote_build(
                items=data.get("items"),
                promo_codes=[promo_code] if promo_code else (),
                email=email or None,
                promos=promos,
            )
        except quoting.InvalidItems as exc:
            raise ApiError(
                status=400, code="invalid_items", detail=str(exc), errors=exc.errors
            ) from exc
        except PricingError as exc:
            # The checks above should leave nothing for the pricing service to refuse; if they
            # ever do, the shopper still gets a 400 and we get the traceback.
            logger.exception("Quote items passed the checks but pricing refused them")
            raise ApiError(
                status=400, code="invalid_items", detail=f"These items cannot be priced: {exc}"
            ) from exc
        return Response(breakdown.to_dict())
