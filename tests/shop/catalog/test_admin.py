"""The catalog admin works for staff and is closed to everyone else."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from shop.catalog.models import Concern, Ingredient, Product, Step

pytestmark = pytest.mark.django_db

MODELS = [Product, Step, Ingredient, Concern]


@pytest.fixture
def admin_client_logged_in(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_admin_pages_load_for_staff(demo: None, admin_client_logged_in: Client, model: Any) -> None:
    opts = model._meta
    obj = model.objects.first()
    for url in (
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
    ):
        assert admin_client_logged_in.get(url).status_code == 200, url


def test_admin_redirects_non_staff(demo: None, client: Client) -> None:
    url = reverse("admin:shop_product_changelist")
    assert client.get(url).status_code == 302
    user = get_user_model().objects.create_user("shopper", password="x-pass-123")
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_product_changelist_searches_ingredients_and_filters(
    demo: None, admin_client_logged_in: Client
) -> None:
    url = reverse("admin:shop_product_changelist")
    html = admin_client_logged_in.get(url, {"q": "salicylic"}).content.decode()
    assert "Face Firming Toner" in html and "Skin Clear Toner" in html
    assert "Citrus Facial Wash" not in html
    html = admin_client_logged_in.get(
        url, {"active__exact": "1", "step__id__exact": Step.objects.get(slug="renew").pk}
    ).content.decode()
    assert "Ceramic Skin Smoother" in html and "Face Firming Toner" not in html


def test_bulk_hide_and_publish(demo: None, admin_client_logged_in: Client) -> None:
    """Each after its confirmation page (tests/shop/catalog/test_bulk_actions.py)."""
    url = reverse("admin:shop_product_changelist")
    ids = list(Product.objects.filter(step__slug="tone").values_list("pk", flat=True))
    admin_client_logged_in.post(url, {"action": "hide", "_selected_action": ids, "stage": "apply"})
    assert not Product.objects.filter(pk__in=ids, active=True).exists()
    admin_client_logged_in.post(
        url, {"action": "publish", "_selected_action": ids, "stage": "apply"}
    )
    assert Product.objects.filter(pk__in=ids, active=True).count() == len(ids)


def test_admin_refuses_negative_stock_for_a_new_product(
    demo: None, admin_client_logged_in: Client
) -> None:
    """Once the product exists its stock changes only through stock adjustments
    (tests/shop/catalog/test_stock_adjustments.py); a new product starts with what is typed."""
    step = Step.objects.get(slug="cleanse")
    data = {
        "name": "New Wash",
        "slug": "new-wash",
        "sku": "CLN-NEW",
        "step": step.pk,
        "price_amount": "22.00",
        "stock": "-4",
        "days_of_use": "60",
        "active": "on",
        "product_ingredients-TOTAL_FORMS": "0",
        "product_ingredients-INITIAL_FORMS": "0",
    }
    response = admin_client_logged_in.post(reverse("admin:shop_product_add"), data)
    assert response.status_code == 200  # the form comes back with the error
    assert "Ensure this value is greater than or equal to 0" in response.content.decode()
    assert not Product.objects.filter(slug="new-wash").exists()
