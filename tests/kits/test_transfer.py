"""Kits and routine templates through catalog import and export: round trips and bad rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kits.models import Kit, KitComponent, KitGift, Routine, RoutineSlot, RoutineTier
from shop.catalog.transfer import engine
from tests.shop.catalog.transfer_helpers import csv_bytes, exported

pytestmark = pytest.mark.django_db


def run(kind: str, rows: list[dict[str, Any]], commit: bool = True) -> engine.Report:
    return engine.catalog_import(kind=kind, name="c.csv", data=csv_bytes(rows), commit=commit)


def kits_state() -> list[Any]:
    return [
        *Kit.objects.order_by("slug").values_list("slug", "name", "price_amount", "updated_at"),
        *KitComponent.objects.order_by("kit__slug", "position").values_list(
            "kit__slug", "product__sku", "quantity", "position"
        ),
        *KitGift.objects.order_by("kit__slug", "position").values_list(
            "kit__slug", "product__sku", "quantity"
        ),
    ]


def routines_state() -> list[Any]:
    return [
        *Routine.objects.order_by("slug").values_list("slug", "name", "updated_at"),
        *RoutineSlot.objects.order_by("routine__slug", "position").values_list(
            "routine__slug", "step__slug", "min_items", "max_items", "required", "label"
        ),
        *RoutineTier.objects.order_by("routine__slug", "min_items").values_list(
            "routine__slug", "min_items", "percent_off"
        ),
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("kind", "state"), [("kits", kits_state), ("routines", routines_state)])
def test_export_then_import_changes_nothing(demo: None, fmt: str, kind: str, state: Any) -> None:
    before = state()
    data = engine.catalog_export(kind=kind, fmt=fmt)

    report = engine.catalog_import(kind=kind, name=f"c.{fmt}", data=data, commit=True)

    assert report.committed and report.count("unchanged") == len(report.rows) > 0
    assert state() == before


def test_the_demo_kit_lists_its_parts_by_sku_and_quantity(demo: None) -> None:
    kit = next(row for row in exported("kits") if row["price"] == "95.00")

    assert kit["components"].count(":1") == 7
    assert len(kit["gifts"].split(";")) == 2


def test_a_kit_naming_a_missing_product_is_refused_on_its_row(demo: None) -> None:
    rows = exported("kits")
    rows[0]["components"] += ";NOPE-1:2"
    before = kits_state()

    report = run("kits", rows)

    assert report.errors[0].line == 2
    assert report.errors[0].errors[0].startswith("components: no product with SKU 'NOPE-1'")
    assert kits_state() == before


def test_a_kit_s_parts_and_price_change_and_a_new_kit_is_created(demo: None) -> None:
    rows = exported("kits")
    first = rows[0]["components"].split(";")[0].split(":")[0]
    rows[0]["components"] = f"{first}:2"
    rows[0]["gifts"] = ""
    rows[0]["price"] = "40.00"
    rows.append({**rows[0], "slug": "", "name": "Travel duo", "components": first, "image": ""})

    report = run("kits", rows)

    assert (report.count("created"), report.count("changed")) == (1, 1)
    assert report.rows[0].changes == ["price", "components", "gifts"]
    kit = Kit.objects.get(slug=rows[0]["slug"])
    assert kit.price_amount == Decimal("40.00") and not kit.gifts.exists()
    assert list(kit.components.values_list("product__sku", "quantity")) == [(first, 2)]
    travel = Kit.objects.get(slug="travel-duo")
    assert list(travel.components.values_list("product__sku", "quantity")) == [(first, 1)]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("components", "X:0", "components: 'X:0': a quantity is 1 to 99."),
        ("price", "95,00", "price: '95,00' has a comma"),
        ("components", "", None),
    ],
)
def test_bad_kit_cells(demo: None, column: str, value: str, message: str | None) -> None:
    rows = exported("kits")
    sku = rows[0]["components"].split(":")[0]
    rows[0][column] = value.replace("X", sku)

    report = run("kits", rows, commit=False)

    if message is None:
        assert not report.errors  # a kit may be saved without components, as in the admin
    else:
        assert report.errors[0].errors[0].startswith(message.replace("X", sku))


def test_a_routine_s_slots_and_tiers_change_and_kept_slots_keep_their_labels(demo: None) -> None:
    rows = exported("routines")
    slots = rows[0]["slots"].split(";")
    label = RoutineSlot.objects.get(routine__slug=rows[0]["slug"], position=0).label
    rows[0]["slots"] = ";".join([slots[0], "renew:1-2", *slots[3:]])
    rows[0]["tiers"] = "2:5;4:12.5"

    report = run("routines", rows)

    assert report.rows[0].changes == ["slots", "tiers"]
    routine = Routine.objects.get(slug=rows[0]["slug"])
    assert [(s.step.slug, s.max_items) for s in routine.slots.all()][:2] == [
        (slots[0].split(":")[0], 1),
        ("renew", 2),
    ]
    assert routine.slots.all()[0].label == label
    assert list(routine.tiers.values_list("min_items", "percent_off")) == [
        (2, Decimal("5.00")),
        (4, Decimal("12.50")),
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("slots", "scrub:1-1", "slots: no step 'scrub'"),
        ("slots", "cleanse:0-1", "slots: 'cleanse:0-1': a required step needs a min of 1"),
        ("slots", "cleanse:2-1", "slots: 'cleanse:2-1': min 0 to max"),
        ("slots", "cleanse:1-1;cleanse:1-2", "slots: names step 'cleanse' twice."),
        ("slots", "cleanse", "slots: 'cleanse' is not step:min-max"),
        ("tiers", "3:0", "tiers: '3:0': items 1 to 99, percent 0 to 100."),
        ("tiers", "3:10;3:12", "tiers: has two tiers from 3 items."),
        ("tiers", "3:10,5", "tiers: '3:10,5' is not items:percent (3:10)."),
    ],
)
def test_bad_routine_cells(demo: None, column: str, value: str, message: str) -> None:
    rows = exported("routines")
    rows[0][column] = value
    before = routines_state()

    report = run("routines", rows)

    assert report.errors[0].errors[0].startswith(message), report.errors
    assert routines_state() == before


def test_the_kit_admin_previews_a_missing_product_on_its_row(demo: None, staff_user: Any) -> None:
    client = Client()
    client.force_login(staff_user)
    changelist = client.get(reverse("admin:kits_kit_changelist")).content.decode()
    assert f'href="{reverse("admin:kits_kit_import")}"' in changelist
    rows = exported("kits")
    rows[0]["gifts"] = "NOPE-1"
    file = SimpleUploadedFile("kits.csv", csv_bytes(rows), content_type="text/csv")

    page = client.post(reverse("admin:kits_kit_import"), {"file": file}, follow=True)

    html = page.content.decode()
    assert '<tr class="import-error" id="row-2">' in html
    assert "gifts: no product with SKU &#x27;NOPE-1&#x27;" in html
    routines = client.get(reverse("admin:kits_routine_export")).content.decode("utf-8-sig")
    assert routines.startswith("slug,name,summary,description,active,position,slots,tiers")
