"""The account API (/api/account/...): session auth, CSRF on every unsafe method, signed in or
not."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.accounts import services
from shop.accounts.forms import NAME_MAX_LENGTH
from shop.accounts.privacy import account_erase


class SignupSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class LoginSerializer(serializers.Serializer[Any]):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class SignupResultSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    verified = serializers.BooleanField()


class AccountSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField()
    name = serializers.CharField()
    verified = serializers.BooleanField()


class AccountApiView(APIView):
    """Session auth (token first, as everywhere in the API: signed out is 401 with
    WWW-Authenticate; only staff hold tokens). DRF checks CSRF only for a signed-in session:
    here unsafe methods without a token need it signed out too (sign-up, login)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.successful_authenticator is None:
            SessionAuthentication().enforce_csrf(request)


class SignupApi(AccountApiView):
    """Open a customer account; the address gets a verification link."""

    @extend_schema(request=SignupSerializer, responses={201: SignupResultSerializer})
    def post(self, request: Request) -> Response:
        incoming = SignupSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        email = services.account_signup(request._request, **incoming.validated_data)
        return Response({"email": email, "verified": False}, status=201)


class LoginApi(AccountApiView):
    """Sign in with email and password: a session (cookie) for the account."""

    @extend_schema(request=LoginSerializer, responses=AccountSerializer)
    def post(self, request: Request) -> Response:
        incoming = LoginSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = services.account_login(request._request, **incoming.validated_data)
        return Response(services.account_view(user))


class LogoutApi(AccountApiView):
    """End the session."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        services.account_logout(request._request)
        return Response(status=204)


class AccountApi(AccountApiView):
    """The signed-in account."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AccountSerializer)
    def get(self, request: Request) -> Response:
        return Response(services.account_view(request.user))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        """Close the account and erase its personal data (shop/accounts/privacy.py); this
        session ends, the others stop authenticating with the user row gone."""
        account_erase(user=request.user)
        services.account_logout(request._request)
        return Response(status=204)
