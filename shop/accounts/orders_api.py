"""GET /api/account/orders/: the signed-in shopper's orders, newest first, paginated."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shop.accounts.orders import account_orders
from shop.checkout.models import Order


class AccountOrderSchema(serializers.Serializer[Any]):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Order.Status.choices)
    total = serializers.CharField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()


def order_summary(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "total": f"{order.total_amount:.2f}",
        "currency": order.currency,
        "created_at": serializers.DateTimeField().to_representation(order.created_at),
    }


class AccountOrdersApi(GenericAPIView[Order]):
    """Signed out: 403 problem. Read the whole order through its page or `GET
    /api/orders/{number}/?token=` (the list gives no token: the storefront links the page)."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AccountOrderSchema(many=True))
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(account_orders(user=request.user))
        return self.get_paginated_response([order_summary(order) for order in page or []])
