"""Kits, routines and conflicts in the admin: staff only, live figures, price previews."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from kits.models import IngredientConflict, Kit, KitComponent, KitGift, Routine, RoutineSlot
from shop.catalog.models import Ingredient, Product, Step

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("model", [Kit, Routine, IngredientConflict])
def test_admin_pages_load_for_staff(demo: None, staff_client: Client, model: Any) -> None:
    opts = model._meta
    obj = model.objects.first()
    for url in (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
    ):
        assert staff_client.get(url).status_code == 200, url


@pytest.mark.parametrize("model", [Kit, Routine, IngredientConflict])
def test_admin_is_closed_to_shoppers(demo: None, client: Client, model: Any) -> None:
    url = reverse(f"admin:kits_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 302
    client.force_login(get_user_model().objects.create_user("shopper", password="x-pass-123"))
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_kit_change_page_shows_figures_and_a_price_preview(
    demo: None, staff_client: Client
) -> None:
    kit = Kit.objects.get(slug="seven-piece-collection")
    page = text(staff_client.get(reverse("admin:kits_kit_change", args=[kit.pk])).content.decode())
    assert "Value: 180.00 Savings: 85.00 Gift value: 64.00 Kits in stock: 70" in page
    # The preview is the pricing service's breakdown of one kit.
    assert "The seven-piece collection price: −85.00" in page
    assert "Total (USD, shipping left out) 95.00" in page
    assert "Value, gifts included 244.00" in page


def test_kit_changelist_shows_figures(demo: None, staff_client: Client) -> None:
    page = text(staff_client.get(reverse("admin:kits_kit_changelist")).content.decode())
    assert "95.00 180.00 85.00 64.00 70" in page


def test_kit_with_a_retired_component_says_why_it_is_not_sold(
    demo: None, staff_client: Client
) -> None:
    Product.objects.filter(slug="skin-clear-toner").update(active=False)
    kit = Kit.objects.get(slug="seven-piece-collection")
    page = text(staff_client.get(reverse("admin:kits_kit_change", args=[kit.pk])).content.decode())
    assert (
        "0 (The seven-piece collection is not available: Skin Clear Toner is no longer sold.)"
        in page
    )


def test_staff_add_a_kit_with_component_and_gift_inlines(demo: None, staff_client: Client) -> None:
    wash = Product.objects.get(slug="citrus-facial-wash")
    toner = Product.objects.get(slug="face-firming-toner")
    serum = Product.objects.get(slug="serum-prep")
    data = {
        "name": "Duo",
        "slug": "duo",
        "price_amount": "40.00",
        "active": "on",
        "position": "0",
        "components-TOTAL_FORMS": "2",
        "components-INITIAL_FORMS": "0",
        "components-0-product": str(wash.pk),
        "components-0-quantity": "1",
        "components-0-position": "0",
        "components-1-product": str(toner.pk),
        "components-1-quantity": "1",
        "components-1-position": "1",
        "gifts-TOTAL_FORMS": "1",
        "gifts-INITIAL_FORMS": "0",
        "gifts-0-product": str(serum.pk),
        "gifts-0-quantity": "1",
        "gifts-0-position": "0",
    }
    response = staff_client.post(reverse("admin:kits_kit_add"), data)
    assert response.status_code == 302, text(response.content.decode())[:2000]
    kit = Kit.objects.get(slug="duo")
    assert KitComponent.objects.filter(kit=kit).count() == 2
    assert KitGift.objects.filter(kit=kit).count() == 1
    page = text(staff_client.get(reverse("admin:kits_kit_change", args=[kit.pk])).content.decode())
    assert "Value: 46.00 Savings: 6.00 Gift value: 30.00" in page


def test_admin_refuses_a_zero_quantity_component(demo: None, staff_client: Client) -> None:
    wash = Product.objects.get(slug="citrus-facial-wash")
    data = {
        "name": "Bad",
        "slug": "bad",
        "price_amount": "10.00",
        "position": "0",
        "components-TOTAL_FORMS": "1",
        "components-INITIAL_FORMS": "0",
        "components-0-product": str(wash.pk),
        "components-0-quantity": "0",
        "components-0-position": "0",
        "gifts-TOTAL_FORMS": "0",
        "gifts-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("admin:kits_kit_add"), data)
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1" in response.content.decode()
    assert not Kit.objects.filter(slug="bad").exists()


def test_routine_change_page_previews_a_sample_selection(demo: None, staff_client: Client) -> None:
    routine = Routine.objects.get(slug="three-steps-to-refined-pores")
    page = text(
        staff_client.get(reverse("admin:kits_routine_change", args=[routine.pk])).content.decode()
    )
    # The first (cheapest) product of each required step: 20 + 22 + 26 = 68.00, 10% = 6.80
    assert (
        "Sample selection (the first product of each required step): Pore Refining Acne "
        "Cleanser, Skin Clear Toner, Enlarged Pore treatment." in page
    )
    assert "Tier reached: 10% off from 3 products." in page
    assert "Routine 10% off (3+ products): −6.80" in page
    assert "Total (USD, shipping left out) 61.20" in page


def _routine_form(routine: Routine, slots: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "name": routine.name,
        "slug": routine.slug,
        "position": "0",
        "active": "on",
        "slots-TOTAL_FORMS": str(len(slots)),
        "slots-INITIAL_FORMS": "0",
        "tiers-TOTAL_FORMS": "0",
        "tiers-INITIAL_FORMS": "0",
    }
    for index, slot in enumerate(slots):
        for key, value in slot.items():
            data[f"slots-{index}-{key}"] = value
    return data


def test_a_slot_only_offers_products_of_its_step(demo: None, staff_client: Client) -> None:
    routine = Routine.objects.create(name="Night", slug="night")
    cleanse = Step.objects.get(slug="cleanse")
    toner = Product.objects.get(slug="skin-clear-toner")
    slot = {
        "step": str(cleanse.pk),
        "position": "0",
        "required": "on",
        "min_items": "1",
        "max_items": "1",
        "products": str(toner.pk),
    }
    response = staff_client.post(
        reverse("admin:kits_routine_change", args=[routine.pk]), _routine_form(routine, [slot])
    )
    assert response.status_code == 200
    assert "Not Cleanse products: Skin Clear Toner." in response.content.decode()
    assert not RoutineSlot.objects.filter(routine=routine).exists()

    slot["products"] = str(Product.objects.get(slug="citrus-facial-wash").pk)
    response = staff_client.post(
        reverse("admin:kits_routine_change", args=[routine.pk]), _routine_form(routine, [slot])
    )
    assert response.status_code == 302
    assert [p.slug for p in RoutineSlot.objects.get(routine=routine).products.all()] == [
        "citrus-facial-wash"
    ]


def test_a_slot_min_above_max_is_refused(demo: None, staff_client: Client) -> None:
    routine = Routine.objects.create(name="Night", slug="night")
    slot = {
        "step": str(Step.objects.get(slug="cleanse").pk),
        "position": "0",
        "required": "on",
        "min_items": "3",
        "max_items": "1",
    }
    response = staff_client.post(
        reverse("admin:kits_routine_change", args=[routine.pk]), _routine_form(routine, [slot])
    )
    assert response.status_code == 200
    assert "Min cannot be more than max." in response.content.decode()


def test_staff_edit_ingredient_conflicts(demo: None, staff_client: Client) -> None:
    niacinamide = Ingredient.objects.get(slug="niacinamide")
    vitamin_c = Ingredient.objects.get(slug="vitamin-c-ester")
    response = staff_client.post(
        reverse("admin:kits_ingredientconflict_add"),
        {
            "title": "Niacinamide with vitamin C",
            "first": str(niacinamide.pk),
            "second": str(vitamin_c.pk),
            "explanation": "Old advice, kept as an example.",
            "active": "on",
        },
    )
    assert response.status_code == 302
    response = staff_client.post(
        reverse("admin:kits_ingredientconflict_add"),
        {
            "title": "Again, reversed",
            "first": str(vitamin_c.pk),
            "second": str(niacinamide.pk),
            "explanation": "x",
        },
    )
    assert response.status_code == 200
    assert "already have a conflict rule" in response.content.decode()
    response = staff_client.post(
        reverse("admin:kits_ingredientconflict_add"),
        {
            "title": "Same",
            "first": str(vitamin_c.pk),
            "second": str(vitamin_c.pk),
            "explanation": "x",
        },
    )
    assert response.status_code == 200
    assert "Choose two different ingredients." in response.content.decode()
    assert IngredientConflict.objects.count() == 4
