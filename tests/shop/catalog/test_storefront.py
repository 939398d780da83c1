"""Storefront catalog pages render with the demo data, filter, and stay cheap in queries."""

from typing import Any

import pytest
from django.test import Client

from tests.factories import IngredientFactory, ProductFactory, StepFactory

pytestmark = pytest.mark.django_db


def test_home_explains_the_three_steps(demo: None, client: Client) -> None:
    html = client.get("/").content.decode()
    for step in ("Cleanse", "Tone", "Renew"):
        assert step in html
    assert "remove your makeup before bed" in html.lower()
    assert 'href="/shop/"' in html


def test_product_list_filters_by_step_concern_ingredient_and_search(
    demo: None, client: Client
) -> None:
    html = client.get("/shop/?step=tone").content.decode()
    assert "Face Firming Toner" in html and "Citrus Facial Wash" not in html
    html = client.get("/shop/?ingredient=dmae&q=wash").content.decode()
    assert "Citrus Facial Wash" in html and "Face Firming Toner" not in html
    html = client.get("/shop/?concern=puffiness").content.decode()
    assert "High Potency Eye treatment" in html and "1 product" in html


def test_unknown_filter_shows_the_error_next_to_the_field(demo: None, client: Client) -> None:
    response = client.get("/shop/?step=nope")
    assert response.status_code == 400
    html = response.content.decode()
    assert "field-error" in html and "nope" in html


def test_product_detail_shows_ingredients_benefits_and_step(demo: None, client: Client) -> None:
    html = client.get("/products/face-firming-toner/").content.decode()
    assert "Face Firming Toner" in html
    assert "Step 2: Tone" in html
    assert "Alpha lipoic acid" in html and "Reduces inflammation" in html
    assert "$24.00" in html


def test_unknown_and_inactive_products_are_404(demo: None, client: Client) -> None:
    assert client.get("/products/nope/").status_code == 404
    ProductFactory(slug="gone", active=False)
    assert client.get("/products/gone/").status_code == 404


def test_user_text_is_escaped(client: Client) -> None:
    ProductFactory(slug="x", name="<script>alert(1)</script>", summary="<b>bold</b>")
    html = client.get("/products/x/").content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


@pytest.mark.parametrize("count", [1, 30])
def test_product_list_page_query_count_is_constant(
    client: Client, django_assert_max_num_queries: Any, count: int
) -> None:
    step = StepFactory(slug="cleanse", position=1)
    ingredients = [IngredientFactory() for _ in range(3)]
    for _ in range(count):
        ProductFactory(step=step, ingredients=ingredients)
    # 3 filter choice lists, count, page (+step), ingredients, concerns (+ session/nav)
    with django_assert_max_num_queries(9):
        response = client.get("/shop/")
    assert response.status_code == 200


def test_pages_work_on_a_phone_without_scripts(demo: None, client: Client) -> None:
    html = client.get("/shop/").content.decode()
    assert 'name="viewport"' in html
    assert '<form class="filters" method="get"' in html
    assert "https://" not in html.split("<body", 1)[0]  # no CDN assets in the head
