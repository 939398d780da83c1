"""Every API operation with a body, read from /api/schema/, gets hostile JSON: whole bodies
(nesting, lone surrogates, too large, not an object) and, field by field, values of the wrong
type or odd text, the rest of the body plausible. Every answer is a problem+json 4xx or a
success, never a 5xx.

Schemathesis (tests/test_api_fuzz.py) generates from the schema; this walks the same schema
deterministically with the values that caused 500s before (issue 14) and their relatives.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from promotions.codes.models import Promotion
from promotions.giveaways.models import Giveaway
from shop.catalog.models import Product
from tests.conftest import cache_clear
from tests.kits.test_api import KIT, NEW_KIT, NEW_ROUTINE, ROUTINE
from tests.shop.catalog.test_api import _new_product
from tests.shop.checkout_helpers import checkout_body

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PROBLEM = "application/problem+json"

# A value of every JSON type no field expects, odd digits and text, numbers past every limit.
HOSTILE_VALUES: list[Any] = [
    "²",
    "٣",
    "１２",
    "\x00",
    "\u202eevil",
    "e\u0301\u0301",
    "x" * 100_000,
    "9" * 5000,
    "1e999",
    "NaN",
    "-0.001",
    ["x", 1],
    {"a": {"b": [1]}},
    True,
    1e308,
    -1,
    2**63,
    None,
]

WHOLE_BODIES: dict[str, str | bytes] = {
    "nested 1000 deep": '{"a": ' + "[" * 1000 + "]" * 1000 + "}",
    "lone surrogate": '{"name": "\\ud800", "email": "\\udfff@example.com"}',
    "surrogate key": '{"\\ud800": 1}',
    "not an object": "[1, 2, 3]",
    "a string": '"text"',
    "null": "null",
    "empty": "",
    "not json": "{'single': quotes}",
    "invalid utf-8": b'{"name": "\xed\xa0\x80\xff"}',
    "3 MB": '{"pad": "' + "x" * (3 * 1024 * 1024) + '"}',
}


def _plausible(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value of the schema's type (not necessarily valid), so the field under test is not
    the only one the view sees."""
    if "$ref" in schema:
        return _plausible(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth)
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            return _plausible(schema[key][0], components, depth)
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 2:
            return {}
        return {
            name: _plausible(sub, components, depth + 1)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_plausible(schema.get("items", {}), components, depth + 1)] if depth < 3 else []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    if schema.get("format") == "email":
        return "ana@example.com"
    if schema.get("format") == "decimal" or schema.get("pattern", "").startswith("^-?\\d"):
        return "10.00"
    return "hostile-test"


