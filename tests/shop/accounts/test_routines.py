"""Saved routines: saved priced now through the quote path (its problem codes for bad input),
listed priced today, put in a new cart in one call, deleted; another account's is a 404; a
product removed since is named and blocks the reorder; the pages and the save forms on the
builder and the quiz result."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from kits.quiz.models import QuizCompletion
from shop.accounts.routines import MAX_SAVED_ROUTINES, SavedRoutine
from shop.cart.models import Cart
from shop.catalog.models import Product
from tests.shop.checkout_helpers import Catalog, problem

pytestmark = pytest.mark.django_db

BODY = {"name": "Morning", "routine": "basic", "selections": ["wash", "toner", "serum"]}


def person(email: str = "jane@example.com") -> Any:
    return get_user_model().objects.create_user(
        username=email, email=email, password="a-long-pass-123"
    )


def api_as(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def page_as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def save(client: APIClient, body: Any = None) -> Any:
    return client.post("/api/account/routines/", BODY if body is None else body, format="json")


def test_saving_prices_it_now_exactly_as_the_quote_does(
    catalog: Catalog, api_client: APIClient
) -> None:
    client = api_as(person())
    response = save(client)
    assert response.status_code == 201, response.content
    body = response.json()
    item = {"routine": "basic", "selections": BODY["selections"]}
    quote = api_client.post("/api/quote/", {"items": [item]}, format="json").json()
    assert body["breakdown"] == quote
    assert {k: body[k] for k in ("name", "routine", "selections")} == BODY
    assert body["products"] == ["Citrus Wash", "Firming Toner", "Renew Serum"]
    listed = client.get("/api/account/routines/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert listed["results"][0]["breakdown"] == quote


@pytest.mark.parametrize(
    "change",
    [
        {"selections": ["wash"]},  # tone is required
        {"selections": ["wash", "toner", "nope"]},
        {"selections": []},
        {"selections": "wash"},
        {"selections": [1, 2]},
        {"routine": "missing"},
        {"routine": ""},
    ],
)
def test_invalid_selections_get_the_quotes_problem_code_and_save_nothing(
    catalog: Catalog, api_client: APIClient, change: dict[str, Any]
) -> None:
    body = {**BODY, **change}
    item = {"routine": body["routine"], "selections": body["selections"]}
    quote = api_client.post("/api/quote/", {"items": [item]}, format="json")
    problem(quote, 400, "invalid_items")
    problem(save(api_as(person()), body), 400, "invalid_items")
    assert not SavedRoutine.objects.exists()


def test_the_name_defaults_to_the_routines(catalog: Catalog) -> None:
    response = save(api_as(person()), {**BODY, "name": ""})
    assert response.json()["name"] == "Basic routine"


def test_reorder_makes_a_new_cart_holding_the_routine(catalog: Catalog) -> None:
    client = api_as(person())
    routine_id = save(client).json()["id"]
    response = client.post(f"/api/account/routines/{routine_id}/cart/")
    assert response.status_code == 201, response.content
    cart = client.get(f"/api/carts/{response.json()['cart']}/").json()
    assert [(i["routine"], i["selections"], i["quantity"]) for i in cart["items"]] == [
        ("basic", BODY["selections"], 1)
    ]
    again = client.post(f"/api/account/routines/{routine_id}/cart/").json()["cart"]
    assert again != response.json()["cart"] and Cart.objects.count() == 2


def test_delete_is_204_and_another_accounts_routine_is_404(catalog: Catalog) -> None:
    owner = api_as(person())
    routine_id = save(owner).json()["id"]
    other = api_as(person("bob@example.com"))
    assert other.get("/api/account/routines/").json()["results"] == []
    problem(other.post(f"/api/account/routines/{routine_id}/cart/"), 404, "not_found")
    problem(other.delete(f"/api/account/routines/{routine_id}/"), 404, "not_found")
    problem(owner.delete(f"/api/account/routines/{10**30}/"), 404, "not_found")
    assert not Cart.objects.exists()
    assert owner.delete(f"/api/account/routines/{routine_id}/").status_code == 204
    assert not SavedRoutine.objects.exists()
    problem(owner.delete(f"/api/account/routines/{routine_id}/"), 404, "not_found")
    pages = page_as(person("eve@example.com"))
    assert pages.post(f"/account/routines/{routine_id}/cart/").status_code == 404


def test_signed_out_gets_a_problem(catalog: Catalog) -> None:
    for response in (
        APIClient().get("/api/account/routines/"),
        APIClient().post("/api/account/routines/", BODY, format="json"),
    ):
        assert response.status_code in (401, 403)
        assert response["Content-Type"] == "application/problem+json"
    assert Client().get("/account/routines/").status_code == 302


def test_a_removed_product_is_named_and_the_reorder_is_refused(catalog: Catalog) -> None:
    user = person()
    client = api_as(user)
    routine_id = save(client).json()["id"]
    Product.objects.filter(slug="serum").update(active=False)
    listed = client.get("/api/account/routines/").json()["results"][0]
    assert listed["breakdown"] is None
    assert listed["problem"] == "Renew Serum is no longer sold."
    problem(client.post(f"/api/account/routines/{routine_id}/cart/"), 400, "invalid_items")
    assert not Cart.objects.exists()
    html = page_as(user).get("/account/routines/").content.decode()
    assert "can't be bought as saved today: Renew Serum is no longer sold." in html
    assert '<button type="button" class="button" disabled' in html
    response = page_as(user).post(f"/account/routines/{routine_id}/cart/", follow=True)
    assert "Could not put it in your cart" in response.content.decode()
    assert not Cart.objects.exists()


def test_an_account_keeps_a_bounded_number(catalog: Catalog) -> None:
    user = person()
    SavedRoutine.objects.bulk_create(
        SavedRoutine(user=user, name="r", routine="basic", selections=["wash", "toner"])
        for _ in range(MAX_SAVED_ROUTINES)
    )
    problem(save(api_as(user)), 409, "too_many_saved_routines")


def test_the_page_lists_them_priced_and_reorders_into_the_session_cart(catalog: Catalog) -> None:
    user = person()
    routine_id = save(api_as(user)).json()["id"]
    client = page_as(user)
    html = client.get("/account/routines/").content.decode()
    assert "Morning" in html and "Citrus Wash" in html and "Put in my cart" in html
    response = client.post(f"/account/routines/{routine_id}/cart/")
    assert response.status_code == 302 and response["Location"] == "/cart/"
    cart = client.get("/cart/").content.decode()
    assert "Basic routine" in cart
    response = client.post(f"/account/routines/{routine_id}/delete/")
    assert response.status_code == 302 and not SavedRoutine.objects.exists()


def test_the_builder_saves_for_signed_in_shoppers_and_asks_others_to_sign_in(
    catalog: Catalog,
) -> None:
    signed_out = Client().get("/kits/routines/basic/").content.decode()
    assert "Sign in to save this routine" in signed_out
    assert 'href="/account/login/?next=/kits/routines/basic/"' in signed_out
    user = person()
    client = page_as(user)
    page = client.get("/kits/routines/basic/").content.decode()
    assert 'formaction="/account/routines/save/"' in page
    form = {"routine": "basic", "step-cleanse": "wash", "step-tone": "toner", "step-renew": ""}
    response = client.post("/account/routines/save/", form)
    assert response.status_code == 302 and response["Location"] == "/account/routines/"
    saved = SavedRoutine.objects.get()
    assert (saved.user_id, saved.routine, saved.selections) == (user.pk, "basic", ["wash", "toner"])
    bad = client.post(
        "/account/routines/save/",
        {"routine": "basic", "step-cleanse": "wash", "next": "/kits/routines/basic/"},
        follow=True,
    )
    assert "Could not save this routine" in bad.content.decode()
    assert SavedRoutine.objects.count() == 1


@pytest.mark.parametrize("count", [1, 10])
def test_listing_them_priced_is_constant_queries(
    catalog: Catalog, count: int, django_assert_max_num_queries: Any
) -> None:
    """Session, user, the routines, their products' names, the catalog snapshot's version (and,
    the first time, the snapshot's load): not one more per routine."""
    user = person()
    SavedRoutine.objects.bulk_create(
        SavedRoutine(user=user, name=f"r{i}", routine="basic", selections=["wash", "toner"])
        for i in range(count)
    )
    client = api_as(user)
    assert client.get("/api/account/routines/").json()["count"] == count  # warms the snapshot
    with django_assert_max_num_queries(5):
        body = client.get("/api/account/routines/").json()
    assert all(row["breakdown"] for row in body["results"])
    page = page_as(user)
    page.get("/account/routines/")
    with django_assert_max_num_queries(5):
        assert page.get("/account/routines/").status_code == 200


QUIZ_ANSWERS = {
    "skin_type": "dry",
    "concerns": ["fine_lines", "firmness"],
    "sensitive": "yes",
    "makeup": "yes",
}


def test_the_quiz_result_saves_the_routine_for_a_signed_in_shopper(demo: None) -> None:
    client = Client()
    result = client.post("/quiz/", QUIZ_ANSWERS)["Location"]
    completion = QuizCompletion.objects.get()
    signed_out = client.get(result).content.decode()
    assert f'href="/account/login/?next={result}"' in signed_out
    assert "/account/routines/save/" not in signed_out

    user = person()
    client.force_login(user)
    page = client.get(result).content.decode()
    form = re.search(r'<form method="post" action="/account/routines/save/".*?</form>', page, re.S)
    assert form is not None
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[0]):
        fields.setdefault(name, []).append(value)
    assert fields["routine"] == [completion.routine]
    assert fields["selections"] == list(completion.selections)
    response = client.post("/account/routines/save/", fields)
    assert response["Location"] == "/account/routines/"
    saved = SavedRoutine.objects.get(user=user)
    assert (saved.routine, saved.selections) == (completion.routine, list(completion.selections))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"routine": "\x00"},
        {"routine": "basic", "selections": ["\x00", "wash"]},
        {"routine": "b" * 5000, "step-cleanse": "w" * 5000},
        {"routine": "basic", "selections": [str(i) for i in range(500)]},
        {"routine": "basic", "name": "\u202e" * 500, "step-cleanse": "wash", "step-tone": "toner"},
        {"routine": ["basic", "pair"], "step-cleanse": "wash", "step-tone": "toner"},
    ],
)
def test_the_save_form_answers_hostile_values_without_a_server_error(
    catalog: Catalog, body: dict[str, Any]
) -> None:
    client = page_as(person())
    response = client.post("/account/routines/save/", body)
    assert response.status_code == 302
    assert SavedRoutine.objects.count() <= 1
    for saved in SavedRoutine.objects.all():
        assert len(saved.name) <= 80 and saved.routine == "basic"


@pytest.mark.parametrize(
    "body",
    [
        [],
        "basic",
        {"routine": {"a": 1}, "selections": ["wash"]},
        {"routine": "basic", "selections": [{"x": 1}]},
        {"routine": "basic", "selections": ["wash", "toner"], "name": ["x"]},
        {"routine": "basic", "selections": ["wash", "toner"], "name": "n" * 81},
        {"routine": "\x00", "selections": ["\x00"]},
    ],
)
def test_the_api_answers_hostile_bodies_with_a_problem(catalog: Catalog, body: Any) -> None:
    response = save(api_as(person()), body)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not SavedRoutine.objects.exists()
