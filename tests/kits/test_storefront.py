"""Storefront kit pages and the routine builder, without JavaScript (plain form posts)."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kits.models import Kit
from shop.catalog.models import Product
from shop.catalog.offers import catalog_offers

pytestmark = pytest.mark.django_db

BUILDER = "/kits/routines/three-steps-to-refined-pores/"


def text(html: str) -> str:
    """The page's visible text, whitespace collapsed, entities for quotes left as they are."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def step_errors(html: str) -> dict[str, list[str]]:
    """The field errors inside each step's fieldset."""
    errors = {}
    for step, body in re.findall(
        r'<fieldset class="builder-step[^"]*" id="step-([a-z-]+)".*?>(.*?)</fieldset>', html, re.S
    ):
        found = re.findall(r'<p class="field-error">([^<]*)</p>', body)
        errors[step] = [html_lib.unescape(message) for message in found]
    return errors


def summary(html: str) -> str:
    start = html.index('id="builder-summary"')
    return text(html[start : html.index("</aside>", start)])


def test_kit_list_shows_kits_and_routines(demo: None, client: Client) -> None:
    response = client.get(reverse("kits:kit_list"))
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "The seven-piece collection" in page
    assert "$95.00" in page
    assert "$180.00 of products + $64.00 of free gifts: you save $149.00" in page
    assert "7 products + 2 gifts" in page
    assert "Three steps to refined pores" in page
    assert "10% off with 3 products or more" in page
    assert "15% off with 5 products or more" in page


def test_the_nav_links_to_kits(demo: None, client: Client) -> None:
    html = client.get("/").content.decode()
    assert 'href="/kits/"' in html


def test_kit_page_shows_components_gifts_value_price_and_savings(
    demo: None, client: Client
) -> None:
    response = client.get("/kits/seven-piece-collection/")
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "$95.00" in page
    assert "$180.00 value" in page
    assert "You save $149.00: $85.00 off the products + $64.00 of free gifts." in page
    for name in ("Citrus Facial Wash", "Enlarged Pore treatment", "Skin Clear Toner"):
        assert name in page
    assert "Bonus gifts" in page
    assert "Serum Prep ($30.00 value, free while stocks last)" in page
    assert "In stock" in page


def test_kit_page_shows_stock_state(demo: None, client: Client) -> None:
    Product.objects.filter(slug="skin-clear-toner").update(stock=4)
    page = text(client.get("/kits/seven-piece-collection/").content.decode())
    assert "Only 4 left." in page
    Product.objects.filter(slug="skin-clear-toner").update(stock=0)
    page = text(client.get("/kits/seven-piece-collection/").content.decode())
    assert "Out of stock" in page
    Product.objects.filter(slug="skin-clear-toner").update(stock=5, active=False)
    page = text(client.get("/kits/seven-piece-collection/").content.decode())
    assert "Not available" in page and "Skin Clear Toner is no longer sold." in page


def test_unknown_or_inactive_kit_is_404(demo: None, client: Client) -> None:
    assert client.get("/kits/nope/").status_code == 404
    Kit.objects.update(active=False)
    assert client.get("/kits/seven-piece-collection/").status_code == 404
    assert client.get("/kits/routines/nope/").status_code == 404


