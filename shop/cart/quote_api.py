"""`POST /api/quote/`: price items without keeping a cart, the pricing service's Breakdown."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import TextField
from promotions.codes import api as promo_api
from shop.catalog.offers import TOKEN_UNREAD
from shop.pricing import MAX_QUANTITY, PromoRule, UnknownCode
from shop.quoting import services as quoting


class QuoteItemSchema(serializers.Serializer[Any]):
    product = serializers.SlugField(required=False)
    kit = serializers.SlugField(required=False)
    routine = serializers.SlugField(required=False)
    selections = serializers.ListField(child=serializers.SlugField(), required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


def _money() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=12, decimal_places=2)


# Where an adjustment comes from (API.md): a kit or routine tier, an automatic offer, a code,
# the shipping waiver.
ADJUSTMENT_SOURCES = ["bundle", "offer", "promo", "shipping"]


class AdjustmentSchema(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ADJUSTMENT_SOURCES
    )
    rule = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    amount = _money()


class RejectionSchema(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=ADJUSTMENT_SOURCES
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


@extend_schema_field(QuoteItemSchema(many=True))
class QuoteItemsField(serializers.JSONField):
    """Quote items as sent: the quote service parses them (documented as QuoteItemSchema)."""


class QuoteInput(serializers.Serializer[Any]):
    """The quote request. The promo code and email are checked here; the items by the quote
    service's one parser (`quote_items_parse`), which names every bad item with its index and
    the rule it breaks (400 `invalid_items`)."""

    items = QuoteItemsField(required=False, allow_null=True)
    promo_code = TextField(
        required=False, allow_blank=True, allow_null=True, max_length=64, null_characters=True
    )
    email = serializers.EmailField(
        required=False, allow_blank=True, allow_null=True, max_length=254
    )


class QuoteApi(APIView):
    """Price a cart without keeping it: the pricing service's Breakdown, as the contract says.

    Anonymous: no authentication is run, so a stale session never blocks a quote.
    """

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=QuoteInput, responses={200: BreakdownSchema})
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            message = "Send a JSON object with an items list."
            raise quoting.InvalidItems({"items": [message]})
        incoming = QuoteInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        promo_code = (data.get("promo_code") or "").strip()
        email = data.get("email") or None
        promos: tuple[PromoRule | UnknownCode, ...] = ()
        catalog = None
        if promo_code:
            # The catalog token is read once, for the snapshot and for the code, which is kept
            # in memory under it (promotions.codes.code_cache). None: no snapshot is kept.
            catalog = quoting.quote_catalog_snapshot()
            # Looked up under the promo-attempt throttle shared with the cart (429
            # too_many_attempts); the quote keeps every real rejection code.
            promos = promo_api.promo_rules_checked(
                request,
                codes=[promo_code],
                email=email,
                reveal=True,
                token=TOKEN_UNREAD if catalog is None else catalog.token,
            ).rules
        breakdown = quoting.quote_build(items=data.get("items"), promos=promos, catalog=catalog)
        return Response(breakdown.to_dict())
