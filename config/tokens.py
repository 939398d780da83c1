"""`POST /api/auth/token/`: a staff user's API token for a username and password.

A correct password of an account that is not staff is answered exactly as a wrong one, and
counted as a failed login (config/login_limits.py): the endpoint tells no one which passwords
are right.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError
from config.throttles import ClientRateThrottle


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer[Any]):
    token = serializers.CharField()


class TokenThrottle(ClientRateThrottle):
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
        credentials = incoming.validated_data
        user = authenticate(request._request, **credentials)
        if user is not None and not user.is_staff:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": credentials["username"]},
                request=request._request,
            )
            user = None
        if user is None:
            raise ApiError(
                status=400, code="invalid_credentials", detail="Wrong username or password."
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
