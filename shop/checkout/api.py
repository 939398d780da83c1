"""Cart, checkout and order API, as the contract's "Cart, checkout, orders" says.

Carts are anonymous: the cart's UUID is the capability (no authentication runs, so a stale
session never blocks a cart and there is no CSRF to carry). Every response is built from the
cart's `CartView` or the order's rows; the serializers named in `extend_schema` only describe
the shapes for the OpenAPI schema. Domain errors from the services become problem+json here.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError
from promotions.codes.api import TooManyAttemptsError
from promotions.codes.guard import TooManyAttempts, client_key
from promotions.codes.services import PromoUnavailable
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.cart.services import CartView
from shop.checkout import orders
from shop.checkout import services as checkout
from shop.checkout.payments import (
    GatewayError,
    PaymentDeclined,
    UnknownPaymentMethod,
    payment_methods,
)
from shop.checkout.stock import OutOfStock
from shop.quoting.services import InvalidItems, currency

IDEMPOTENCY_KEY_MAX = 255

# -- output -----------------------------------------------------------------------------------


def cart_data(view: CartView) -> dict[str, Any]:
    """The contract's cart plus currency, status, per-item flags and the unit count."""
    cart = view.cart
    items = []
    for line in view.lines:
        item = line.item
        data: dict[str, Any] = {
            "id": str(item.id),
            item.kind: item.ref,
            "quantity": item.quantity,
            "name": line.name,
            "unit_price": None if line.unit_price is None else f"{line.unit_price:.2f}",
            "seen_price": f"{item.seen_price_amount:.2f}",
            "price_changed": line.price_changed,
            "available": line.available,
            "in_stock": line.in_stock,
            "problems": list(line.problems),
        }
        if item.kind == "routine":
            data["selections"] = list(item.selections)
        items.append(data)
    rejection = view.promo_rejection
    return {
        "id": str(cart.id),
        "currency": currency(),
        "status": cart.status,
        "items": items,
        "item_count": view.count,
        "promo_code": cart.promo_code or None,
        "promo_rejection": None
        if rejection is None
        else {"code": rejection.code, "reason": rejection.reason},
        "breakdown": view.breakdown.to_dict(),
    }


class CartItemSchema(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    product = serializers.SlugField(required=False)
    kit = serializers.SlugField(required=False)
    routine = serializers.SlugField(required=False)
    selections = serializers.ListField(child=serializers.SlugField(), required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=99)
    name = serializers.CharField()
    unit_price = serializers.CharField(allow_null=True, help_text="Now, after bundle discounts")
    seen_price = serializers.CharField(help_text="When added or last changed")
    price_changed = serializers.BooleanField()
    available = serializers.BooleanField()
    in_stock = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class PromoRejectionSchema(serializers.Serializer[Any]):
    code = serializers.CharField()
    reason = serializers.CharField()


class CartSchema(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    currency = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "checked_out"])
    items = CartItemSchema(many=True)
    item_count = serializers.IntegerField()
    promo_code = serializers.CharField(allow_null=True)
    promo_rejection = PromoRejectionSchema(allow_null=True)
    breakdown = serializers.DictField(help_text="The quote's Breakdown")


class QuoteItemInput(serializers.Serializer[Any]):
    product = serializers.SlugField(required=False)
    kit = serializers.SlugField(required=False)
    routine = serializers.SlugField(required=False)
    selections = serializers.ListField(child=serializers.SlugField(), required=False)
    quantity = serializers.IntegerField(min_value=1, max_value=99, default=1)


class QuantityInput(serializers.Serializer[Any]):
    quantity = serializers.IntegerField(min_value=1, max_value=99)


class PromoInput(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=64)


class AddressInput(serializers.Serializer[Any]):
    line1 = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=100)
    postal_code = serializers.RegexField(
        checkout.POSTAL_CODE_RE,
        max_length=20,
        error_messages={"invalid": checkout.POSTAL_CODE_MESSAGE},
    )
    country = serializers.RegexField(
        checkout.COUNTRY_RE, error_messages={"invalid": checkout.COUNTRY_MESSAGE}
    )


