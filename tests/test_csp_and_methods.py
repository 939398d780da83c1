"""Every page carries the Content-Security-Policy; TRACE (and any method no view serves) is
refused with 405 on every path, problem+json `method_not_allowed` under /api/."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from promotions.messaging.models import OutboxMessage
from tests.test_security import _storefront_routes

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

PAGES = [
    "/",
    "/shop/",
    "/products/citrus-facial-wash/",
    "/kits/",
    "/kits/seven-piece-collection/",
    "/kits/routines/three-steps-to-refined-pores/",
    "/cart/",
    "/checkout/",
    "/orders/",
    "/giveaways/",
    "/giveaways/seven-piece-collection/",
    "/reminders/",
    "/quiz/",
    "/no-such-page/",  # the 404 page too
]
ADMIN_PAGES = [
    "/admin/",
    "/admin/shop/product/",
    "/admin/shop/product/add/",
    "/admin/kits/kit/",
    "/admin/promotions/outboxmessage/",
]


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


@pytest.mark.parametrize("url", PAGES)
def test_every_storefront_page_carries_the_policy(demo: None, client: Client, url: str) -> None:
    client.post("/cart/add/", {"product": "citrus-facial-wash", "quantity": "1"})  # for checkout
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert policy(response) == POLICY


def test_the_admin_carries_the_policy(demo: None, admin_client: Client) -> None:
    anonymous = Client().get("/admin/login/")
    assert policy(anonymous) == POLICY
    for url in ADMIN_PAGES:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == POLICY, url


def test_an_emails_html_part_is_framed_under_a_policy_of_its_own(admin_client: Client) -> None:
    message = OutboxMessage.objects.create(
        purpose="test",
        key="test:1",
        recipient="ana@example.com",
        subject="Hello",
        body_text="Hello",
        body_html='<p style="color:red">Hello</p><script>alert(1)</script>',
    )
    page = admin_client.get(f"/admin/promotions/outboxmessage/{message.pk}/change/")
    assert policy(page) == POLICY  # the admin page itself keeps the site's policy
    html = page.content.decode()
    frame = f'src="/admin/promotions/outboxmessage/{message.pk}/html/"'
    assert f'<iframe sandbox="" {frame}' in html and "style=" not in html.split("<body")[1]
    part = admin_client.get(f"/admin/promotions/outboxmessage/{message.pk}/html/")
    assert part.status_code == 200 and part.content.decode() == message.body_html
    assert policy(part) == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",  # the email's own styles, nothing else
        "frame-ancestors": "'self'",
        "sandbox": "",
    }
    assert part["X-Frame-Options"] == "SAMEORIGIN"
    # Staff only, like the message's page.
    assert Client().get(f"/admin/promotions/outboxmessage/{message.pk}/html/").status_code == 302
    assert admin_client.get("/admin/promotions/outboxmessage/999999/html/").status_code == 404


def test_the_api_docs_allow_data_images_and_nothing_inline(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert policy(response) == {**POLICY, "img-src": "'self' data:"}
    html = response.content.decode()
    assert "<style" not in html and "<script>" not in html
    assert 'src="/api/docs/?script="' in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def _api_urls() -> list[str]:
    urls = []
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) == "api/":
            for inner in pattern.url_patterns:  # type: ignore[union-attr]
                route = str(inner.pattern)
                if route.startswith("^"):  # the catch-all
                    continue
                if hasattr(inner, "url_patterns"):
                    urls += ["/api/" + route + str(p.pattern) for p in inner.url_patterns]
                else:
                    urls.append("/api/" + route)
    return [re.sub(r"<(?:\w+:)?\w+>", "x", url) for url in urls]


@pytest.mark.parametrize("method", ["TRACE", "TRACK", "CONNECT", "PROPFIND"])
def test_trace_and_unserved_methods_are_refused_on_every_page(client: Client, method: str) -> None:
    urls = [url for _, url in _storefront_routes()] + ["/", "/admin/", "/no-such-page/"]
    urls += ["/static/shop/shop.css"]
    for url in urls:
        response = client.generic(method, url)
        assert response.status_code == 405, (method, url, response.status_code)
        assert response["Allow"], url
        assert "TRACE" not in response["Allow"]
        assert b"Method not allowed" in response.content


def test_trace_on_the_api_is_problem_json_method_not_allowed(client: Client) -> None:
    urls = _api_urls()
    assert len(urls) > 10 and "/api/steps/" in urls
    for url in [*urls, "/api/no-such-thing/", "/healthz"]:
        response = client.generic("TRACE", url, HTTP_X_CUSTOM="secret")
        assert response.status_code == 405, (url, response.status_code)
        assert response["Content-Type"] == "application/problem+json", url
        body = json.loads(response.content)
        assert body["code"] == "method_not_allowed" and body["status"] == 405, url
        assert b"secret" not in response.content  # nothing of the request is echoed
    steps = client.generic("TRACE", "/api/steps/")
    assert steps["Allow"] == "GET, HEAD, OPTIONS"  # what the view serves, as DRF says it
    assert client.generic("TRACE", "/api/quote/")["Allow"] == "POST, OPTIONS"


def test_the_methods_views_serve_still_reach_them(demo: None, client: Client) -> None:
    assert client.get("/").status_code == 200
    assert client.head("/").status_code == 200
    assert client.options("/api/steps/").status_code == 200
    quote = client.post("/api/quote/", {"items": []}, content_type="application/json")
    assert quote.status_code not in (405, 500)
    assert client.generic("GET", "/api/nope/").status_code == 404
