"""Kit price history and kit value claims: recorded like products' prices, `lowest_price_30d`
on the kit API, and no "$X value" claim (storefront) nor activation (admin) while a part's
price stands above its 30-day low."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kits import claims, selectors
from kits.models import Kit, KitPriceChange
from shop.catalog.models import Product
from tests.admin_forms import change_form_data
from tests.factories import KitComponentFactory, KitFactory, KitGiftFactory, ProductFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff_client(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def _kit(*, active: bool = True) -> tuple[Kit, Product, Product]:
    """A $50 kit of a $30 and a $40 product ($70 value), with a $15 gift."""
    kit = KitFactory(price_amount=Decimal("50.00"), active=active)
    wash = KitComponentFactory(kit=kit, product=ProductFactory(price_amount=Decimal("30.00")))
    KitComponentFactory(kit=kit, product=ProductFactory(price_amount=Decimal("40.00")))
    gift = KitGiftFactory(kit=kit, product=ProductFactory(price_amount=Decimal("15.00")))
    return kit, wash.product, gift.product


def _set(obj: Any, price: str) -> None:
    obj.price_amount = Decimal(price)
    obj.save()


def _raised(kit: Kit) -> list[tuple[str, Decimal, Decimal, bool]]:
    fresh = Kit.objects.get(pk=kit.pk)
    return [(p.name, p.price, p.lowest, p.gift) for p in claims.raised_parts_of(fresh)]


def test_kit_price_changes_are_recorded_with_their_source(
    staff_api: APIClient, staff_user: Any, clock: Any
) -> None:
    kit, _, _ = _kit()
    clock.shift(3 * DAY)
    response = staff_api.patch(f"/api/kits/{kit.slug}/", {"price": "45.00"}, format="json")
    assert response.status_code == 200, response.content
    rows = KitPriceChange.objects.filter(kit=kit).order_by("effective_at", "id")
    assert [(r.price_amount, r.source, r.changed_by_id) for r in rows] == [
        (Decimal("50.00"), "system", None),
        (Decimal("45.00"), "api", staff_user.pk),
    ]
    assert response.json()["lowest_price_30d"] == "50.00"
    listed = staff_api.get("/api/kits/").json()["results"]
    assert [k["lowest_price_30d"] for k in listed] == ["50.00"]


def test_a_kit_cut_shows_its_was_price(client: Client, clock: Any) -> None:
    kit, _, _ = _kit()
    clock.shift(3 * DAY)
    _set(kit, "45.00")
    html = client.get(f"/kits/{kit.slug}/").content.decode()
    assert "lowest price in the 30 days before this reduction" in html and "$50.00" in html


@pytest.mark.parametrize(
    ("changes", "raised"),
    [
        pytest.param([], [], id="unchanged"),
        pytest.param([(10, "35.00")], [("35.00", "30.00")], id="raised-10-days-ago"),
        pytest.param([(31, "35.00")], [], id="raised-31-days-ago"),
        pytest.param([(10, "35.00"), (2, "30.00")], [], id="raised-then-back"),
        pytest.param([(10, "25.00")], [], id="cut"),
    ],
)
def test_a_part_raised_within_30_days_makes_the_claim_unbacked(
    clock: Any, changes: list[tuple[int, str]], raised: list[tuple[str, str]]
) -> None:
    kit, wash, _ = _kit()
    clock.shift(60 * DAY)
    for days_before, price in changes:
        with time_machine.travel(START + (60 - days_before) * DAY, tick=False):
            _set(wash, price)
    assert _raised(kit) == [
        (wash.name, Decimal(price), Decimal(low), False) for price, low in raised
    ]


def test_a_raised_gift_makes_the_claim_unbacked_too(clock: Any) -> None:
    kit, _, gift = _kit()
    clock.shift(5 * DAY)
    _set(gift, "20.00")
    assert _raised(kit) == [(gift.name, Decimal("20.00"), Decimal("15.00"), True)]


def test_an_unbacked_kit_shows_no_value_claim_anywhere(client: Client, clock: Any) -> None:
    kit, wash, _ = _kit()
    kit.position = 0
    kit.save()
    pages = ("/", "/kits/", f"/kits/{kit.slug}/")
    for path in pages:  # backed: the claims are there
        assert "$70.00" in client.get(path).content.decode(), path
    in_kit = f'data-in-kit="{kit.slug}"'  # "In Kit 1 it costs $21.43 instead of $30.00: ..."
    assert in_kit in client.get(f"/products/{wash.slug}/").content.decode()
    clock.shift(5 * DAY)
    _set(wash, "36.00")  # value now $76.00, but the history backs $70.00 at most
    for path in pages:
        html = client.get(path).content.decode()
        assert "$50.00" in html, path  # the kit's price is still shown
        assert "$76.00" not in html and "You save" not in html and "you save" not in html, path
        assert "$15.00 value" not in html, path
    assert in_kit not in client.get(f"/products/{wash.slug}/").content.decode()
    detail = client.get(f"/kits/{kit.slug}/").content.decode()
    assert "$36.00" in detail  # the parts' own prices stay listed


def _activate(client: Client, kit: Kit) -> Any:
    url = reverse("admin:kits_kit_change", args=[kit.pk])
    return client.post(url, change_form_data(client, url, active="on"))


def test_the_admin_refuses_to_activate_an_unbacked_kit(staff_client: Client, clock: Any) -> None:
    kit, wash, _ = _kit(active=False)
    clock.shift(5 * DAY)
    _set(wash, "36.00")
    response = _activate(staff_client, kit)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["active"]
    assert errors == [
        f"Its value claim is not backed by the price history: {wash.name} (component) costs "
        "$36.00, above its 30-day low of $30.00. Activate it once the raise is 30 days old, "
        "or when the price is back at its 30-day low."
    ]
    assert not Kit.objects.get(pk=kit.pk).active
    page = staff_client.get(reverse("admin:kits_kit_change", args=[kit.pk])).content.decode()
    assert "Not backed" in page and "price-history" in page


def test_the_admin_activates_a_backed_kit(staff_client: Client, clock: Any) -> None:
    kit, wash, _ = _kit(active=False)
    clock.shift(31 * DAY)
    _set(wash, "36.00")
    clock.shift(31 * DAY)  # the raise is now older than 30 days
    assert _activate(staff_client, kit).status_code == 302
    assert Kit.objects.get(pk=kit.pk).active


def test_the_kit_list_refuses_to_activate_an_unbacked_kit(staff_client: Client, clock: Any) -> None:
    kit, wash, _ = _kit(active=False)
    clock.shift(5 * DAY)
    _set(wash, "36.00")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(kit.pk),
        "form-0-active": "on",
        "form-0-position": "0",
        "_save": "Save",
    }
    response = staff_client.post(reverse("admin:kits_kit_changelist"), data)
    assert response.status_code == 200
    assert "Its value claim is not backed" in response.content.decode()
    assert not Kit.objects.get(pk=kit.pk).active


def test_a_new_kit_with_a_raised_component_is_saved_inactive(
    staff_client: Client, clock: Any
) -> None:
    raised = ProductFactory(price_amount=Decimal("30.00"))
    clock.shift(5 * DAY)
    _set(raised, "36.00")
    data = {
        "name": "Duo",
        "slug": "duo",
        "price_amount": "30.00",
        "active": "on",
        "position": "0",
        "components-TOTAL_FORMS": "1",
        "components-INITIAL_FORMS": "0",
        "components-0-product": str(raised.pk),
        "components-0-quantity": "1",
        "components-0-position": "0",
        "gifts-TOTAL_FORMS": "0",
        "gifts-INITIAL_FORMS": "0",
    }
    response = staff_client.post(reverse("admin:kits_kit_add"), data)
    assert response.status_code == 302
    kit = Kit.objects.get(slug="duo")
    assert not kit.active
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Duo was saved inactive. Its value claim is not backed" in n for n in notes)
    assert [r.source for r in KitPriceChange.objects.filter(kit=kit)] == ["admin"]


def test_raised_parts_of_many_kits_take_one_query(
    clock: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(4):
        _kit()
    infos = [selectors.kit_info_of(kit) for kit in selectors.kit_list()]
    with django_assert_num_queries(1):
        found = claims.raised_parts(infos)
    assert list(found.values()) == [(), (), (), ()]