class PaymentInput(serializers.Serializer[Any]):
    method = serializers.CharField(max_length=20)
    token = serializers.CharField(max_length=200)

    def validate_method(self, value: str) -> str:
        if value not in payment_methods():
            raise serializers.ValidationError(
                f"Use one of: {', '.join(payment_methods()) or 'none configured'}."
            )
        return value


class CheckoutInput(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=120)
    address = AddressInput()
    payment = PaymentInput()

    def details(self) -> checkout.CheckoutDetails:
        data = self.validated_data
        return checkout.CheckoutDetails(
            email=data["email"],
            name=data["name"],
            address_line1=data["address"]["line1"],
            city=data["address"]["city"],
            postal_code=data["address"]["postal_code"].upper(),
            country=data["address"]["country"].upper(),
            payment_method=data["payment"]["method"],
            payment_token=data["payment"]["token"],
        )


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


# -- helpers ----------------------------------------------------------------------------------


def _cart(cart_id: str) -> Cart:
    cart = carts.cart_get(cart_id=cart_id)
    if cart is None:
        raise ApiError(status=404, code="not_found", detail="No such cart.")
    return cart


def _invalid_items(error: InvalidItems) -> ApiError:
    detail = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in error.errors.items())
    return ApiError(
        status=400, code="invalid_items", detail=detail or str(error), errors=error.errors
    )


def _closed() -> ApiError:
    return ApiError(
        status=409, code="cart_closed", detail="This cart was checked out; start a new cart."
    )


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ApiError(
            status=400,
            code="validation_error",
            title="Invalid input",
            detail="Send a JSON object.",
            errors={"non_field_errors": ["Send a JSON object."]},
        )
    return data


def _answer(cart: Cart, code: int = status.HTTP_200_OK) -> Response:
    return Response(cart_data(carts.cart_view(cart=cart)), status=code)


class AnonymousApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []


# -- carts ------------------------------------------------------------------------------------


class CartCreateApi(AnonymousApi):
    @extend_schema(request=None, responses={201: CartSchema})
    def post(self, request: Request) -> Response:
        return _answer(carts.cart_create(), status.HTTP_201_CREATED)


class CartDetailApi(AnonymousApi):
    @extend_schema(responses=CartSchema)
    def get(self, request: Request, cart_id: str) -> Response:
        return _answer(_cart(cart_id))


class CartItemsApi(AnonymousApi):
    @extend_schema(request=QuoteItemInput, responses={201: CartSchema})
    def post(self, request: Request, cart_id: str) -> Response:
        cart = _cart(cart_id)
        try:
            carts.cart_item_add(cart=cart, item=request.data)
        except InvalidItems as error:
            raise _invalid_items(error) from error
        except carts.CartClosed as error:
            raise _closed() from error
        except carts.CartFull as error:
            raise ApiError(status=409, code="cart_full", detail=str(error)) from error
        return _answer(cart, status.HTTP_201_CREATED)


class CartItemDetailApi(AnonymousApi):
    @extend_schema(request=QuantityInput, responses=CartSchema)
    def patch(self, request: Request, cart_id: str, item_id: str) -> Response:
        cart = _cart(cart_id)
        data = _object(request.data)
        unknown = sorted(set(data) - {"quantity"})
        if unknown or "quantity" not in data:
            raise _invalid_items(
                InvalidItems(
                    {
                        key: ["Only quantity can be changed; remove the item to change it."]
                        for key in unknown
                    }
                    or {"quantity": ["Send the new quantity."]},
                    {},
                )
            )
        try:
            carts.cart_item_update(cart=cart, item_id=item_id, quantity=data["quantity"])
        except InvalidItems as error:
            raise _invalid_items(error) from error
        except carts.CartClosed as error:
            raise _closed() from error
        except carts.CartItemNotFound as error:
            raise ApiError(
                status=404, code="not_found", detail="No such item in this cart."
            ) from error
        return _answer(cart)

    @extend_schema(request=None, responses=CartSchema)
    def delete(self, request: Request, cart_id: str, item_id: str) -> Response:
        cart = _cart(cart_id)
        try:
            carts.cart_item_remove(cart=cart, item_id=item_id)
        except carts.CartClosed as error:
            raise _closed() from error
        except carts.CartItemNotFound as error:
            raise ApiError(
                status=404, code="not_found", detail="No such item in this cart."
            ) from error
        return _answer(cart)


