"""A giveaway's prize can be a kit: named by slug in the API, shown with its parts and value."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from promotions.giveaways.models import Giveaway

pytestmark = pytest.mark.django_db

BODY = {
    "slug": "winter-kit",
    "title": "Win the collection",
    "opens_at": "2026-01-01T00:00:00Z",
    "closes_at": "2027-01-01T00:00:00Z",
}


def test_staff_names_a_kit_as_the_prize(demo: None, staff_api: APIClient) -> None:
    response = staff_api.post(
        "/api/giveaways/", {**BODY, "prize_kit": "seven-piece-collection"}, format="json"
    )
    assert response.status_code == 201, response.content
    prize = response.json()["prize"]
    assert prize["kit"] == "seven-piece-collection"
    assert prize["value"] == "244.00"  # 180.00 of components and 64.00 of bonus gifts


@pytest.mark.parametrize("slug", ["no-such-kit", "a b", "x" * 300])
def test_an_unknown_prize_kit_is_a_field_error(demo: None, staff_api: APIClient, slug: str) -> None:
    response = staff_api.post("/api/giveaways/", {**BODY, "prize_kit": slug}, format="json")
    assert response.status_code == 400
    assert "prize_kit" in response.json()["errors"]
    assert not Giveaway.objects.filter(slug="winter-kit").exists()


def test_the_demo_giveaway_page_shows_the_kit_and_its_gifts(demo: None, client: Client) -> None:
    giveaway = Giveaway.objects.get(slug="seven-piece-collection")
    assert giveaway.prize_kit is not None
    html = client.get(giveaway.get_absolute_url()).content.decode()
    assert "Serum Prep</a> (bonus gift)" in html
    assert "$244.00" in html


def test_prize_kit_keeps_the_page_queries_constant(
    demo: None, client: Client, django_assert_max_num_queries: Any
) -> None:
    giveaway = Giveaway.objects.get(slug="seven-piece-collection")
    with django_assert_max_num_queries(12):
        client.get(giveaway.get_absolute_url())
