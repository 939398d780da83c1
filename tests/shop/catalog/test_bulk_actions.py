"""The product list's bulk actions: each behind a confirmation page, previews to the cent (kits
included), bad input next to the field with nothing written, all or nothing, price history."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shop.catalog import bulk
from shop.catalog.models import Product, ProductIngredient
from shop.catalog.price_history import PriceChange
from tests.factories import ConcernFactory, IngredientFactory, ProductFactory, StepFactory
from tests.shop.checkout_helpers import Catalog

URL = "/admin/shop/product/"


@pytest.fixture
def staff(staff_user: Any, client: Client) -> Client:
    client.force_login(staff_user)
    return client


def act(client: Client, action: str, products: list[Product], **data: Any) -> Any:
    return client.post(
        URL, {"action": action, "_selected_action": [p.pk for p in products], **data}
    )


def prices(*products: Product) -> list[Decimal]:
    return [Product.objects.get(pk=p.pk).price_amount for p in products]


def kit_row(name: str, *figures: str) -> str:
    """A kit's row of the preview: value, price, savings, gift value as "old → new"."""
    return f">{name}</a></th> " + " ".join(f"<td>{f}</td>" for f in figures)


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_changelist_offers_the_actions(catalog: Catalog, staff: Client) -> None:
    html = staff.get(URL).content.decode()
    for label in (
        "Change prices of selected products…",
        "Publish selected products…",
        "Hide selected products…",
        "Move selected products to a step…",
        "Add or remove an ingredient…",
        "Add or remove a skin concern…",
    ):
        assert label in html


# -- prices ---------------------------------------------------------------------------------


def test_choosing_change_prices_shows_the_form_and_changes_nothing(
    catalog: Catalog, staff: Client
) -> None:
    response = act(staff, "change_prices", [catalog.toner])
    html = text(response)
    assert response.status_code == 200 and "csrfmiddlewaretoken" in html
    assert "rounded to the cent, halves up" in html and "Firming Toner" in html
    assert 'value="preview"' in html and 'value="apply"' not in html
    assert prices(catalog.toner) == [Decimal("15.00")]


def test_price_preview_shows_old_and_new_prices_and_every_kit_to_the_cent(
    catalog: Catalog, staff: Client
) -> None:
    response = act(
        staff,
        "change_prices",
        [catalog.toner, catalog.serum],
        stage="preview",
        mode="percent",
        amount="-10",
    )
    html = text(response)
    assert re.search(
        r"Firming Toner</th><td>[^<]*</td><td>15.00</td><td>13.50</td><td>-1.50<", html
    )
    assert re.search(r"Renew Serum</th><td>[^<]*</td><td>30.00</td><td>27.00</td><td>-3.00<", html)
    # Duo: wash 20 + toner 15 for 30.00 with a 10.00 gift; Pair: toner 15 + serum 30 for 40.00.
    assert kit_row("Duo", "35.00 → 33.50", "30.00 → 30.00", "5.00 → 3.50", "10.00 → 10.00") in html
    assert kit_row("Pair", "45.00 → 40.50", "40.00 → 40.00", "5.00 → 0.50", "0.00 → 0.00") in html
    assert 'name="previewed" value="percent:-10.00"' in html
    assert prices(catalog.toner, catalog.serum) == [Decimal("15.00"), Decimal("30.00")]


def test_preview_of_a_kit_whose_value_falls_below_its_price(
    catalog: Catalog, staff: Client
) -> None:
    html = text(
        act(staff, "change_prices", [catalog.toner], stage="preview", mode="value", amount="5")
    )
    # Duo's value 25.00 is under its 30.00 price: it costs its value and saves nothing.
    assert (
        ">Duo</a></th> <td>35.00 → 25.00</td> <td>30.00 → 25.00</td> <td>5.00 → 0.00</td>" in html
    )


def test_preview_of_a_gift_changes_the_kits_gift_value(catalog: Catalog, staff: Client) -> None:
    html = text(
        act(staff, "change_prices", [catalog.gift], stage="preview", mode="value", amount="12.5")
    )
    assert kit_row("Duo", "35.00 → 35.00", "30.00 → 30.00", "5.00 → 5.00", "10.00 → 12.50") in html
    assert "Pair" not in html


def test_percentages_round_to_the_cent_halves_up(db: Any, staff: Client) -> None:
    product = ProductFactory(price_amount=Decimal("19.95"))
    cheap = ProductFactory(price_amount=Decimal("0.05"))
    html = text(
        act(staff, "change_prices", [product, cheap], stage="preview", mode="percent", amount="-10")
    )
    assert "<td>19.95</td><td>17.96</td><td>-1.99</td>" in html  # 17.955
    assert "<td>0.05</td><td>0.05</td><td>0.00</td>" in html  # 0.045
    assert "No kit holds any of these products." in html