class CartPromoApi(AnonymousApi):
    @extend_schema(request=PromoInput, responses=CartSchema)
    def post(self, request: Request, cart_id: str) -> Response:
        cart = _cart(cart_id)
        code = _object(request.data).get("code")
        problem = carts.promo_code_problem(code)
        if problem is not None:
            raise ApiError(
                status=400,
                code="validation_error",
                title="Invalid input",
                detail=f"code: {problem}",
                errors={"code": [problem]},
            )
        assert isinstance(code, str)
        try:
            cart = carts.cart_promo_set(
                cart=cart, code=code, client=client_key(request.META.get("REMOTE_ADDR"))
            )
        except TooManyAttempts as error:
            raise TooManyAttemptsError(error.retry_after) from error
        except carts.CartClosed as error:
            raise _closed() from error
        except carts.PromoRejected as error:
            raise ApiError(
                status=422,
                code=error.rejection.code,
                title="Promo code not applied",
                detail=error.rejection.reason,
                extra={"promo_code": error.code},
            ) from error
        return _answer(cart)

    @extend_schema(request=None, responses=CartSchema)
    def delete(self, request: Request, cart_id: str) -> Response:
        cart = _cart(cart_id)
        try:
            cart = carts.cart_promo_clear(cart=cart)
        except carts.CartClosed as error:
            raise _closed() from error
        return _answer(cart)


# -- checkout and orders ----------------------------------------------------------------------


def checkout_errors(call: Any) -> Any:
    """Run order_place; translate its domain errors into the contract's problems."""
    try:
        return call()
    except checkout.CartNotFound as error:
        raise ApiError(status=404, code="not_found", detail="No such cart.") from error
    except checkout.CartEmpty as error:
        raise ApiError(
            status=409, code="cart_empty", detail="Add something to the cart first."
        ) from error
    except carts.CartClosed as error:
        raise _closed() from error
    except checkout.IdempotencyKeyReused as error:
        raise ApiError(
            status=422,
            code="idempotency_key_reused",
            detail="This Idempotency-Key was used for a different request; use a new key.",
        ) from error
    except InvalidItems as error:
        raise _invalid_items(error) from error
    except OutOfStock as error:
        raise ApiError(
            status=409,
            code="out_of_stock",
            detail=str(error),
            extra={
                "product": error.product.slug,
                "available": error.available,
                "requested": error.wanted,
            },
        ) from error
    except PromoUnavailable as error:
        raise ApiError(
            status=409,
            code=error.reason,
            detail=f"The promo code {error.code} can no longer be used for this order.",
            extra={"promo_code": error.code},
        ) from error
    except PaymentDeclined as error:
        raise ApiError(status=402, code="payment_declined", detail=error.reason) from error
    except UnknownPaymentMethod as error:
        raise ApiError(
            status=400,
            code="validation_error",
            title="Invalid input",
            detail=str(error),
            errors={"payment.method": [str(error)]},
        ) from error
    except GatewayError as error:
        raise ApiError(
            status=503,
            code="payment_unavailable",
            detail="The payment provider did not answer; nothing was charged. Try again.",
        ) from error


class CartCheckoutApi(AnonymousApi):
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
        cart = _cart(cart_id)
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
                detail=f"The Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} printable "
                "characters.",
            )
        incoming = CheckoutInput(data=_object(request.data))
        incoming.is_valid(raise_exception=True)
        fingerprint = checkout.request_fingerprint(cart_id=cart.pk, body=request.data)
        placed = checkout_errors(
            lambda: checkout.order_place(
                cart_id=cart.pk,
                details=incoming.details(),
                idempotency_key=key,
                request_hash=fingerprint,
            )
        )
        order = placed.order
        data = orders.order_data(order=order, lines=orders.order_lines(order=order), token=True)
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
