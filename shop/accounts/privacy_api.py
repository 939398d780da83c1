"""The privacy API: GET /api/account/export/, everything held about the signed-in person
(DELETE /api/account/ is on the account's own view, shop/accounts/api.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from shop.accounts.privacy import account_export
from shop.accounts.reminders_api import SignedInApi


class AccountExportApi(SignedInApi):
    @extend_schema(responses={200: dict[str, Any]})
    def get(self, request: Request) -> Response:
        return Response(account_export(user=request.user))
