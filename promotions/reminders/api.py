"""Reminder API: `POST /api/reminders/` asks for a reminder, confirmed by email first."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.throttles import ClientRateThrottle
from promotions.reminders import subscriptions
from promotions.reminders.models import Kind


class ReminderRequestSerializer(serializers.Serializer[Any]):
    # Shapes only: the service checks the values so every message says what is expected.
    email = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    kind = serializers.CharField(
        allow_blank=True, required=False, help_text=f"One of {', '.join(Kind.values)}."
    )
    local_time = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, help_text="HH:MM, 24-hour, local."
    )
    timezone = serializers.CharField(
        allow_blank=True, allow_null=True, required=False, help_text="IANA, e.g. Europe/Paris."
    )


class ReminderAcceptedSerializer(serializers.Serializer[Any]):
    status = serializers.CharField()


class ReminderSubscribeThrottle(ClientRateThrottle):
    """Asking for reminders is throttled per client address, signed in or not."""

    scope = "reminder_subscribe"


class ReminderSubscribeApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ReminderSubscribeThrottle]

    @extend_schema(
        request=ReminderRequestSerializer,
        responses={202: ReminderAcceptedSerializer},
        description=(
            'Ask for a reminder. Always 202 {"status": "pending"} for valid input: nothing '
            "is sent before the person confirms from the emailed link, and a repeat within "
            "REMINDER_CONFIRM_RESEND_MINUTES sends no second email."
        ),
    )
    def post(self, request: Request) -> Response:
        incoming = ReminderRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = subscriptions.subscription_clean(**incoming.validated_data)
        subscriptions.subscription_request(data=data, user=request.user)
        return Response({"status": "pending"}, status=status.HTTP_202_ACCEPTED)