def test_applying_the_preview_writes_every_price_and_the_price_history(
    catalog: Catalog, staff: Client, staff_user: Any
) -> None:
    response = act(
        staff,
        "change_prices",
        [catalog.toner, catalog.serum],
        stage="apply",
        mode="percent",
        amount="-10",
        previewed="percent:-10.00",
    )
    assert response.status_code == 302
    assert prices(catalog.toner, catalog.serum) == [Decimal("13.50"), Decimal("27.00")]
    latest = PriceChange.objects.filter(product=catalog.toner).order_by("-effective_at", "-pk")[0]
    assert (latest.price_amount, latest.source, latest.changed_by, latest.lowest_30d_amount) == (
        Decimal("13.50"),
        "bulk",
        staff_user,
        Decimal("15.00"),  # its price until now
    )
    assert "New prices for 2 product(s)." in staff.get(URL).content.decode()


def test_new_prices_are_written_in_the_same_few_queries_for_any_selection(
    catalog: Catalog, staff_user: Any
) -> None:
    """Lock, plan, one UPDATE, the 30-day lows and the history rows: not a save per product."""
    few, more = [catalog.toner], [catalog.toner, catalog.serum, catalog.wash]

    def queries(products: list[Product], amount: str) -> int:
        chosen = Product.objects.filter(pk__in=[p.pk for p in products])
        with CaptureQueriesContext(connection) as captured:
            bulk.products_reprice(
                products=chosen, mode="percent", amount=Decimal(amount), user=staff_user
            )
        return len(captured)

    assert queries(few, "-10") == queries(more, "-10")
    assert PriceChange.objects.filter(source="bulk").count() == 4


def test_applying_other_figures_than_previewed_shows_them_first(
    catalog: Catalog, staff: Client
) -> None:
    response = act(
        staff,
        "change_prices",
        [catalog.toner],
        stage="apply",
        mode="percent",
        amount="-20",
        previewed="percent:-10.00",
    )
    html = text(response)
    assert response.status_code == 200 and "differ from the ones you previewed" in html
    assert "<td>15.00</td><td>12.00</td>" in html
    assert prices(catalog.toner) == [Decimal("15.00")]


