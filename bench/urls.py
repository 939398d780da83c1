"""The project's URLs plus the floor endpoint benchmarks compare against."""

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns


class FloorApi(APIView):
    """The least a DRF endpoint can do: parse a JSON body, answer a small JSON object."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "items": len(request.data.get("items", []))})


urlpatterns = [path("bench/floor/", FloorApi.as_view()), *project_urlpatterns]
