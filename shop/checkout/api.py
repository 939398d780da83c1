"""Checkout and order API, as the contract's "Cart, checkout, orders" says.

Checkout is anonymous like the cart (the cart's UUID is the capability); an order is read with
its access token or by staff. Services raise domain errors; the API's exception handler answers
them.
"""

from __future__ import annotations

import functools
from typing import Any

from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError, json_object
from config.errors import InvalidInput
from shop.cart.api import AnonymousApi
from shop.cart.selectors import cart_get, cart_id_parse
from shop.cart.services import CartNotFound
from shop.checkout import addresses, inputs, orders
from shop.checkout import services as checkout
from shop.checkout.payments import payment_methods

IDEMPOTENCY_KEY_MAX = 255


@functools.cache
def _country_codes() -> tuple[str, ...]:
    return tuple(str(code) for code, _name in countries)


class CountryInput(serializers.ChoiceField):
    """A country as its two-letter ISO 3166-1 code in any case, one of django-countries' list.

    Its choices are the codes alone, listed once per process: django-countries' own field
    translates all 250 names into the active language each time a serializer is made, which
    cost every checkout about 12 ms of CPU (docs/BENCHMARKS.md, issue 20)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=_country_codes(), **kwargs)

    def to_internal_value(self, data: Any) -> str:
        code = data.upper() if isinstance(data, str) else ""
        if code not in self.choices:
            self.fail("invalid_choice", input=data)
        return code


class AddressInput(serializers.Serializer[Any]):
    line1 = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.RegexField(
        inputs.POSTAL_CODE_RE,
        max_length=20,
        error_messages={"invalid": inputs.POSTAL_CODE_MESSAGE},
    )
    region = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional state, province or nation (code or name): for US, CA, GB and AU "
        "one of their list; ignored elsewhere",
    )
    country = CountryInput(error_messages={"invalid_choice": inputs.COUNTRY_MESSAGE})
    phone = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional: digits, spaces, +, - and parentheses",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            attrs["region"] = addresses.region_clean(
                attrs["country"], attrs["region"], required=False
            )
            attrs["phone"] = addresses.phone_clean(attrs["phone"])
            attrs["postal_code"] = addresses.postal_code_clean(
                attrs["country"], attrs["postal_code"], strict=False
            )
        except InvalidInput as error:
            raise serializers.ValidationError(error.errors) from error
        return attrs


class PaymentInput(serializers.Serializer[Any]):
    method = serializers.CharField(max_length=20)
    token = serializers.CharField(max_length=200)

    def validate_method(self, value: str) -> str:
        # With none configured, checkout answers 503 payments_not_configured (gateway_for).
        if payment_methods() and value not in payment_methods():
            raise serializers.ValidationError(f"Use one of: {', '.join(payment_methods())}.")
        return value


class CheckoutInput(serializers.Serializer[Any]):
    email = serializers.EmailField(
        max_length=254, required=False, help_text="Optional when signed in: the account's is used"
    )
    name = serializers.CharField(max_length=120)
    address = AddressInput()
    payment = PaymentInput()
    replenishment_reminders = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text='The "remind me when this runs out" box: true asks for replenishment '
        "reminders (confirmed by email), false schedules none for this order; left out, as "
        "before (scheduled, sent only to a confirmed subscription).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["user"]
        if not attrs.get("email"):
            if not user.is_authenticated or not user.email:
                raise serializers.ValidationError({"email": ["This field is required."]})
            attrs["email"] = user.email
        return attrs

    def details(self) -> inputs.CheckoutDetails:
        data = self.validated_data
        details = inputs.CheckoutDetails(
            email=data["email"],
            name=data["name"],
            address_line1=data["address"]["line1"],
            city=data["address"]["city"],
            postal_code=data["address"]["postal_code"].upper(),
            country=data["address"]["country"],
            region=data["address"]["region"],
            phone=data["address"]["phone"],
            payment_method=data["payment"]["method"],
            payment_token=data["payment"]["token"],
            replenishment_reminders=data.get("replenishment_reminders"),
        )
        return inputs.signed_in(details, self.context["user"])


class OrderComponentSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    product = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    allocated = serializers.CharField()
    gift = serializers.BooleanField()
    refunded_units = serializers.IntegerField()


class OrderLineSchema(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["product", "kit", "routine"])
    ref = serializers.CharField()
    name = serializers.CharField()
    selections = serializers.ListField(child=serializers.CharField())
    quantity = serializers.IntegerField()
    unit_price = serializers.CharField()
    subtotal = serializers.CharField()
    discount = serializers.CharField()
    total = serializers.CharField()
    gift = serializers.BooleanField()
    components = OrderComponentSchema(many=True)


class OrderPaymentSchema(serializers.Serializer[Any]):
    method = serializers.CharField()
    status = serializers.ChoiceField(choices=["authorized", "captured", "voided"])


class OrderSchema(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=["placed", "paid", "cancelled", "refunded"])
    currency = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField()
    address = serializers.DictField(child=serializers.CharField())
    lines = OrderLineSchema(many=True)
    subtotal = serializers.CharField()
    discount_total = serializers.CharField()
    shipping = serializers.CharField()
    total = serializers.CharField()
    refunded = serializers.CharField()
    payment = OrderPaymentSchema(allow_null=True)
    breakdown = serializers.DictField(help_text="The Breakdown as charged, never recomputed")
    created_at = serializers.DateTimeField()
    token = serializers.CharField(required=False, help_text="Only in checkout's answer")


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise ApiError(
            status=400,
            code="idempotency_key_required",
            detail="Send an Idempotency-Key header (e.g. a UUID) with every checkout.",
        )
    if len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
        raise ApiError(
            status=400,
            code="idempotency_key_invalid",
            detail=f"The Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable characters.",
        )
    return key


class CartCheckoutApi(AnonymousApi):
    """Anonymous like the cart, but a signed-in shopper (session, with its CSRF token) checks
    out into their account and may leave the email out."""

    authentication_classes = [SessionAuthentication]

    @extend_schema(
        request=CheckoutInput,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Any unique string (1 to 255 characters), e.g. a UUID; a repeat "
                "with the same key and body returns the same order.",
            )
        ],
        responses={201: OrderSchema, 200: OrderSchema},
    )
    def post(self, request: Request, cart_id: str) -> Response:
        # The cart is not read here: checkout locks its row first thing and answers 404 when it
        # is gone. A bad request is answered 404 all the same when the cart does not exist.
        parsed = cart_id_parse(cart_id)
        if parsed is None:
            raise CartNotFound()
        try:
            key = _idempotency_key(request)
            incoming = CheckoutInput(data=json_object(request.data), context={"user": request.user})
            incoming.is_valid(raise_exception=True)
        except (APIException, InvalidInput):  # ParseError and ValidationError are APIExceptions
            if cart_get(cart_id=parsed) is None:
                raise CartNotFound() from None
            raise
        fingerprint = inputs.request_fingerprint(cart_id=parsed, body=request.data)
        placed = checkout.order_place(
            cart_id=parsed,
            details=incoming.details(),
            idempotency_key=key,
            request_hash=fingerprint,
        )
        order = placed.order
        if placed.rows is not None:  # a new order: answered from the rows it has just written
            lines, components = placed.rows.lines, placed.rows.components
        else:
            lines, components = orders.order_lines(order=order), None
        data = orders.order_data(order=order, lines=lines, components=components, token=True)
        return Response(data, status=status.HTTP_201_CREATED if placed.created else 200)


class OrderDetailApi(APIView):
    """Staff (session or token) or the order's access token; anyone else gets the 404 an
    unknown number gets, so numbers cannot be probed."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, description="The access token returned at checkout")
        ],
        responses=OrderSchema,
    )
    def get(self, request: Request, number: str) -> Response:
        token = request.query_params.get("token", "")
        staff = bool(request.user and request.user.is_authenticated and request.user.is_staff)
        order = orders.order_for_viewer(number=number, token=token, staff=staff)
        if order is None:
            raise ApiError(status=404, code="not_found", detail="No such order.")
        return Response(orders.order_data(order=order, lines=orders.order_lines(order=order)))
