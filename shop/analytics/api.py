"""Staff API: GET /api/analytics/?from=YYYY-MM-DD&to=YYYY-MM-DD, the dashboard's figures."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import IsStaff
from shop.analytics.data import report_data
from shop.analytics.period import period_parse
from shop.analytics.report import analytics_report


class AnalyticsApi(APIView):
    """Orders, revenue, discounts by day, codes, offers, giveaways and reminders for a range of
    days in the shop's time zone (cancelled orders excluded); 400 `invalid_date`,
    `period_reversed` or `period_too_long` for a range it cannot cover."""

    permission_classes = [IsStaff]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, required=False, description="YYYY-MM-DD, inclusive"),
            OpenApiParameter("to", str, required=False, description="YYYY-MM-DD, inclusive"),
        ],
        responses={200: dict},
    )
    def get(self, request: Request) -> Response:
        period = period_parse(
            first=request.query_params.get("from"), last=request.query_params.get("to")
        )
        return Response(report_data(analytics_report(period=period)))
