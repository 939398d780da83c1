"""The project's URLs plus the endpoints benchmarks compare against: the floor, and the quote
with its catalog loaded per quote."""

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as project_urlpatterns
from shop.cart.quote_api import QuoteApi, QuoteInput
from shop.pricing import price
from shop.quoting.services import quote_items_parse, quote_prepare


class FloorApi(APIView):
    """The least a DRF endpoint can do: parse a JSON body, answer a small JSON object."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        return Response({"ok": True, "items": len(request.data.get("items", []))})


class QuoteLoadedApi(QuoteApi):
    """POST /api/quote/ for carts without a code, with the catalog loaded for each quote
    (`cached=False`, as the cart and checkout load it) instead of taken from the snapshot."""

    def post(self, request: Request) -> Response:
        incoming = QuoteInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        items = quote_items_parse(items=incoming.validated_data.get("items"))
        return Response(price(quote_prepare(items=items, cached=False).request).to_dict())


urlpatterns = [
    path("bench/floor/", FloorApi.as_view()),
    path("bench/quote-loaded/", QuoteLoadedApi.as_view()),
    *project_urlpatterns,
]
