"""The catalog snapshot behind POST /api/quote/: always current, one query while unchanged, and
exactly what loading per quote gives."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from kits import selectors as kit_selectors
from kits.models import Kit, KitComponent, Routine, RoutineSlot, RoutineTier
from shop.catalog.models import CatalogVersion, Product, Step
from shop.catalog.version import catalog_token
from shop.checkout.stock import stock_return
from shop.quoting import services as quoting
from shop.quoting.snapshot import catalog_snapshot, catalog_snapshot_forget
from tests.factories import (
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    ProductFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db

ROUTINE = "three-steps-to-refined-pores"
THREE = ["citrus-facial-wash", "face-firming-toner", "ceramic-skin-smoother"]
KIT = "seven-piece-collection"
# A cold quote: the token, then the whole catalog: products (1), kit slugs (1), kits with their
# components and gifts (1), routine slugs (1), routines with slots (1), tiers (1), and the
# automatic offers kept under the same token (1).
COLD = 1 + 6 + 1


@pytest.fixture(autouse=True)
def _forget_the_snapshot() -> Iterator[None]:
    catalog_snapshot_forget()
    yield
    catalog_snapshot_forget()


def quote(client: APIClient, items: list[dict[str, Any]]) -> Any:
    return client.post("/api/quote/", {"items": items}, format="json")


def ok(client: APIClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    response = quote(client, items)
    assert response.status_code == 200, response.content
    return response.json()


def invalid(client: APIClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    response = quote(client, items)
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["code"] == "invalid_items", data
    return data


def queries(client: APIClient, items: list[dict[str, Any]], status: int = 200) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = quote(client, items)
    assert response.status_code == status, response.content
    return len(captured)


def wash_total(client: APIClient) -> str:
    return str(ok(client, [{"product": "citrus-facial-wash"}])["lines"][0]["total"])


# -- a change is in the very next quote ------------------------------------------------------------


def test_a_saved_price_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    assert wash_total(api_client) == "22.00"
    product = Product.objects.get(slug="citrus-facial-wash")
    product.price_amount = Decimal("23.00")
    product.save()
    assert wash_total(api_client) == "23.00"


def test_an_updated_price_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    assert wash_total(api_client) == "22.00"
    Product.objects.filter(slug="citrus-facial-wash").update(price_amount=Decimal("24.00"))
    assert wash_total(api_client) == "24.00"
    Product.objects.filter(slug="citrus-facial-wash").update(price_amount=F("price_amount") + 1)
    assert wash_total(api_client) == "25.00"


def test_a_price_changed_through_the_staff_api_is_in_the_next_quote(
    demo: None, api_client: APIClient, staff_api: APIClient
) -> None:
    assert wash_total(api_client) == "22.00"
    response = staff_api.patch(
        "/api/products/citrus-facial-wash/", {"price": "26.50"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert wash_total(api_client) == "26.50"


def test_a_price_changed_in_the_admin_is_in_the_next_quote(
    demo: None, api_client: APIClient, staff_user: Any, client: Client
) -> None:
    client.force_login(staff_user)
    assert wash_total(api_client) == "22.00"
    product = Product.objects.get(slug="citrus-facial-wash")
    response = client.post(
        reverse("admin:shop_product_change", args=[product.pk]),
        {
            "name": product.name,
            "slug": product.slug,
            "sku": product.sku,
            "step": product.step_id,
            "price_amount": "27.00",
            "stock": str(product.stock),
            "days_of_use": str(product.days_of_use),
            "active": "on",
            "product_ingredients-TOTAL_FORMS": "0",
            "product_ingredients-INITIAL_FORMS": "0",
            "gallery_images-TOTAL_FORMS": "0",
            "gallery_images-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert wash_total(api_client) == "27.00"


def test_a_deactivated_product_cannot_be_quoted_next(demo: None, api_client: APIClient) -> None:
    assert wash_total(api_client) == "22.00"
    Product.objects.filter(slug="citrus-facial-wash").update(active=False)
    data = invalid(api_client, [{"product": "citrus-facial-wash"}])
    assert data["errors"] == {"items.0.product": ["Citrus Facial Wash is no longer sold."]}
    Product.objects.filter(slug="citrus-facial-wash").update(active=True)
    assert wash_total(api_client) == "22.00"


def test_products_deactivated_in_the_admin_cannot_be_quoted_next(
    demo: None, api_client: APIClient, staff_user: Any, client: Client
) -> None:
    assert wash_total(api_client) == "22.00"
    client.force_login(staff_user)
    ids = list(Product.objects.filter(step__slug="cleanse").values_list("pk", flat=True))
    client.post(
        reverse("admin:shop_product_changelist"),
        {"action": "hide", "_selected_action": ids, "stage": "apply"},
    )
    invalid(api_client, [{"product": "citrus-facial-wash"}])


def test_a_new_product_can_be_quoted_next(demo: None, api_client: APIClient) -> None:
    invalid(api_client, [{"product": "brand-new"}])
    ProductFactory(slug="brand-new", step=Step.objects.get(slug="cleanse"))
    assert ok(api_client, [{"product": "brand-new"}])["lines"][0]["total"] == "20.00"


def test_a_kit_price_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    assert ok(api_client, [{"kit": KIT}])["total"] == "95.00"
    Kit.objects.filter(slug=KIT).update(price_amount=Decimal("90.00"))
    assert ok(api_client, [{"kit": KIT}])["total"] == "90.00"
    kit = Kit.objects.get(slug=KIT)
    kit.price_amount = Decimal("99.00")
    kit.save()
    assert ok(api_client, [{"kit": KIT}])["total"] == "99.00"


def test_a_kit_component_added_or_removed_is_in_the_next_quote(
    demo: None, api_client: APIClient
) -> None:
    line = ok(api_client, [{"kit": KIT}])["lines"][0]
    assert (len(line["components"]), line["subtotal"]) == (9, "180.00")
    kit = Kit.objects.get(slug=KIT)
    powder = Product.objects.get(slug="finishing-powder")
    KitComponent.objects.create(kit=kit, product=powder, quantity=1, position=9)
    line = ok(api_client, [{"kit": KIT}])["lines"][0]
    assert len(line["components"]) == 10
    assert Decimal(line["subtotal"]) == Decimal("180.00") + powder.price_amount
    KitComponent.objects.filter(
        kit=kit, product__slug__in=["finishing-powder", "skin-clear-toner"]
    ).delete()
    line = ok(api_client, [{"kit": KIT}])["lines"][0]
    toner = Product.objects.get(slug="skin-clear-toner")
    assert len(line["components"]) == 8
    assert Decimal(line["subtotal"]) == Decimal("180.00") - toner.price_amount


def test_a_kit_made_unsellable_by_a_component_is_refused_next(
    demo: None, api_client: APIClient
) -> None:
    ok(api_client, [{"kit": KIT}])
    Product.objects.filter(slug="skin-clear-toner").update(active=False)
    data = invalid(api_client, [{"kit": KIT}])
    assert "Skin Clear Toner is no longer sold." in data["errors"]["items.0.kit"][0]


def test_a_changed_routine_tier_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    items = [{"routine": ROUTINE, "selections": THREE}]
    data = ok(api_client, items)
    assert (data["discount_total"], data["total"]) == ("7.40", "66.60")  # 10% of 74.00
    RoutineTier.objects.filter(routine__slug=ROUTINE, min_items=3).update(percent_off=Decimal("20"))
    data = ok(api_client, items)
    assert (data["discount_total"], data["total"]) == ("14.80", "59.20")
    RoutineTier.objects.filter(routine__slug=ROUTINE, min_items=3).delete()
    data = ok(api_client, items)
    assert (data["discount_total"], data["total"]) == ("0.00", "74.00")


def test_a_narrowed_routine_slot_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    items = [{"routine": ROUTINE, "selections": THREE}]
    ok(api_client, items)
    slot = RoutineSlot.objects.get(routine__slug=ROUTINE, step__slug="cleanse")
    slot.products.add(Product.objects.get(slug="pore-refining-acne-cleanser"))
    data = invalid(api_client, items)
    assert "Citrus Facial Wash is not one of the" in " ".join(data["errors"]["items.0.selections"])
    slot.products.clear()
    ok(api_client, items)


def test_a_routine_product_deactivated_or_moved_is_refused_next(
    demo: None, api_client: APIClient
) -> None:
    # The same selection, quoted again after each catalog change, is checked against it.
    items = [{"routine": ROUTINE, "selections": THREE}]
    ok(api_client, items)
    ok(api_client, items)
    Product.objects.filter(slug="face-firming-toner").update(active=False)
    data = invalid(api_client, items)
    assert "Face Firming Toner is no longer sold." in data["errors"]["items.0.selections"]
    Product.objects.filter(slug="face-firming-toner").update(
        active=True, step=Step.objects.get(slug="renew")
    )
    data = invalid(api_client, items)
    assert data["errors"] == {"items.0.selections": ["Choose one toner."]}
    Product.objects.filter(slug="face-firming-toner").update(step=Step.objects.get(slug="tone"))
    ok(api_client, items)


def test_a_deactivated_routine_is_refused_next(demo: None, api_client: APIClient) -> None:
    items = [{"routine": ROUTINE, "selections": THREE}]
    ok(api_client, items)
    Routine.objects.filter(slug=ROUTINE).update(active=False)
    data = invalid(api_client, items)
    assert data["errors"] == {"items.0.routine": ["Three steps to refined pores is not available."]}


def test_a_renamed_step_is_in_the_next_quote(demo: None, api_client: APIClient) -> None:
    items = [{"routine": ROUTINE, "selections": THREE[1:]}]
    assert invalid(api_client, items)["errors"]["items.0.selections"] == ["Choose one cleanser."]
    RoutineSlot.objects.filter(routine__slug=ROUTINE, step__slug="cleanse").update(label="")
    message = invalid(api_client, items)["errors"]["items.0.selections"][0]
    assert "cleanse" in message.lower(), message  # without a label, the step's name
    Step.objects.filter(slug="cleanse").update(name="Wash")
    message = invalid(api_client, items)["errors"]["items.0.selections"][0]
    assert "wash" in message.lower() and "cleanse" not in message.lower(), message


# -- queries ---------------------------------------------------------------------------------------


def _mixed(n: int) -> list[dict[str, Any]]:
    kinds = [
        {"product": "serum-prep"},
        {"kit": KIT},
        {"routine": ROUTINE, "selections": THREE},
    ]
    return [kinds[i % 3] for i in range(n)]


@pytest.mark.parametrize(
    "items",
    [
        [{"product": "serum-prep"}],
        [{"product": "serum-prep", "quantity": 1 + i % 5} for i in range(50)],
        [{"kit": KIT}],
        [{"kit": KIT, "quantity": 2}] * 50,
        [{"routine": ROUTINE, "selections": THREE}],
        [{"routine": ROUTINE, "selections": THREE}] * 50,
        _mixed(3),
        _mixed(50),
    ],
    ids=["1 product", "50 products", "1 kit", "50 kits", "1 routine", "50 routines", "3", "50"],
)
def test_a_warm_quote_takes_one_query(
    demo: None, api_client: APIClient, items: list[dict[str, Any]]
) -> None:
    assert queries(api_client, items) == COLD
    assert queries(api_client, items) == 1
    assert queries(api_client, items) == 1


def test_the_first_quote_after_a_change_reloads_once(demo: None, api_client: APIClient) -> None:
    assert queries(api_client, _mixed(3)) == COLD
    assert queries(api_client, [{"product": "serum-prep"}]) == 1
    Product.objects.filter(slug="serum-prep").update(price_amount=Decimal("30.00"))
    assert queries(api_client, [{"product": "serum-prep"}]) == COLD
    assert queries(api_client, _mixed(50)) == 1
    RoutineTier.objects.filter(routine__slug=ROUTINE).update(percent_off=Decimal("5"))
    assert queries(api_client, [{"kit": KIT}]) == COLD
    assert queries(api_client, [{"kit": KIT}]) == 1


def test_invalid_items_take_one_query_too(demo: None, api_client: APIClient) -> None:
    ok(api_client, [{"product": "serum-prep"}])
    assert queries(api_client, [{"product": "nope"}, {"kit": "none"}], status=400) == 1


def test_selling_stock_does_not_reload(demo: None, api_client: APIClient) -> None:
    assert queries(api_client, _mixed(3)) == COLD
    serum = Product.objects.get(slug="serum-prep")
    Product.objects.filter(pk=serum.pk).update(stock=F("stock") - 1)
    stock_return(units={serum.pk: 1})
    assert queries(api_client, _mixed(3)) == 1


def test_a_write_during_a_load_is_caught_by_the_next_use(
    demo: None, api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The snapshot is stamped with the token read before loading: a write that lands while it
    # loads leaves it stamped older, so the next use reloads instead of keeping a mix.
    load_kits = kit_selectors.kit_infos

    def kit_infos_then_a_write(**kwargs: Any) -> Any:
        kits = load_kits(**kwargs)
        Product.objects.filter(slug="serum-prep").update(price_amount=Decimal("31.00"))
        return kits

    before = catalog_token()
    monkeypatch.setattr(kit_selectors, "kit_infos", kit_infos_then_a_write)
    snapshot = catalog_snapshot()
    monkeypatch.setattr(kit_selectors, "kit_infos", load_kits)
    assert snapshot is not None and snapshot.token == before != catalog_token()
    fresh = catalog_snapshot()
    assert fresh is not None and fresh is not snapshot
    assert fresh.products["serum-prep"].price == Decimal("31.00")
    assert ok(api_client, [{"product": "serum-prep"}])["total"] == "36.00"  # + 5.00 shipping


# -- the snapshot is what loading gives ------------------------------------------------------------


def named(items: Sequence[quoting.QuoteItem]) -> tuple[set[str], set[str], set[str]]:
    products = {i.slug for i in items if i.kind == "product"}
    products |= {slug for i in items if i.kind == "routine" for slug in i.selections}
    kits = {i.slug for i in items if i.kind == "kit"}
    routines = {i.slug for i in items if i.kind == "routine"}
    return products, kits, routines


def restricted(
    catalog: quoting.QuoteCatalog, items: Sequence[quoting.QuoteItem]
) -> tuple[dict[str, Any], ...]:
    products, kits, routines = named(items)

    def only(mapping: Mapping[str, Any], slugs: set[str]) -> dict[str, Any]:
        return {slug: mapping.get(slug) for slug in slugs}

    return (
        only(catalog.products, products),
        only(catalog.kits, kits),
        only(catalog.routines, routines),
    )


def assert_cached_is_loaded(items: Sequence[quoting.QuoteItem]) -> None:
    cached = quoting.quote_catalog_load(items=items, cached=True)
    loaded = quoting.quote_catalog_load(items=items, cached=False)
    assert restricted(cached, items) == restricted(loaded, items)


def items_naming_everything(extra: Sequence[str] = ("no-such-thing",)) -> list[quoting.QuoteItem]:
    products = [*Product.objects.values_list("slug", flat=True), *extra]
    kits = [*Kit.objects.values_list("slug", flat=True), *extra]
    routines = [*Routine.objects.values_list("slug", flat=True), *extra]
    raw: list[dict[str, Any]] = [{"product": slug} for slug in products]
    raw += [{"kit": slug} for slug in kits]
    raw += [{"routine": slug, "selections": products[:50]} for slug in routines]
    return quoting.quote_items_parse(items=raw)


def test_the_snapshot_holds_the_demo_catalog_as_loading_gives_it(demo: None) -> None:
    items = items_naming_everything()
    assert_cached_is_loaded(items)
    snapshot = catalog_snapshot()
    assert snapshot is not None
    assert set(snapshot.products) == set(Product.objects.values_list("slug", flat=True))
    assert set(snapshot.kits) == {KIT}
    assert set(snapshot.routines) == {ROUTINE}


@pytest.fixture
def odd_catalog(db: Any) -> None:
    """A catalog with every shape the loaders handle: inactive products, kits with inactive
    components or none, gifts, inactive kits and routines, narrowed slots, routines without
    slots or tiers."""
    cleanse = StepFactory(slug="cleanse", position=1)
    tone = StepFactory(slug="tone", position=2)
    renew = StepFactory(slug="renew", position=3, optional=True)
    washes = [ProductFactory(step=cleanse, slug=f"wash-{i}") for i in range(4)]
    toners = [ProductFactory(step=tone, slug=f"toner-{i}") for i in range(3)]
    retired = ProductFactory(step=renew, slug="retired", active=False, stock=0)
    ProductFactory(step=renew, slug="renewal", price_amount=Decimal("31.50"))

    plain = KitFactory(slug="plain")
    for position, product in enumerate([*washes[:2], toners[0]]):
        KitComponentFactory(kit=plain, product=product, position=position, quantity=2)
    KitGiftFactory(kit=plain, product=toners[1])
    broken = KitFactory(slug="broken")
    KitComponentFactory(kit=broken, product=retired)
    KitComponentFactory(kit=broken, product=washes[3], position=1)
    KitFactory(slug="empty")
    gone = KitFactory(slug="gone", active=False)
    KitComponentFactory(kit=gone, product=washes[0])
    gifted = KitFactory(slug="gifted")
    KitComponentFactory(kit=gifted, product=washes[1])
    KitGiftFactory(kit=gifted, product=retired)  # a retired gift does not block the kit
    KitGiftFactory(kit=gifted, product=toners[2], position=1, quantity=3)

    narrowed = RoutineFactory(slug="narrowed")
    RoutineSlotFactory(routine=narrowed, step=cleanse, position=0, products=washes[:2])
    RoutineSlotFactory(routine=narrowed, step=tone, position=1, max_items=2)
    RoutineSlotFactory(
        routine=narrowed,
        step=renew,
        position=2,
        required=False,
        min_items=0,
        products=[retired],
    )
    RoutineTierFactory(routine=narrowed, min_items=2, percent_off=Decimal("5"))
    RoutineTierFactory(routine=narrowed, min_items=3, percent_off=Decimal("12.5"))
    RoutineFactory(slug="bare")
    asleep = RoutineFactory(slug="asleep", active=False)
    RoutineSlotFactory(routine=asleep, step=tone)


def test_the_snapshot_holds_an_odd_catalog_as_loading_gives_it(odd_catalog: None) -> None:
    assert_cached_is_loaded(items_naming_everything())
    items = quoting.quote_items_parse(
        items=[
            {"routine": "narrowed", "selections": ["wash-0", "toner-1", "toner-2", "retired"]},
            {"routine": "asleep", "selections": ["wash-3"]},
            {"kit": "broken"},
            {"product": "retired"},
        ]
    )
    assert_cached_is_loaded(items)
    snapshot = catalog_snapshot()
    assert snapshot is not None
    assert snapshot.kits["empty"].components == ()
    assert snapshot.routines["bare"].slots == ()
    assert {slot.step: slot.products for slot in snapshot.routines["narrowed"].slots} == {
        "cleanse": frozenset({"wash-0", "wash-1"}),
        "tone": None,
        "renew": frozenset({"retired"}),
    }


def test_quotes_from_the_snapshot_equal_quotes_from_loading(odd_catalog: None) -> None:
    bodies: list[list[dict[str, Any]]] = [
        [{"kit": "plain", "quantity": 2}, {"kit": "gifted"}, {"product": "renewal"}],
        [{"routine": "narrowed", "selections": ["wash-1", "toner-0", "toner-2"]}],
        [{"kit": "broken"}, {"kit": "gone"}, {"routine": "bare", "selections": ["wash-0"]}],
        [{"routine": "narrowed", "selections": ["wash-3", "toner-0", "retired"]}],
    ]
    for body in bodies:
        items = quoting.quote_items_parse(items=body)
        outcomes = []
        for cached in (True, False):
            try:
                prepared = quoting.quote_prepare(items=items, cached=cached)
                outcomes.append(("priced", quoting.price(prepared.request).to_dict()))
            except quoting.InvalidItems as error:
                outcomes.append(("invalid", error.errors))
        cached_outcome, loaded_outcome = outcomes
        assert cached_outcome == loaded_outcome, body


_PRODUCTS = ["wash-0", "wash-1", "wash-2", "wash-3", "toner-0", "toner-1", "toner-2"]
_PRODUCTS += ["retired", "renewal", "nope", "a\x00b"]
_KITS = ["plain", "broken", "empty", "gone", "gifted", "nope", "é"]
_ROUTINES = ["narrowed", "bare", "asleep", "nope"]


@st.composite
def quote_items(draw: st.DrawFn) -> list[quoting.QuoteItem]:
    raw: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["product", "kit", "routine"]))
        if kind == "product":
            raw.append({"product": draw(st.sampled_from(_PRODUCTS))})
        elif kind == "kit":
            raw.append({"kit": draw(st.sampled_from(_KITS))})
        else:
            selections = draw(st.lists(st.sampled_from(_PRODUCTS), min_size=1, max_size=5))
            raw.append({"routine": draw(st.sampled_from(_ROUTINES)), "selections": selections})
    return quoting.quote_items_parse(items=raw)


@hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=quote_items())
def test_any_items_find_in_the_snapshot_what_loading_finds(
    odd_catalog: None, items: list[quoting.QuoteItem]
) -> None:
    assert_cached_is_loaded(items)


# -- where no snapshot is kept -------------------------------------------------------------------


def test_a_catalog_above_the_limit_is_not_kept_and_quotes_load(
    demo: None, api_client: APIClient, settings: Any
) -> None:
    count = Product.objects.count()
    settings.SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS = count
    assert catalog_snapshot() is not None  # at the limit it is kept
    catalog_snapshot_forget()
    settings.SHOP_CATALOG_SNAPSHOT_MAX_PRODUCTS = count - 1
    assert catalog_snapshot() is None
    assert catalog_snapshot() is None
    # the token, then the products the quote names (the limit's check is not repeated)
    assert queries(api_client, [{"product": "serum-prep"}]) == 2
    assert queries(api_client, [{"product": "serum-prep"}] * 50) == 2
    # token, products, kits with parts, routines with slots, tiers
    assert queries(api_client, _mixed(50)) == 5
    Product.objects.filter(slug="serum-prep").update(price_amount=Decimal("40.00"))
    assert ok(api_client, [{"product": "serum-prep"}])["lines"][0]["total"] == "40.00"
    Kit.objects.filter(slug=KIT).update(active=False)
    invalid(api_client, [{"kit": KIT}])


def test_without_a_token_row_quotes_load_until_the_next_catalog_write(
    demo: None, api_client: APIClient
) -> None:
    assert queries(api_client, [{"product": "serum-prep"}]) == COLD
    CatalogVersion.objects.all().delete()
    assert catalog_snapshot() is None
    # the token, the product, the automatic offers (not kept without a token)
    assert queries(api_client, [{"product": "serum-prep"}]) == 3
    assert wash_total(api_client) == "22.00"
    Product.objects.filter(slug="serum-prep").update(stock=0)  # not a catalog write
    assert catalog_snapshot() is None
    Product.objects.filter(slug="citrus-facial-wash").update(price_amount=Decimal("21.00"))
    assert catalog_snapshot() is not None
    assert wash_total(api_client) == "21.00"
    assert queries(api_client, [{"product": "serum-prep"}]) == 1


def test_slugs_that_cannot_exist_never_reach_the_database_without_a_snapshot(
    demo: None, api_client: APIClient
) -> None:
    # PostgreSQL refuses NUL bytes with an error: loading per quote must drop such slugs.
    CatalogVersion.objects.all().delete()
    items = [{"product": "a\x00b"}, {"kit": "é"}, {"routine": "x y", "selections": ["a\x00"]}]
    assert queries(api_client, items, status=400) == 1  # the token only