def test_builder_walks_the_steps_in_order(demo: None, client: Client) -> None:
    response = client.get(BUILDER)
    assert response.status_code == 200
    html = response.content.decode()
    assert list(step_errors(html)) == ["cleanse", "tone", "renew", "prime", "foundation", "powder"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<form method="post"' in html
    # one choice for single slots, several for renew; optional single slots offer "None"
    assert 'type="radio" name="step-cleanse" value="citrus-facial-wash"' in html
    assert 'type="checkbox" name="step-renew" value="ceramic-skin-smoother"' in html
    assert 'type="radio" name="step-prime" value="" checked' in html
    page = text(html)
    assert "Citrus Facial Wash $22.00" in page
    assert "Salicylic acid" in page  # key ingredients
    assert "Choose 3 products or more for 10% off." in page


def post(client: Client, **steps: Any) -> Any:
    data = {f"step-{step}": value for step, value in steps.items()}
    return client.post(BUILDER, data)


def test_three_steps_reach_the_10_percent_tier(demo: None, client: Client) -> None:
    response = post(
        client,
        cleanse="citrus-facial-wash",
        tone="face-firming-toner",
        renew="advanced-face-firming",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert all(not errors for errors in step_errors(html).values())
    page = summary(html)
    assert "Regular price (3 products) $84.00" in page
    assert "Routine 10% off (3+ products) −$8.40" in page
    assert "Your routine $75.60" in page
    assert "You save $8.40" in page
    assert "10% off tier reached with 3 products." in page
    # Cheapest two additions: Pore... no, cleanse is full: Finishing Powder 22 + Primer 24
    assert (
        "Add 2 more products to reach 15% off and save at least $19.50 on the routine "
        "(for example Finishing Powder ($22.00) and Foundation Primer ($24.00))."
    ) in page
    # The choices stay chosen.
    assert 'value="citrus-facial-wash" checked' in html


def test_five_products_reach_the_15_percent_tier(demo: None, client: Client) -> None:
    response = post(
        client,
        cleanse="citrus-facial-wash",
        tone="face-firming-toner",
        renew=["advanced-face-firming", "enlarged-pore-treatment"],
        powder="finishing-powder",
    )
    page = summary(response.content.decode())
    # 22 + 24 + 38 + 26 + 22 = 132.00; 15% = 19.80
    assert "Routine 15% off (5+ products) −$19.80" in page
    assert "Your routine $112.20" in page
    assert "15% off tier reached with 5 products." in page
    assert "more products to reach" not in page  # no higher tier


def test_the_add_one_more_hint_is_the_price_of_the_cheapest_addition(
    demo: None, client: Client
) -> None:
    response = post(
        client,
        cleanse="citrus-facial-wash",
        tone="face-firming-toner",
        renew="advanced-face-firming",
        powder="finishing-powder",
    )
    page = summary(response.content.decode())
    # With Foundation Primer (24.00): 84 + 22 + 24 = 130.00, 15% = 19.50
    assert (
        "Add 1 more product to reach 15% off and save at least $19.50 on the routine "
        "(for example Foundation Primer ($24.00))."
    ) in page


def test_a_missing_cleanser_is_explained_next_to_its_step(demo: None, client: Client) -> None:
    response = post(client, tone="face-firming-toner", renew="advanced-face-firming")
    assert response.status_code == 400
    html = response.content.decode()
    assert step_errors(html) == {
        "cleanse": ["Choose one cleanser."],
        "tone": [],
        "renew": [],
        "prime": [],
        "foundation": [],
        "powder": [],
    }
    page = summary(html)
    assert "Price so far $62.00" in page
    assert "Not complete yet: Choose one cleanser." in page


def test_too_many_and_wrong_products_are_explained(demo: None, client: Client) -> None:
    response = post(
        client,
        cleanse="citrus-facial-wash",
        tone="foundation-primer",
        renew=["advanced-face-firming", "enlarged-pore-treatment", "ceramic-skin-smoother"],
    )
    errors = step_errors(response.content.decode())
    assert errors["tone"] == ["Foundation Primer is not a toner.", "Choose one toner."]
    assert errors["renew"] == ["Renew treatment allows at most 2 products."]


def test_unknown_and_retired_products_are_explained(demo: None, client: Client) -> None:
    Product.objects.filter(slug="skin-clear-toner").update(active=False)
    response = post(
        client,
        cleanse="no-such-wash",
        tone="skin-clear-toner",
        renew="advanced-face-firming",
    )
    errors = step_errors(response.content.decode())
    assert errors["cleanse"] == ['No product is called "no-such-wash".', "Choose one cleanser."]
    assert errors["tone"] == ["Skin Clear Toner is no longer sold.", "Choose one toner."]


def test_conflicting_ingredients_are_warnings_not_changes(demo: None, client: Client) -> None:
    response = post(
        client,
        cleanse="pore-refining-acne-cleanser",
        tone="face-firming-toner",
        renew=["ceramic-skin-smoother", "enlarged-pore-treatment"],
    )
    assert response.status_code == 200
    html = response.content.decode()
    page = summary(html)
    assert "Two exfoliating acids: Face Firming Toner (Salicylic acid) and Ceramic Skin" in page
    assert "Retinol with benzoyl peroxide: Enlarged Pore treatment (Retinol) and Pore" in page
    assert "Retinol with an exfoliating acid:" in page
    assert "your selection stays as you chose it" in page
    assert "Your routine $88.20" in page  # 20 + 24 + 28 + 26 = 98.00 less 10%
    assert 'value="ceramic-skin-smoother" checked' in html


def test_user_text_is_escaped(demo: None, client: Client) -> None:
    response = post(client, cleanse='<script>alert("x")</script>')
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_the_json_answer_carries_the_summary_and_errors(demo: None, client: Client) -> None:
    response = client.post(
        BUILDER,
        {"step-tone": "face-firming-toner", "step-renew": "advanced-face-firming"},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is False
    assert data["errors"]["cleanse"] == [{"code": "missing", "message": "Choose one cleanser."}]
    assert data["errors"]["tone"] == []
    assert "Price so far $62.00" in text(data["summary_html"])
    assert data["breakdown"]["total"] == "62.00"


def test_builder_needs_csrf(demo: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(BUILDER, {"step-cleanse": "citrus-facial-wash"}).status_code == 403


@pytest.mark.parametrize("chosen", [0, 3, 7])
def test_builder_queries_do_not_grow_with_the_selection(
    demo: None, client: Client, django_assert_num_queries: Any, chosen: int
) -> None:
    selection = {
        "step-cleanse": "citrus-facial-wash",
        "step-tone": "face-firming-toner",
        "step-renew": ["advanced-face-firming", "enlarged-pore-treatment"],
        "step-prime": "foundation-primer",
        "step-foundation": "no-foundation-foundation",
        "step-powder": "finishing-powder",
    }
    data = dict(list(selection.items())[: {0: 0, 3: 3, 7: 6}[chosen]])
    catalog_offers()  # as in a running shop: loaded once, checked by the catalog token after that
    # routine + slots + slot products + tiers + eligible products + their ingredients + conflicts
    # + the catalog token (the automatic offers the selection is priced with are kept under it)
    with django_assert_num_queries(8):
        client.post(BUILDER, data)
    with django_assert_num_queries(6):
        client.get(BUILDER)


def test_kit_pages_take_a_fixed_number_of_queries(
    demo: None, client: Client, django_assert_num_queries: Any
) -> None:
    # kit + components + gifts + the parts' 30-day lows (is the value claim backed? kits.claims)
    with django_assert_num_queries(4):
        client.get("/kits/seven-piece-collection/")
    # kits + components + gifts + the parts' 30-day lows + routines + slots + slot products + tiers
    with django_assert_num_queries(8):
        client.get("/kits/")


def test_a_nul_byte_in_a_choice_is_explained_not_a_500(demo: None, client: Client) -> None:
    response = post(client, cleanse="a\x00b", tone="face-firming-toner")
    assert response.status_code == 400
    assert step_errors(response.content.decode())["cleanse"][0].startswith("No product is called")


def test_three_renew_products_claim_no_tier_in_the_page_or_the_json(
    demo: None, client: Client
) -> None:
    steps = {
        "step-cleanse": "citrus-facial-wash",
        "step-tone": "face-firming-toner",
        "step-renew": [
            "advanced-face-firming",
            "enlarged-pore-treatment",
            "ceramic-skin-smoother",
        ],
    }
    response = client.post(BUILDER, steps)
    assert response.status_code == 400
    page = summary(response.content.decode())
    assert "Renew treatment allows at most 2 products." in page
    assert "tier reached" not in page and "% off" not in page
    assert "Price so far" in page and "You save" not in page
    answer = client.post(BUILDER, steps, headers={"X-Requested-With": "fetch"}).json()
    assert answer["valid"] is False
    assert "tier reached" not in answer["summary_html"] and "% off" not in answer["summary_html"]
    assert answer["breakdown"]["discount_total"] == "0.00"
