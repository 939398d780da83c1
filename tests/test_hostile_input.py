"""Hostile bodies and form values: a 400 `parse_error`, a 413 `payload_too_large` or a message
next to the field, never a 500 (issue 14, "500s from bodies")."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.test import APIClient

from config.api import SlugRelatedField
from config.parsers import MAX_DEPTH, JSONParser, nesting_depth_exceeds
from shop.catalog.models import Step
from shop.checkout.models import Order
from tests.factories import PromotionFactory
from tests.shop.checkout_helpers import checkout_body, make_catalog, new_cart, problem

pytestmark = pytest.mark.django_db

THREE_MB = 3 * 1024 * 1024


def raw_post(client: Client, url: str, body: str | bytes, **extra: Any) -> Any:
    return client.post(url, data=body, content_type="application/json", **extra)


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


# -- nesting ------------------------------------------------------------------------------------


def test_json_nested_1000_deep_is_a_parse_error(client: Client) -> None:
    make_catalog()
    cart_id = new_cart(APIClient())
    body = '{"items": ' + "[" * 1000 + "]" * 1000 + "}"
    for url in ("/api/quote/", f"/api/carts/{cart_id}/items/"):
        problem(raw_post(client, url, body), 400, "parse_error")


def test_json_nested_just_past_the_limit_is_refused_and_at_it_is_parsed(client: Client) -> None:
    # {"items": [[[...]]]}: the object is one level, so MAX_DEPTH - 1 lists reach the limit.
    def body(lists: int) -> str:
        return '{"items": ' + "[" * lists + "]" * lists + "}"

    problem(raw_post(client, "/api/quote/", body(MAX_DEPTH)), 400, "parse_error")
    at_limit = raw_post(client, "/api/quote/", body(MAX_DEPTH - 1))
    assert at_limit.status_code == 400
    assert at_limit.json()["code"] != "parse_error"


def test_depth_is_counted_without_recursion() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting_depth_exceeds(deep)
    assert not nesting_depth_exceeds({"a": [{"b": [1, 2]}]}, limit=4)
    assert nesting_depth_exceeds({"a": [{"b": [1, 2]}]}, limit=3)
    assert not nesting_depth_exceeds("text")


# -- text that is not Unicode -------------------------------------------------------------------


def test_a_lone_surrogate_in_a_checkout_body_is_a_parse_error_and_writes_nothing(
    client: Client,
) -> None:
    make_catalog()
    cart_id = new_cart(APIClient(), {"product": "wash", "quantity": 1})
    # The name is not validated for surrogates: it reached the idempotency fingerprint
    # (UnicodeEncodeError while hashing) before.
    body = checkout_body()
    body["name"] = "Ana \ud800 Lima"
    response = raw_post(
        client,
        f"/api/carts/{cart_id}/checkout/",
        json.dumps(body),  # ensure_ascii: the surrogate travels as the escape "\ud800"
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    problem(response, 400, "parse_error")
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        # An unknown slug is echoed in the error message ("No product '...'").
        ("/api/quote/", '{"items": [{"product": "x\\ud800", "quantity": 1}]}'),
        ("/api/quote/", '{"items": [{"product": "wash", "quantity": "\\udfff"}]}'),
        ("/api/quote/", '{"items": [{"routine": "basic", "selections": ["\\ud800"]}]}'),
        ("/api/quote/", '{"\\ud800": 1}'),
    ],
)
def test_a_lone_surrogate_anywhere_is_a_parse_error(client: Client, url: str, body: str) -> None:
    make_catalog()
    problem(raw_post(client, url, body), 400, "parse_error")


def test_a_surrogate_pair_is_text_like_any_other(client: Client) -> None:
    make_catalog()
    response = raw_post(client, "/api/quote/", '{"items": [{"product": "\\ud83d\\ude00"}]}')
    assert response.status_code == 400
    assert response.json()["code"] != "parse_error"
    assert "\U0001f600" in response.json()["detail"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_cannot_carry_are_a_parse_error(client: Client, number: str) -> None:
    make_catalog()
    body = '{"items": [{"product": "wash", "quantity": %s}]}' % number  # noqa: UP031
    problem(raw_post(client, "/api/quote/", body), 400, "parse_error")


# -- size ---------------------------------------------------------------------------------------


def test_a_3_mb_body_to_the_api_is_413(client: Client) -> None:
    body = '{"items": [], "pad": "' + "x" * THREE_MB + '"}'
    response = problem(raw_post(client, "/api/quote/", body), 413, "payload_too_large")
    assert response["status"] == 413


def test_a_3_mb_body_without_content_length_is_413_from_the_parser(client: Client) -> None:
    """Chunked bodies have no Content-Length: the parser caps what it reads."""

    class Stream:
        def __init__(self) -> None:
            self.data = b'{"pad": "' + b"x" * THREE_MB + b'"}'

        def read(self, size: int = -1) -> bytes:
            return self.data if size < 0 else self.data[:size]

    with pytest.raises(APIException) as raised:
        JSONParser().parse(Stream(), "application/json", {})
    assert raised.value.status_code == 413


def test_a_3_mb_form_post_is_a_413_page(client: Client) -> None:
    response = client.post(
        "/cart/add/",
        data="product=wash&quantity=1&pad=" + "x" * THREE_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert b"too much" in response.content


def test_too_many_form_fields_in_a_multipart_post_is_413_not_500(client: Client) -> None:
    # Multipart skips the early Content-Length check (files may be larger); Django raises
    # TooManyFieldsSent while parsing, which the 400 handler answers with 413.
    fields = {f"f{i}": "1" for i in range(1200)}
    response = client.post("/cart/add/", fields)
    assert response.status_code == 413


def test_a_multipart_api_body_over_the_limit_is_a_problem_not_500(client: Client) -> None:
    fields = {"pad": "x" * THREE_MB}
    response = client.post("/api/quote/", fields)  # multipart: parsed lazily
    # The API takes JSON only: refused by its media type before a byte is read.
    problem(response, 415, "unsupported_media_type")


# -- digits that int() does not take ------------------------------------------------------------


@pytest.mark.parametrize("quantity", ["²", "٣", "１", "1.5", "-1", "1e3", "", "\x00"])
def test_a_cart_form_quantity_that_is_not_ascii_digits_gets_the_quantity_message(
    client: Client, quantity: str
) -> None:
    make_catalog()
    response = client.post("/cart/add/", {"product": "wash", "quantity": quantity}, follow=True)
    assert response.status_code == 200
    if quantity == "":  # an empty box means 1, as before
        assert b"Added" in response.content
    else:
        assert b"Quantity must be a whole number" in response.content


@pytest.mark.parametrize("page", ["²", "٣", "1" * 5000], ids=["superscript", "arabic", "long"])
def test_an_api_page_number_that_is_not_ascii_digits_is_400(client: Client, page: str) -> None:
    problem(client.get("/api/products/", {"page": page}), 400, "invalid_page")
    problem(client.get("/api/products/", {"page_size": page}), 400, "invalid_page_size")


@pytest.mark.parametrize("batch", ["", "²", "٣", "1" * 5000], ids=["empty", "sup", "ar", "long"])
def test_a_code_list_batch_that_is_not_ascii_digits_is_400(
    client: Client, staff_user: Any, batch: str
) -> None:
    """Schemathesis found `?batch=` accepted (the schema says integer); `²` was a 500."""
    promotion = PromotionFactory()
    client.force_login(staff_user)
    response = client.get(f"/api/promotions/{promotion.pk}/codes/", {"batch": batch})
    body = problem(response, 400, "validation_error")
    assert body["errors"] == {"batch": ["Enter a whole number."]}


# -- NUL in a slug that names a row (PostgreSQL refuses NUL in text) ---------------------------


def test_a_nul_in_a_related_slug_is_400_without_a_query(
    client: Client, staff_user: Any, django_assert_num_queries: Any
) -> None:
    """The API hostile suite found POST /api/products/ {"step": "\\u0000"} a 500 on PostgreSQL:
    DRF's SlugRelatedField looked the NUL up. Ours answers "does not exist" without asking."""
    field = SlugRelatedField(slug_field="slug", queryset=Step.objects.all())
    with django_assert_num_queries(0), pytest.raises(ValidationError) as raised:
        field.run_validation("cle\x00anse")
    assert raised.value.detail[0].code == "does_not_exist"  # type: ignore[index]
    client.force_login(staff_user)
    response = client.post(
        "/api/products/",
        json.dumps({"name": "N", "slug": "n", "sku": "N-1", "step": "\x00", "price": "1.00"}),
        content_type="application/json",
    )
    assert problem(response, 400, "validation_error")["errors"]["step"]


# -- the admin's autocomplete fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/admin/kits/ingredientconflict/add/", {"first": "²", "second": "9" * 20}),
        ("/admin/shop/product/add/", {"name": "N", "concerns": ["٣x", "1" * 25, "²"]}),
    ],
    ids=["foreign key", "many to many"],
)
def test_a_bad_id_in_an_admin_autocomplete_field_is_a_field_error(
    client: Client, staff_user: Any, url: str, fields: dict[str, Any]
) -> None:
    """The admin fuzz found Django's autocomplete widgets looking posted values up to show the
    form again: `²` raised ValueError, a 20-digit id OverflowError on SQLite (500s)."""
    client.force_login(staff_user)
    response = client.post(url, fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(fields) - {"name"} <= set(errors)
