"""Security checks that grow with the project: CSRF on storefront POSTs, staff-only surfaces."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Views that must accept a POST without a CSRF token, and why.
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers POST without cookies or a token.
    "promotions:unsubscribe",
    "promotions:unsubscribe_one_click",
    # The outbox's global unsubscribe (List-Unsubscribe of every marketing email); the
    # signed token in the URL is the proof.
    "promotions:email_unsubscribe",
}
SAMPLE_KWARGS = {"slug": "x", "token": "x", "number": "X1", "pk": "1", "id": "1", "path": "x"}


def _storefront_routes() -> list[tuple[str, str]]:
    """(name, sample URL) for every route outside /api/, /admin/ and /healthz."""
    routes: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            regex = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if regex.startswith(("api/", "admin/", "^api/", "^admin/")):
                    continue
                inner_ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + regex, inner_ns)
            elif isinstance(pattern, URLPattern):
                path = prefix + regex
                if path.startswith(("healthz", "static/", "media/")):
                    continue
                # re_path's named groups (allauth's confirmation and reset keys), then path()'s.
                path = re.sub(
                    r"\(\?P<(\w+)>[^()]*\)", lambda m: SAMPLE_KWARGS.get(m.group(1), "1"), path
                )
                path = re.sub(
                    r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_KWARGS.get(m.group(1), "1"), path
                )
                path = re.sub(r"(^|/)\^", r"\1", path).rstrip("$")
                routes.append((f"{namespace}{pattern.name}", "/" + path))

    walk(get_resolver().url_patterns, "", "")
    return routes


def test_there_are_storefront_routes_to_check() -> None:
    assert {"shop:home", "shop:product_list", "shop:product_detail"} <= {
        name for name, _ in _storefront_routes()
    }


@pytest.mark.parametrize(("name", "url"), _storefront_routes(), ids=lambda v: str(v))
def test_every_storefront_post_needs_a_csrf_token(name: str, url: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"anything": "1"})
    if name in CSRF_EXEMPT:
        assert response.status_code != 403
    else:
        assert response.status_code == 403, f"{name} {url} accepted a POST without CSRF"


def _admin_urls() -> list[str]:
    from django.contrib import admin

    urls = []
    for model in admin.site._registry:
        opts = model._meta
        urls.append(f"/admin/{opts.app_label}/{opts.model_name}/")
        urls.append(f"/admin/{opts.app_label}/{opts.model_name}/add/")
    return urls


@pytest.mark.parametrize("url", _admin_urls())
def test_admin_is_staff_only(url: str, shopper_user: Any) -> None:
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(shopper_user)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _signed_in_operations(*, customers: bool) -> list[tuple[str, str]]:
    """Operations whose schema security does not admit anonymous clients: the customer
    account's (/api/account/...) when `customers`, else the staff API's."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if path == "/api/auth/token/" or path.startswith("/api/account/") != customers:
                continue
            if {} not in operation.get("security", [{}]):
                url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_KWARGS.get(m.group(1), "1"), path)
                operations.append((method, url))
    return operations


def _staff_only_operations() -> list[tuple[str, str]]:
    return _signed_in_operations(customers=False)


def test_customer_operations_are_listed() -> None:
    assert ("get", "/api/account/") in _signed_in_operations(customers=True)


@pytest.mark.parametrize(("method", "url"), _signed_in_operations(customers=True))
def test_the_customer_account_api_refuses_anonymous_clients(method: str, url: str) -> None:
    from rest_framework.test import APIClient

    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code in {401, 403}, (method, url, response.status_code)
    assert response["Content-Type"] == "application/problem+json"


def test_staff_operations_are_listed() -> None:
    assert ("post", "/api/products/") in _staff_only_operations()


@pytest.mark.parametrize(("method", "url"), _staff_only_operations())
def test_staff_api_refuses_anonymous_and_shoppers(method: str, url: str, shopper_user: Any) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    response = getattr(client, method)(url, {}, format="json")
    assert response.status_code == 401, (method, url, response.status_code)
    client.force_authenticate(shopper_user)
    response = getattr(client, method)(url, {}, format="json")
    assert response.status_code == 403, (method, url, response.status_code)


def test_an_order_is_shown_only_with_its_token_its_session_or_to_staff(
    staff_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Every surface that shows an order refuses a stranger, with the answer an unknown
    number gets (so order numbers cannot be probed), and shows it to the rightful viewer."""
    from rest_framework.test import APIClient

    from shop.checkout.models import Order
    from tests.shop.checkout_helpers import checkout_form, make_catalog

    make_catalog()
    buyer = Client()
    buyer.post("/cart/add/", {"kit": "duo", "quantity": "1"})
    form = checkout_form()
    with django_capture_on_commit_callbacks(execute=True):
        assert buyer.post("/checkout/", form).status_code == 302
    order = Order.objects.get()
    number, token = order.number, order.access_token
    stranger, api = Client(), APIClient()
    refused = [
        stranger.get(f"/orders/{number}/"),
        stranger.get(f"/orders/{number}/?token="),
        stranger.get(f"/orders/{number}/?token={token[:-1]}"),
        stranger.get(f"/orders/{number}/?token={token[:-1]}{'a' if token[-1] != 'a' else 'b'}"),
        stranger.get(f"/checkout/confirmation/{number}/"),  # not this browser's order
        stranger.get("/orders/", {"number": number, "token": "guess"}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    for path in (f"/api/orders/{number}/", f"/api/orders/{number}/?token=guess"):
        body = api.get(path).json()
        assert body == api.get(path.replace(number, "ZZZZZZZZZZ")).json()
        assert body["status"] == 404 and body["code"] == "not_found"

    assert stranger.get(f"/orders/{number}/?token={token}").status_code == 200
    assert buyer.get(f"/checkout/confirmation/{number}/").status_code == 200
    assert api.get(f"/api/orders/{number}/?token={token}").status_code == 200
    api.force_authenticate(staff_user)
    assert api.get(f"/api/orders/{number}/").status_code == 200