def _valid_bodies(world: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Bodies the API accepts, where a hostile field then reaches past the serializer (a value
    the field lets through meets the service)."""
    product = world["product"]
    return {
        ("post", "/api/auth/token/"): {"username": "staff", "password": "staff-pass-123"},
        ("post", "/api/quote/"): {"items": [{"product": product, "quantity": 1}]},
        ("post", "/api/carts/{cart_id}/items/"): {"product": product, "quantity": 1},
        ("patch", "/api/carts/{cart_id}/items/{item_id}/"): {"quantity": 2},
        ("post", "/api/carts/{cart_id}/promo/"): {"code": "PORES15"},
        ("post", "/api/carts/{cart_id}/checkout/"): checkout_body(),
        ("post", "/api/reminders/"): {
            "email": "ana@example.com",
            "kind": "routine_evening",
            "local_time": "21:00",
            "timezone": "Europe/Paris",
        },
        ("post", "/api/giveaways/{slug}/entries/"): {
            "name": "Ana Lima",
            "email": "ana@example.com",
            "comment": "I would love to try it.",
            "country": "US",
            "age_confirmed": True,
            "news": False,
        },
        ("post", "/api/products/"): _new_product(),
        ("patch", "/api/products/{slug}/"): {"stock": 3, "price": "39.00"},
        ("post", "/api/kits/"): NEW_KIT,
        ("patch", "/api/kits/{slug}/"): {"price": "41.00", "position": 2},
        ("post", "/api/routines/"): NEW_ROUTINE,
        ("patch", "/api/routines/{slug}/"): {"name": "Renamed", "position": 2},
        ("post", "/api/promotions/"): {
            "name": "Spring",
            "kind": "percent",
            "value": "10",
            "codes": ["SPRING"],
        },
        ("post", "/api/promotions/{promotion_id}/codes/"): {"count": 3, "prefix": "SP"},
    }


def _mutations(body: Any) -> list[tuple[str, Any]]:
    """(label, body) with one field, top level or in the first item of a list of objects,
    replaced by each hostile value."""
    out: list[tuple[str, Any]] = []
    if not isinstance(body, dict):
        return out
    for name, original in body.items():
        for value in HOSTILE_VALUES:
            out.append((f"{name}={value!r:.20}", {**body, name: value}))
        if isinstance(original, list) and original and isinstance(original[0], dict):
            for inner in original[0]:
                for value in HOSTILE_VALUES:
                    item = {**original[0], inner: value}
                    out.append((f"{name}.0.{inner}={value!r:.20}", {**body, name: [item]}))
    return out


@pytest.fixture
def world(demo: None, staff_user: Any) -> dict[str, Any]:
    token = Token.objects.create(user=staff_user).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", raise_request_exception=False)
    product = Product.objects.filter(active=True, stock__gt=0).order_by("pk").first()
    assert product is not None
    cart = client.post("/api/carts/", "{}", content_type="application/json").json()["id"]
    added = client.post(
        f"/api/carts/{cart}/items/",
        json.dumps({"product": product.slug, "quantity": 1}),
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    item = added.json()["items"][0]["id"]
    giveaway = Giveaway.objects.order_by("-closes_at").first()
    promotion = Promotion.objects.order_by("pk").first()
    schema = client.get("/api/schema/?format=json").json()
    return {
        "client": client,
        "schema": schema,
        "params": {
            "cart_id": cart,
            "item_id": item,
            "slug": giveaway.slug if giveaway else "x",
            "promotion_id": promotion.pk if promotion else 1,
            "batch_id": 1,
            "number": "X1",
        },
        "product": product.slug,
    }


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                ops.append((method, path, content["application/json"]["schema"]))
    return ops


def _url(path: str, world: dict[str, Any]) -> str:
    url = path
    for name, value in world["params"].items():
        if name == "slug" and "/giveaways/" not in path:
            value = {"products": world["product"], "kits": KIT, "routines": ROUTINE}.get(
                path.split("/")[2], "x"
            )
        url = url.replace("{" + name + "}", str(value))
    return url


def _send(client: Client, method: str, url: str, body: str | bytes) -> Any:
    return client.generic(
        method.upper(),
        url,
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),  # checkout refuses a body without one first
    )


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.content[:300]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM, what


def _api_routes() -> set[str]:
    """Every route under /api/ as the schema spells it (`{slug}`), but the schema's own and
    the catch-all 404."""
    routes: set[str] = set()

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            regex = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + regex)
            elif isinstance(pattern, URLPattern) and (prefix + regex).startswith("api/"):
                route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", prefix + regex)
                routes.add("/" + route.replace("{pk}", "{id}"))  # drf-spectacular's name for pk

    walk(get_resolver().url_patterns, "")
    return routes - {"/api/schema/", "/api/docs/", "/api/^.*$"}


def test_every_api_route_is_in_the_schema_the_fuzzers_read(world: dict[str, Any]) -> None:
    """Schemathesis and this module fuzz what the schema lists: a route missing from it would
    go unfuzzed."""
    assert _api_routes() == set(world["schema"]["paths"])
    found = {(m, p) for m, p, _ in _operations(world["schema"])}
    assert ("post", "/api/carts/{cart_id}/checkout/") in found


def test_hostile_whole_bodies_never_500(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    for method, path, _ in _operations(world["schema"]):
        url = _url(path, world)
        for label, body in WHOLE_BODIES.items():
            cache_clear()
            response = _send(client, method, url, body)
            _check(response, f"{method.upper()} {url} {label}")
            if label in ("nested 1000 deep", "lone surrogate", "surrogate key", "invalid utf-8"):
                assert response.status_code in (400, 401, 403, 404, 405), label
                if response.status_code == 400:
                    assert response.json()["code"] == "parse_error", (url, label)
            if label == "3 MB":
                assert response.status_code == 413, url


def test_hostile_field_values_never_500(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    components = world["schema"]["components"]["schemas"]
    valid = _valid_bodies(world)
    sent = 0
    for method, path, schema in _operations(world["schema"]):
        url = _url(path, world)
        base = valid.get((method, path)) or _plausible(schema, components)
        for label, body in _mutations(base):
            cache_clear()
            response = _send(client, method, url, json.dumps(body))
            _check(response, f"{method.upper()} {url} {label}")
            sent += 1
    assert sent > 1000
