"""`POST /api/auth/token/`: a staff user's API token for a username and password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from config.api import ApiError


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
