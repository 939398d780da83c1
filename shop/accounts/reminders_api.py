"""The account's reminders API: GET /api/account/reminders/, PATCH and DELETE
/api/account/reminders/{id}/ (session auth with CSRF; somebody else's reminder is a 404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api import ApiError, json_object
from promotions.reminders.models import Kind, Subscription
from promotions.reminders.subscriptions import subscription_unsubscribe
from shop.accounts.api import AccountApiView
from shop.accounts.reminders import (
    account_reminder_change,
    account_reminder_data,
    account_subscription_get,
    account_subscriptions,
)


class SignedInApi(AccountApiView):
    """Signed-in shoppers by their session; unsafe methods need the CSRF token."""

    permission_classes = [IsAuthenticated]


class ReminderSchema(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.values)
    kind_label = serializers.CharField()
    email = serializers.EmailField()
    status = serializers.ChoiceField(
        choices=["active", "paused", "awaiting_confirmation", "unsubscribed"]
    )
    local_time = serializers.CharField(help_text="HH:MM on the person's clock")
    timezone = serializers.CharField()
    next_send_at = serializers.DateTimeField(allow_null=True)
    next_send_local = serializers.CharField(allow_null=True)


class ReminderListSchema(serializers.Serializer[Any]):
    results = ReminderSchema(many=True)


class ReminderChangeInput(serializers.Serializer[Any]):
    paused = serializers.BooleanField(required=False)
    local_time = serializers.CharField(required=False, max_length=8, help_text="HH:MM")
    timezone = serializers.CharField(required=False, max_length=64, help_text="IANA name")


def _owned(request: Request, pk: int) -> Subscription:
    subscription = account_subscription_get(user=request.user, pk=pk)
    if subscription is None:
        raise ApiError(status=404, code="not_found", detail="No such reminder.")
    return subscription


class AccountRemindersApi(SignedInApi):
    @extend_schema(responses=ReminderListSchema)
    def get(self, request: Request) -> Response:
        rows = account_subscriptions(user=request.user)
        return Response({"results": [account_reminder_data(row) for row in rows]})


class AccountReminderApi(SignedInApi):
    @extend_schema(request=ReminderChangeInput, responses=ReminderSchema)
    def patch(self, request: Request, pk: int) -> Response:
        subscription = _owned(request, pk)
        incoming = ReminderChangeInput(data=json_object(request.data))
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        changed = account_reminder_change(
            subscription=subscription,
            paused=data.get("paused"),
            local_time=data.get("local_time"),
            timezone=data.get("timezone"),
        )
        return Response(account_reminder_data(changed))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        subscription_unsubscribe(subscription=_owned(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
