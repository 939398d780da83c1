"""Saved routines' API: list, save (priced now through the quote service), delete, and put in
a new cart. Signed in only (session, CSRF on writes); another account's routine is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import json_object
from shop.accounts import routines
from shop.cart.quote_api import BreakdownSchema


class SavedRoutineInput(serializers.Serializer[Any]):
    """The routine and selections are checked by the quote service (400 `invalid_items`, as
    `POST /api/quote/` answers for the same item)."""

    name = serializers.CharField(
        max_length=routines.NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    routine = serializers.JSONField(help_text="The routine's slug")
    selections = serializers.JSONField(help_text="The chosen products' slugs")


class SavedRoutineSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    routine = serializers.CharField()
    selections = serializers.ListField(child=serializers.CharField())
    products = serializers.ListField(child=serializers.CharField(), help_text="Their names")
    breakdown = BreakdownSchema(allow_null=True, help_text="Priced now; null when it cannot be")
    problem = serializers.CharField(allow_null=True, help_text="Why it cannot be priced now")
    created_at = serializers.DateTimeField()


class AccountApi(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]


class SavedRoutinesApi(AccountApi):
    @extend_schema(responses=SavedRoutineSchema(many=True))
    def get(self, request: Request) -> Response:
        priced = routines.saved_routines_priced(user=request.user)
        return Response({"count": len(priced), "results": [p.data() for p in priced]})

    @extend_schema(request=SavedRoutineInput, responses={201: SavedRoutineSchema})
    def post(self, request: Request) -> Response:
        incoming = SavedRoutineInput(data=json_object(request.data))
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        saved = routines.saved_routine_create(
            user=request.user,
            name=data["name"],
            routine=data["routine"],
            selections=data["selections"],
        )
        return Response(saved.data(), status=status.HTTP_201_CREATED)


class SavedRoutineApi(AccountApi):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, routine_id: int) -> Response:
        routines.saved_routine_delete(user=request.user, routine_id=routine_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedRoutineCartApi(AccountApi):
    @extend_schema(
        request=None,
        responses={201: inline_serializer("SavedRoutineCart", {"cart": serializers.UUIDField()})},
    )
    def post(self, request: Request, routine_id: int) -> Response:
        cart = routines.saved_routine_cart(user=request.user, routine_id=routine_id)
        return Response({"cart": str(cart.pk)}, status=status.HTTP_201_CREATED)
