"""The promotions admin: clear errors for bad promotions and codes, figures, bulk generation
with its progress page, CSV export, read-only redemptions, and the simulator."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from promotions.codes.models import CodeBatch, PromoCode, Promotion, Redemption
from tests.factories import OrderFactory, PromoCodeFactory, PromotionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(staff_user: Any) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def promotion_form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Spring",
        "active": "on",
        "kind": "percent",
        "value": "15",
        "applies_to_bundles": "on",
        "priority": "0",  # the admin renders it filled in (automatic offers' field)
        "codes-TOTAL_FORMS": "1",
        "codes-INITIAL_FORMS": "0",
        "codes-MIN_NUM_FORMS": "0",
        "codes-MAX_NUM_FORMS": "1000",
        "codes-0-code": "spring15",
        "codes-0-max_uses": "",
        "codes-0-public": "on",
    }
    data.update(overrides)
    return data


def test_a_promotion_is_added_with_its_code_in_capitals(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:promotions_promotion_add"), promotion_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    promotion = Promotion.objects.get()
    assert list(promotion.codes.values_list("code", "public")) == [("SPRING15", True)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"value": "150"}, "A percentage can be at most 100."),
        ({"value": "0"}, "Give the percentage off: more than 0."),
        ({"kind": "amount", "value": "0"}, "Give the amount off: more than 0.00."),
        ({"kind": "gift", "value": "0"}, "Choose the product a gift code gives."),
        ({"min_subtotal_amount": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"usage_limit": "0"}, "Ensure this value is greater than or equal to 1."),
        (
            {
                "starts_at_0": "2030-05-02",
                "starts_at_1": "10:00",
                "ends_at_0": "2030-05-01",
                "ends_at_1": "10:00",
            },
            "The end must come after the start.",
        ),
        ({"codes-0-code": "PORЕS15"}, "Use capital letters A-Z, digits"),  # Cyrillic Е
        ({"codes-0-code": "X" * 10_000}, "at most 64 characters"),
        ({"codes-0-code": "a b"}, "A code has at least 3 characters."),
        ({"codes-0-code": "'; DROP TABLE x;--"}, "Use capital letters A-Z, digits"),
    ],
)
def test_bad_promotions_get_a_clear_error_and_nothing_is_written(
    admin_client: Client, overrides: dict[str, Any], message: str
) -> None:
    response = admin_client.post(
        reverse("admin:promotions_promotion_add"), promotion_form(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Promotion.objects.exists() and not PromoCode.objects.exists()


def test_a_code_taken_in_another_case_is_refused(admin_client: Client) -> None:
    PromoCodeFactory(code="SPRING15")
    response = admin_client.post(reverse("admin:promotions_promotion_add"), promotion_form())
    assert response.status_code == 200
    assert "Promo code with this Code already exists." in response.content.decode()
    assert Promotion.objects.count() == 1


def test_the_usage_limit_cannot_go_below_the_uses_made(admin_client: Client) -> None:
    promotion = PromotionFactory(usage_limit=10, uses=4)
    data = promotion_form(usage_limit="3", **{"codes-TOTAL_FORMS": "0"})
    response = admin_client.post(
        reverse("admin:promotions_promotion_change", args=[promotion.pk]), data
    )
    assert "This promotion has been used 4 times; the limit can&#x27;t be lower." in (
        response.content.decode()
    )
    promotion.refresh_from_db()
    assert promotion.usage_limit == 10


def test_the_list_shows_uses_remaining_codes_and_money_given_away(admin_client: Client) -> None:
    promotion = PromotionFactory(name="Pores", usage_limit=10, uses=2)
    code = PromoCodeFactory(code="PORES15", promotion=promotion, uses=2)
    for n, amount in enumerate(["6.60", "14.25"]):
        Redemption.objects.create(
            code=code,
            promotion=promotion,
            order=OrderFactory(),
            customer_email=f"{n}@example.com",
            discount_amount=Decimal(amount),
            shipping_amount=Decimal("5.00"),
        )
    Redemption.objects.create(  # a cancelled order gave nothing away
        code=code,
        promotion=promotion,
        order=OrderFactory(),
        customer_email="x@example.com",
        discount_amount=Decimal("99"),
        released_at=timezone.now() + timedelta(seconds=1),
    )
    page = admin_client.get(reverse("admin:promotions_promotion_changelist")).content.decode()
    assert "Pores" in page and "30.85" in page and "running" in page
    detail = admin_client.get(
        reverse("admin:promotions_promotion_change", args=[promotion.pk])
    ).content.decode()
    assert "30.85 (discounts 20.85, shipping 10.00, gifts 0.00)" in detail
    assert "All 1 codes" in detail


def test_generating_codes_shows_progress_and_exports_them(
    admin_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    promotion = PromotionFactory()
    url = reverse("admin:promotions_promotion_generate", args=[promotion.pk])
    assert admin_client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            url, {"count": "1200", "code_prefix": "spring-", "length": "8", "max_uses": "1"}
        )
    assert len(callbacks) == 1  # the Celery task, enqueued once the batch row is committed
    batch = CodeBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:promotions_promotion_batch", args=[batch.pk])
    # Tasks run in-process here (as in `make run`): the batch is done when the page loads.
    page = admin_client.get(response["Location"]).content.decode()
    assert '"batch-generated">1200</span> of 1200 generated' in page
    assert 'http-equiv="refresh"' not in page
    progress = admin_client.get(
        reverse("admin:promotions_promotion_batch_progress", args=[batch.pk])
    ).json()
    assert progress == {
        "status": "done",
        "status_label": "done",
        "generated": 1200,
        "count": 1200,
        "percent": 100,
        "error": "",
    }
    codes = PromoCode.objects.filter(batch=batch)
    assert codes.count() == 1200
    assert all(
        c.startswith("SPRING-") and len(c) == 15 for c in codes.values_list("code", flat=True)
    )
    export = admin_client.get(
        reverse("admin:promotions_promotion_export", args=[promotion.pk]) + f"?batch={batch.pk}"
    )
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:6] == ["code", "promotion", "public", "max_uses", "uses", "remaining"]
    assert len(rows) == 1201 and {r[2] for r in rows[1:]} == {"no"}


def test_a_pending_batch_page_refreshes_itself(admin_client: Client) -> None:
    batch = CodeBatch.objects.create(promotion=PromotionFactory(), count=10)
    page = admin_client.get(
        reverse("admin:promotions_promotion_batch", args=[batch.pk])
    ).content.decode()
    assert 'http-equiv="refresh"' in page and "Waiting for a worker" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": "0", "length": "10"}, "Ensure this value is greater than or equal to 1."),
        ({"count": "100001", "length": "10"}, "Ensure this value is less than or equal to 100000."),
        ({"count": "5", "length": "4"}, "Ensure this value is greater than or equal to 8."),
        (
            {"count": "5", "length": "10", "code_prefix": "SPRÏNG"},
            "Use capital letters A-Z, digits",
        ),
    ],
)
def test_bad_generation_requests_are_refused_next_to_the_field(
    admin_client: Client, data: dict[str, str], message: str
) -> None:
    promotion = PromotionFactory()
    response = admin_client.post(
        reverse("admin:promotions_promotion_generate", args=[promotion.pk]), data
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not CodeBatch.objects.exists()


def test_the_generate_action_leads_to_the_form(admin_client: Client) -> None:
    promotion = PromotionFactory()
    response = admin_client.post(
        reverse("admin:promotions_promotion_changelist"),
        {"action": "generate_codes", "_selected_action": [promotion.pk]},
    )
    assert response["Location"] == reverse(
        "admin:promotions_promotion_generate", args=[promotion.pk]
    )


def test_the_export_action_streams_every_selected_promotions_codes(admin_client: Client) -> None:
    first, second = PromotionFactory(name="=HYPERLINK(1)"), PromotionFactory()
    PromoCodeFactory(code="AAA111", promotion=first, max_uses=3, uses=1)
    PromoCodeFactory(code="BBB222", promotion=second)
    response = admin_client.post(
        reverse("admin:promotions_promotion_changelist"),
        {"action": "export_codes", "_selected_action": [first.pk, second.pk]},
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r[:6] for r in rows[1:]] == [
        ["AAA111", "'=HYPERLINK(1)", "yes", "3", "1", "2"],
        ["BBB222", second.name, "yes", "", "0", ""],
    ]


def test_codes_are_searched_in_any_case(admin_client: Client) -> None:
    PromoCodeFactory(code="PORES15")
    page = admin_client.get(
        reverse("admin:promotions_promocode_changelist") + "?q=pores15"
    ).content.decode()
    assert "PORES15" in page and "1 result" in page


def test_redemptions_are_read_only(admin_client: Client) -> None:
    code = PromoCodeFactory()
    redemption = Redemption.objects.create(
        code=code, promotion=code.promotion, order=OrderFactory(), customer_email="a@example.com"
    )
    assert admin_client.get(reverse("admin:promotions_redemption_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:promotions_redemption_changelist") + "?q=abc").status_code
        == 200
    )
    response = admin_client.post(
        reverse("admin:promotions_redemption_change", args=[redemption.pk]),
        {"customer_email": "b@example.com"},
    )
    assert response.status_code == 403
    assert admin_client.get(reverse("admin:promotions_redemption_add")).status_code == 403


# -- the simulator ---------------------------------------------------------------------------------


def simulate(client: Client, url: str, **params: str) -> str:
    response = client.get(url, {"simulate": "1", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_simulator_shows_the_shoppers_breakdown(demo: None, admin_client: Client) -> None:
    url = reverse("admin:promotions_promotion_simulate")
    wash = "citrus-facial-wash"
    from shop.catalog.models import Product

    product = Product.objects.get(slug=wash)
    page = simulate(
        admin_client, url, code="pores15", product_1=str(product.pk), product_1_quantity="2"
    )
    assert "PORES15: 15% off: 6.60" in page
    assert "42.40" in page  # 44.00 - 6.60 + 5.00 shipping
    page = simulate(admin_client, url, code="pores15", product_1=str(product.pk))
    assert "Spend $18.00 more to use PORES15." in page


def test_the_simulator_previews_a_promotion_before_launch(demo: None, admin_client: Client) -> None:
    from kits.models import Kit

    kit = Kit.objects.get(slug="seven-piece-collection")
    launch = timezone.now() + timedelta(days=7)
    promotion = PromotionFactory(
        name="Launch", kind="amount", value=Decimal("20"), active=False, starts_at=launch
    )
    url = reverse("admin:promotions_promotion_simulate_one", args=[promotion.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="treat_as_active"' in form and "checked" in form
    at = timezone.localtime(launch + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = simulate(admin_client, url, kit_1=str(kit.pk), treat_as_active="on", at=at)
    assert "PREVIEW: $20.00 off: 20.00" in page
    # Without the preview switch the shopper would be told nothing applies.
    page = simulate(admin_client, url, kit_1=str(kit.pk), at=at)
    assert "isn&#x27;t a valid promo code" in page


def test_the_simulator_says_what_the_cart_hides(demo: None, admin_client: Client) -> None:
    from shop.catalog.models import Product

    product = Product.objects.get(slug="citrus-facial-wash")
    code = PromoCode.objects.filter(public=False, code__startswith="WELCOME-").first()
    assert code is not None
    Promotion.objects.filter(pk=code.promotion_id).update(active=False)
    page = simulate(
        admin_client,
        reverse("admin:promotions_promotion_simulate"),
        code=code.code.lower(),
        product_1=str(product.pk),
    )
    assert f"The cart answers “{code.code} isn&#x27;t a valid promo code.”" in page


def test_an_empty_sample_cart_is_a_form_error(admin_client: Client) -> None:
    page = simulate(admin_client, reverse("admin:promotions_promotion_simulate"), code="X")
    assert "Add at least one product, kit or routine to the sample cart." in page


def test_promo_admin_pages_are_staff_only(shopper_user: Any) -> None:
    promotion = PromotionFactory()
    client = Client()
    client.force_login(shopper_user)
    for url in [
        reverse("admin:promotions_promotion_simulate"),
        reverse("admin:promotions_promotion_generate", args=[promotion.pk]),
        reverse("admin:promotions_promotion_export", args=[promotion.pk]),
    ]:
        assert client.get(url).status_code == 302, url
