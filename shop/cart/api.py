"""Cart API, as the contract's "Cart, checkout, orders" says (checkout is shop.checkout.api).

Carts are anonymous: the cart's UUID is the capability (no authentication runs, so a stale
session never blocks a cart and there is no CSRF to carry). Every response is built from the
cart's `CartView`. Services raise domain errors; the API's exception handler answers them.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import json_object
from config.client import client_ip
from promotions.codes.guard import client_key
from shop.cart import selectors, services
from shop.cart.models import Cart
from shop.cart.quote_api import QuoteItemSchema
from shop.cart.selectors import CartView
from shop.catalog.pricing import currency
from shop.pricing import MAX_QUANTITY
from shop.quoting.services import InvalidItems

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
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
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


class QuantityInput(serializers.Serializer[Any]):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class PromoInput(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=64)


# -- helpers ----------------------------------------------------------------------------------


def cart_or_404(cart_id: str) -> Cart:
    cart = selectors.cart_get(cart_id=cart_id)
    if cart is None:
        raise services.CartNotFound()
    return cart


def _answer(cart: Cart, code: int = status.HTTP_200_OK) -> Response:
    return Response(cart_data(selectors.cart_view(cart=cart)), status=code)


class AnonymousApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []


# -- carts ------------------------------------------------------------------------------------


class CartCreateApi(AnonymousApi):
    @extend_schema(request=None, responses={201: CartSchema})
    def post(self, request: Request) -> Response:
        return _answer(services.cart_create(), status.HTTP_201_CREATED)


class CartDetailApi(AnonymousApi):
    @extend_schema(responses=CartSchema)
    def get(self, request: Request, cart_id: str) -> Response:
        read = selectors.cart_read(cart_id=cart_id)  # the cart read and priced in 3 queries
        if read is None:
            raise services.CartNotFound()
        cart, items = read
        return Response(cart_data(selectors.cart_view(cart=cart, items=items)))


class CartItemsApi(AnonymousApi):
    @extend_schema(request=QuoteItemSchema, responses={201: CartSchema})
    def post(self, request: Request, cart_id: str) -> Response:
        cart = cart_or_404(cart_id)
        services.cart_item_add(cart=cart, item=request.data)
        return _answer(cart, status.HTTP_201_CREATED)


def _new_quantity(data: Any) -> object:
    """The quantity a PATCH sends; nothing else of a line can change."""
    data = json_object(data)
    unknown = sorted(set(data) - {"quantity"})
    if unknown:
        message = "Only quantity can be changed; remove the item to change it."
        raise InvalidItems({key: [message] for key in unknown})
    if "quantity" not in data:
        raise InvalidItems({"quantity": ["Send the new quantity."]})
    return data["quantity"]


class CartItemDetailApi(AnonymousApi):
    @extend_schema(request=QuantityInput, responses=CartSchema)
    def patch(self, request: Request, cart_id: str, item_id: str) -> Response:
        cart = cart_or_404(cart_id)
        quantity = _new_quantity(request.data)
        services.cart_item_update(cart=cart, item_id=item_id, quantity=quantity)
        return _answer(cart)

    @extend_schema(request=None, responses=CartSchema)
    def delete(self, request: Request, cart_id: str, item_id: str) -> Response:
        cart = cart_or_404(cart_id)
        services.cart_item_remove(cart=cart, item_id=item_id)
        return _answer(cart)


class CartPromoApi(AnonymousApi):
    @extend_schema(request=PromoInput, responses=CartSchema)
    def post(self, request: Request, cart_id: str) -> Response:
        cart = cart_or_404(cart_id)
        cart = services.cart_promo_set(
            cart=cart,
            code=json_object(request.data).get("code"),
            client=client_key(client_ip(request)),
        )
        return _answer(cart)

    @extend_schema(request=None, responses=CartSchema)
    def delete(self, request: Request, cart_id: str) -> Response:
        return _answer(services.cart_promo_clear(cart=cart_or_404(cart_id)))