@pytest.mark.parametrize(
    ("mode", "amount", "message"),
    [
        ("percent", "-150", "Enter a percentage from -99.99 to 1000."),
        ("percent", "-100", "Enter a percentage from -99.99 to 1000."),
        ("percent", "abc", "Enter a number."),
        ("percent", "", "This field is required."),
        ("value", "-5", "A price cannot be negative."),
        ("value", "1e400", "Ensure that there are no more than 10 digits in total."),
        ("value", "12.345", "Ensure that there are no more than 2 decimal places."),
        ("bogus", "5", "Select a valid choice."),
    ],
)
@pytest.mark.parametrize("stage", ["preview", "apply"])
def test_bad_price_input_is_shown_next_to_the_field_and_nothing_changes(
    catalog: Catalog, staff: Client, mode: str, amount: str, message: str, stage: str
) -> None:
    response = act(
        staff,
        "change_prices",
        [catalog.toner, catalog.serum],
        stage=stage,
        mode=mode,
        amount=amount,
        previewed=f"{mode}:{amount}",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist' in html and message in html
    assert prices(catalog.toner, catalog.serum) == [Decimal("15.00"), Decimal("30.00")]
    assert not PriceChange.objects.filter(source="bulk").exists()


def test_one_price_out_of_range_refuses_them_all(db: Any, staff: Client) -> None:
    cheap = ProductFactory(price_amount=Decimal("10.00"))
    dear = ProductFactory(name="Gold Cream", price_amount=Decimal("9999999.99"))
    response = act(
        staff,
        "change_prices",
        [cheap, dear],
        stage="apply",
        mode="percent",
        amount="1000",
        previewed="percent:1000.00",
    )
    assert response.status_code == 200
    assert "Gold Cream would cost 109999999.89: more than 99999999.99." in response.content.decode()
    assert prices(cheap, dear) == [Decimal("10.00"), Decimal("9999999.99")]


def test_the_action_posts_need_the_csrf_token(catalog: Catalog, staff_user: Any) -> None:
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(staff_user)
    response = act(
        checked,
        "change_prices",
        [catalog.toner],
        stage="apply",
        mode="value",
        amount="1",
        previewed="value:1.00",
    )
    assert response.status_code == 403
    assert prices(catalog.toner) == [Decimal("15.00")]


# -- publish, hide, step, ingredient, concern ----------------------------------------------


def test_hide_and_publish_ask_first(catalog: Catalog, staff: Client) -> None:
    chosen = [catalog.wash, catalog.toner]
    page = text(act(staff, "hide", chosen))
    assert "Hide these products?" in page and "Apply to 2 products" in page
    assert Product.objects.filter(active=True).count() == 4
    assert act(staff, "hide", chosen, stage="apply").status_code == 302
    assert list(Product.objects.filter(active=False).order_by("pk")) == chosen
    assert act(staff, "publish", chosen, stage="apply").status_code == 302
    assert Product.objects.filter(active=True).count() == 4


def test_move_to_a_step(catalog: Catalog, staff: Client) -> None:
    target = StepFactory(slug="treat", name="Treat", position=4)
    page = text(act(staff, "move_to_step", [catalog.serum]))
    assert "Move to step" in page and "Treat" in page
    refused = act(staff, "move_to_step", [catalog.serum], stage="apply", step="")
    assert "This field is required." in refused.content.decode()
    refused = act(staff, "move_to_step", [catalog.serum], stage="apply", step="99999")
    assert "Select a valid choice." in refused.content.decode()
    assert Product.objects.get(pk=catalog.serum.pk).step.slug == "renew"
    done = act(staff, "move_to_step", [catalog.serum, catalog.toner], stage="apply", step=target.pk)
    assert done.status_code == 302
    assert set(Product.objects.filter(step=target).values_list("slug", flat=True)) == {
        "serum",
        "toner",
    }


def test_a_move_says_what_it_took_from_routines(catalog: Catalog, staff: Client) -> None:
    target = StepFactory(slug="treat", name="Treat", position=4)
    cleanse, tone = catalog.wash.step.name, catalog.toner.step.name
    ProductFactory(name="Milk Cleanser", slug="milk", step=catalog.wash.step)
    slot = catalog.routine.slots.get(step=catalog.wash.step)
    slot.products.set([catalog.wash])  # the cleanse slot offers the wash alone

    def move(*products: Product) -> list[tuple[str, str]]:
        staff.cookies.pop("messages", None)  # what the last move said, read
        done = act(staff, "move_to_step", list(products), stage="apply", step=target.pk)
        assert done.status_code == 302
        return [(m.level_tag, m.message) for m in get_messages(done.wsgi_request)]

    assert move(catalog.serum) == [("success", "Moved 1 product(s) to Treat.")]  # optional slot
    assert move(catalog.wash, catalog.toner) == [
        ("success", "Moved 2 product(s) to Treat."),
        (
            "warning",
            f"Basic routine: its {cleanse} slot lists Citrus Wash, now in another step: "
            "not offered.",
        ),
        (
            "warning",
            f"Basic routine: its {cleanse} slot has 0 product(s) to choose from and asks for 1: "
            "the routine cannot be built until it is changed.",
        ),
        (
            "warning",
            f"Basic routine: its {tone} slot has 0 product(s) to choose from and asks for 1: "
            "the routine cannot be built until it is changed.",
        ),
    ]
    slot.products.clear()  # every cleanser again: the milk cleanser is left, enough
    catalog.wash.step = slot.step
    catalog.wash.save()
    assert move(catalog.wash) == [("success", "Moved 1 product(s) to Treat.")]


def test_add_and_remove_an_ingredient(catalog: Catalog, staff: Client) -> None:
    niacin = IngredientFactory(name="Niacinamide")
    other = IngredientFactory(name="Squalane")
    ProductIngredient.objects.create(product=catalog.wash, ingredient=other, position=3)
    ProductIngredient.objects.create(product=catalog.toner, ingredient=niacin, position=0)
    chosen = [catalog.wash, catalog.toner]
    refused = act(staff, "change_ingredient", chosen, stage="apply", ingredient=niacin.pk)
    assert "This field is required." in refused.content.decode()  # add or remove?
    done = act(
        staff, "change_ingredient", chosen, stage="apply", operation="add", ingredient=niacin.pk
    )
    assert done.status_code == 302
    rows = ProductIngredient.objects.filter(ingredient=niacin).order_by("product_id")
    assert [(r.product_id, r.position, r.key) for r in rows] == [
        (catalog.wash.pk, 4, False),  # after its last ingredient
        (catalog.toner.pk, 0, True),  # already there: left as it was
    ]
    act(staff, "change_ingredient", chosen, stage="apply", operation="remove", ingredient=niacin.pk)
    assert not ProductIngredient.objects.filter(ingredient=niacin).exists()
    assert ProductIngredient.objects.filter(ingredient=other).count() == 1


def test_add_and_remove_a_concern(catalog: Catalog, staff: Client) -> None:
    pores = ConcernFactory(name="Enlarged pores")
    catalog.serum.concerns.add(pores)
    chosen = [catalog.wash, catalog.serum]
    act(staff, "change_concern", chosen, stage="apply", operation="add", concern=pores.pk)
    assert set(pores.products.values_list("slug", flat=True)) == {"wash", "serum"}
    act(
        staff,
        "change_concern",
        [catalog.serum],
        stage="apply",
        operation="remove",
        concern=pores.pk,
    )
    assert set(pores.products.values_list("slug", flat=True)) == {"wash"}
    refused = act(staff, "change_concern", chosen, stage="apply", operation="add", concern="x")
    assert "Select a valid choice." in refused.content.decode()
