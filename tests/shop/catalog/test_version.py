"""The catalog version triggers: every write to what quotes read changes the token, nothing else.

Runs on whichever database the suite uses (SQLite row triggers, PostgreSQL statement
triggers); the TRUNCATE test needs PostgreSQL.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F, Model

from kits.models import (
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from shop.catalog.models import CatalogVersion, Product, Step
from shop.catalog.version import catalog_token
from shop.checkout.stock import stock_return
from tests.factories import (
    ConcernFactory,
    IngredientConflictFactory,
    IngredientFactory,
    KitComponentFactory,
    KitFactory,
    KitGiftFactory,
    OrderFactory,
    ProductFactory,
    PromoCodeFactory,
    RoutineFactory,
    RoutineSlotFactory,
    RoutineTierFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


def token() -> str:
    value = catalog_token()
    assert value is not None, "the token row is missing"
    return value


@contextmanager
def changes_token() -> Iterator[None]:
    before = token()
    yield
    assert token() != before, "the write did not change the catalog version"


@contextmanager
def keeps_token() -> Iterator[None]:
    before = token()
    yield
    assert token() == before, "a write that quotes do not read changed the catalog version"


@dataclass
class Little:
    """One of everything quotes read, wired together."""

    step: Step
    product: Product
    other: Product
    kit: Kit
    component: KitComponent
    gift: KitGift
    routine: Routine
    slot: RoutineSlot
    tier: RoutineTier


@pytest.fixture
def little(db: Any) -> Little:
    step = StepFactory(slug="cleanse", position=1)
    product = ProductFactory(step=step)
    other = ProductFactory(step=step)
    kit = KitFactory()
    routine = RoutineFactory()
    return Little(
        step=step,
        product=product,
        other=other,
        kit=kit,
        component=KitComponentFactory(kit=kit, product=product),
        gift=KitGiftFactory(kit=kit, product=other),
        routine=routine,
        slot=RoutineSlotFactory(routine=routine, step=step, products=[product]),
        tier=RoutineTierFactory(routine=routine),
    )


# -- every watched table: insert, update, delete -------------------------------------------------


@dataclass(frozen=True)
class Watched:
    table: str
    make: Callable[[Little], Model]  # a new row nothing refers to (so it can be deleted)
    change: dict[str, Any]  # a column quotes read, for QuerySet.update()


WATCHED = [
    Watched(
        "shop_product",
        lambda c: ProductFactory(step=c.step),
        {"price_amount": Decimal("21.00")},
    ),
    Watched(
        "shop_step",
        lambda c: StepFactory(slug="tone", name="Tone", position=2),
        {"name": "Toner"},
    ),
    Watched("kits_kit", lambda c: KitFactory(), {"price_amount": Decimal("45.00")}),
    Watched(
        "kits_kitcomponent",
        lambda c: KitComponentFactory(kit=c.kit, product=c.other, position=5),
        {"quantity": 2},
    ),
    Watched(
        "kits_kitgift",
        lambda c: KitGiftFactory(kit=c.kit, product=c.product, position=5),
        {"quantity": 2},
    ),
    Watched("kits_routine", lambda c: RoutineFactory(), {"active": False}),
    Watched(
        "kits_routineslot",
        lambda c: RoutineSlotFactory(routine=RoutineFactory(), step=c.step),
        {"max_items": 2},
    ),
    Watched(
        "kits_routinetier",
        lambda c: RoutineTierFactory(routine=c.routine, min_items=5),
        {"percent_off": Decimal("20")},
    ),
]


def test_the_migrations_watch_exactly_these_tables() -> None:
    shop = importlib.import_module("shop.migrations.0003_catalog_version")
    kits = importlib.import_module("kits.migrations.0002_catalog_version_triggers")
    tables = dict(shop.TABLES + kits.TABLES)
    assert set(tables) == {w.table for w in WATCHED} | {"kits_routineslot_products"}
    assert set(tables["shop_product"]) == {"name", "slug", "price_amount", "step_id", "active"}
    assert all(not columns for table, columns in tables.items() if table != "shop_product")


@pytest.mark.parametrize("watched", WATCHED, ids=[w.table for w in WATCHED])
def test_insert_update_and_delete_change_the_token(little: Little, watched: Watched) -> None:
    with changes_token():
        row = watched.make(little)
    model = type(row)
    assert model._meta.db_table == watched.table
    with changes_token():
        assert model._default_manager.filter(pk=row.pk).update(**watched.change) == 1
    with changes_token():
        row.save()
    with changes_token():
        row.delete()
    other = watched.make(little)
    with changes_token():
        assert model._default_manager.filter(pk=other.pk).delete()[0] >= 1


@pytest.mark.parametrize("column", ["name", "slug", "price_amount", "active", "step"])
def test_each_column_quotes_read_changes_the_token(little: Little, column: str) -> None:
    values: dict[str, Any] = {"name": "Renamed", "slug": "renamed", "active": False}
    values["price_amount"] = Decimal("1.00")
    value = StepFactory(slug="tone", position=2) if column == "step" else values[column]
    with changes_token():
        assert Product.objects.filter(pk=little.product.pk).update(**{column: value}) == 1


def test_a_product_save_changes_the_token(little: Little) -> None:
    product = Product.objects.get(pk=little.product.pk)
    with changes_token():
        product.save()
    product.stock += 1
    with changes_token():  # a full save writes every column, the watched ones included
        product.save()


@pytest.mark.parametrize(
    "change",
    [
        {"stock": F("stock") - 1},
        {"stock": 7},
        {"summary": "New words"},
        {"description": "More words"},
        {"days_of_use": 90},
        {"sku": "SKU-NEW"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_columns_quotes_do_not_read_keep_the_token(little: Little, change: dict[str, Any]) -> None:
    with keeps_token():
        assert Product.objects.filter(pk=little.product.pk).update(**change) == 1


def test_stock_updates_keep_the_token(little: Little) -> None:
    product = little.product
    with keeps_token():
        Product.objects.filter(pk=product.pk).update(stock=F("stock") - 1)
        stock_return(units={product.pk: 3, little.other.pk: 1})  # checkout's own statement
        product.refresh_from_db()
        product.stock = 5
        product.save(update_fields=["stock"])
        Product.objects.bulk_update([product], ["stock"])
    product.refresh_from_db()
    assert product.stock == 5


def test_routine_slot_products_add_remove_clear_and_set_change_the_token(little: Little) -> None:
    slot = little.slot
    with changes_token():
        slot.products.add(little.other)
    with changes_token():
        slot.products.remove(little.product)
    with changes_token():
        slot.products.clear()
    with changes_token():
        slot.products.set([little.product, little.other])
    assert set(slot.products.all()) == {little.product, little.other}


def test_bulk_writes_change_the_token(little: Little) -> None:
    with changes_token():
        created = Product.objects.bulk_create(
            [
                Product(
                    name=f"Bulk {i}",
                    slug=f"bulk-{i}",
                    sku=f"BULK-{i}",
                    step=little.step,
                    price_amount=Decimal("8.00"),
                )
                for i in range(3)
            ]
        )
    for product in created:
        product.price_amount = Decimal("9.00")
    with changes_token():
        Product.objects.bulk_update(created, ["price_amount"])
    with changes_token():
        Kit.objects.bulk_create([Kit(name="Bulk kit", slug="bulk-kit", price_amount=1)])
    with changes_token():
        RoutineTier.objects.bulk_create(
            [RoutineTier(routine=little.routine, min_items=n, percent_off=n) for n in (4, 6)]
        )


def test_raw_sql_changes_the_token(little: Little) -> None:
    with changes_token(), connection.cursor() as cursor:
        cursor.execute("UPDATE shop_product SET price_amount = price_amount + 1")
    with changes_token(), connection.cursor() as cursor:
        cursor.execute("UPDATE kits_routineslot SET max_items = 2")
    with keeps_token(), connection.cursor() as cursor:
        cursor.execute("UPDATE shop_product SET stock = stock + 1")


@pytest.mark.postgres
def test_truncate_changes_the_token(little: Little) -> None:
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: their pending checks would refuse a TRUNCATE in
        # the transaction that wrote the rows (every test's).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with changes_token(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE kits_routinetier")
    assert not RoutineTier.objects.exists()
    with changes_token(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE kits_routineslot_products")


def test_an_update_of_many_rows_still_changes_the_token(little: Little) -> None:
    with changes_token():
        assert Product.objects.update(active=False) == 2


# -- transactions --------------------------------------------------------------------------------


def test_two_writes_in_one_transaction_give_two_tokens(little: Little) -> None:
    with transaction.atomic():
        first = token()
        Product.objects.filter(pk=little.product.pk).update(price_amount=Decimal("1.00"))
        second = token()
        Kit.objects.filter(pk=little.kit.pk).update(price_amount=Decimal("2.00"))
        third = token()
        Product.objects.filter(pk=little.product.pk).update(price_amount=Decimal("3.00"))
        fourth = token()
    assert len({first, second, third, fourth}) == 4
    assert token() == fourth


class Undo(Exception):
    pass


def test_a_rolled_back_savepoint_leaves_the_token_as_it_was(little: Little) -> None:
    with transaction.atomic():
        before = token()
        with pytest.raises(Undo), transaction.atomic():
            Product.objects.filter(pk=little.product.pk).update(price_amount=Decimal("1.00"))
            little.slot.products.add(little.other)
            inside = token()
            assert inside != before
            raise Undo
        assert token() == before
        assert Product.objects.get(pk=little.product.pk).price_amount == Decimal("20.00")
        # The next write gets a token of its own, not the one that was rolled back.
        Product.objects.filter(pk=little.product.pk).update(price_amount=Decimal("2.00"))
        after = token()
    assert after not in (before, inside)


def test_a_committed_savepoint_keeps_its_token(little: Little) -> None:
    with transaction.atomic():
        before = token()
        with transaction.atomic():
            RoutineTier.objects.filter(pk=little.tier.pk).update(percent_off=Decimal("12"))
            inside = token()
        assert token() == inside != before


# -- what quotes do not read ---------------------------------------------------------------------


def test_writes_quotes_do_not_read_keep_the_token(little: Little) -> None:
    from promotions.codes.models import Promotion
    from shop.cart.models import Cart
    from shop.checkout.models import Order

    code = PromoCodeFactory()  # creating its promotion changes the token (the next test)
    with keeps_token():
        order = OrderFactory()
        Order.objects.filter(pk=order.pk).update(name="Someone else")
        cart = Cart.objects.create()
        cart.promo_code = "SAVE"
        cart.save()
        Promotion.objects.filter(pk=code.promotion_id).update(uses=F("uses") + 1)
        cart.delete()
        order.delete()


def test_promotion_writes_change_the_token(little: Little) -> None:
    """Automatic offers are priced from the catalog snapshot (promotions/migrations/0005 watches
    the promotion and its scope tables): a merchant's edit reaches every quote at once, while a
    checkout counting a use (`uses`, not watched) leaves the snapshot alone."""
    from promotions.codes.models import Promotion

    promotion = PromoCodeFactory().promotion
    with changes_token():
        Promotion.objects.filter(pk=promotion.pk).update(value=Decimal("15"))
    with changes_token():
        promotion.products.add(little.product)
    with changes_token():
        promotion.steps.add(little.step)
    with keeps_token():
        Promotion.objects.filter(pk=promotion.pk).update(uses=F("uses") + 1)


def test_writes_the_quiz_reads_change_the_token(little: Little) -> None:
    """Quotes do not read ingredients, concerns or clashes, but the routine quiz's in-memory
    setup does (kits/migrations/0003_quiz.py watches them): each write changes the token."""
    from shop.catalog.models import Concern, Ingredient, ProductIngredient

    ingredient = IngredientFactory()
    with changes_token():
        Ingredient.objects.filter(pk=ingredient.pk).update(benefits="Calms")
    with changes_token():
        ProductIngredient.objects.create(product=little.product, ingredient=ingredient)
    concern = ConcernFactory()
    with changes_token():
        little.product.concerns.add(concern)
    with changes_token():
        little.product.concerns.clear()
    with changes_token():
        Concern.objects.filter(pk=concern.pk).delete()
    with changes_token():
        IngredientConflictFactory()


def test_the_token_row_is_recreated_by_the_next_catalog_write(little: Little) -> None:
    CatalogVersion.objects.all().delete()
    assert catalog_token() is None
    Product.objects.filter(pk=little.product.pk).update(stock=1)
    assert catalog_token() is None  # stock is not watched
    Step.objects.filter(pk=little.step.pk).update(name="Cleanser")
    assert catalog_token() is not None
    assert CatalogVersion.objects.get().token == catalog_token()


# -- the migrations ------------------------------------------------------------------------------


def _triggers() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT tgname FROM pg_trigger WHERE tgname LIKE 'catalog_version_%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'catalog_version_%'"
            )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_the_migrations_reverse_and_reapply() -> None:
    installed = _triggers()
    per_table = 1 if connection.vendor == "postgresql" else 3
    # quotes' 9 tables, the quiz's 11 more, automatic offers' 5 (a promotion and its scope),
    # promo codes' 1 (codes are held under the token: promotions.codes.code_cache)
    assert len(installed) == (9 + 11 + 5 + 1) * per_table
    try:
        call_command("migrate", "kits", "0001", verbosity=0)
        # shop_product and shop_step remain, and the promotion tables (their migrations do
        # not depend on kits past 0001)
        assert len(_triggers()) == (2 + 5 + 1) * per_table
        step = StepFactory(slug="cleanse", position=1)
        with changes_token():
            product = ProductFactory(step=step)
        with keeps_token():  # the kit's triggers are gone
            # bulk_create: Kit.save() records its price in a table kits 0004 adds
            (kit,) = Kit.objects.bulk_create([Kit(name="Kit", slug="kit", price_amount=1)])
            KitComponentFactory(kit=kit, product=product)

        call_command("migrate", "shop", "0002", verbosity=0)
        assert _triggers() == set()
        assert "shop_catalogversion" not in connection.introspection.table_names()
        Product.objects.filter(pk=product.pk).update(price_amount=Decimal("1.00"))
    finally:
        call_command("migrate", verbosity=0)
    assert _triggers() == installed
    first = token()  # the row is back
    with changes_token():
        Kit.objects.update(price_amount=Decimal("2.00"))
    with changes_token():
        Product.objects.update(price_amount=Decimal("3.00"))
    assert token() != first
