"""factory_boy factories for every model the tests build."""

from __future__ import annotations

from decimal import Decimal

import factory

from kits.models import (
    IngredientConflict,
    Kit,
    KitComponent,
    KitGift,
    Routine,
    RoutineSlot,
    RoutineTier,
)
from shop.catalog.models import Concern, Ingredient, Product, ProductIngredient, Step


class StepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Step
        django_get_or_create = ["slug"]

    slug = factory.Iterator(["cleanse", "tone", "renew", "prime", "foundation", "powder", "extra"])
    name = factory.LazyAttribute(lambda o: o.slug.capitalize())
    position = factory.Sequence(lambda n: n + 100)
    optional = False


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Concern {n}")
    slug = factory.Sequence(lambda n: f"concern-{n}")


class IngredientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ingredient
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Ingredient {n}")
    slug = factory.Sequence(lambda n: f"ingredient-{n}")
    benefits = "Refines texture"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    step = factory.SubFactory(StepFactory, slug="cleanse", position=1)
    price_amount = Decimal("20.00")
    stock = 50
    active = True
    days_of_use = 60

    @factory.post_generation
    def ingredients(
        self, create: bool, extracted: list[Ingredient] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            for position, ingredient in enumerate(extracted):
                ProductIngredient.objects.create(
                    product=self, ingredient=ingredient, position=position
                )

    @factory.post_generation
    def concerns(self, create: bool, extracted: list[Concern] | None, **kwargs: object) -> None:
        if create and extracted:
            self.concerns.set(extracted)


# -- kits and routines ---------------------------------------------------------------------------


class KitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kit

    name = factory.Sequence(lambda n: f"Kit {n}")
    slug = factory.Sequence(lambda n: f"kit-{n}")
    price_amount = Decimal("50.00")
    active = True


class KitComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KitComponent

    kit = factory.SubFactory(KitFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class KitGiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KitGift

    kit = factory.SubFactory(KitFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class RoutineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Routine

    name = factory.Sequence(lambda n: f"Routine {n}")
    slug = factory.Sequence(lambda n: f"routine-{n}")
    active = True


class RoutineSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutineSlot
        skip_postgeneration_save = True

    routine = factory.SubFactory(RoutineFactory)
    step = factory.SubFactory(StepFactory, slug="cleanse", position=1)
    position = factory.Sequence(lambda n: n)
    required = True
    min_items = 1
    max_items = 1

    @factory.post_generation
    def products(self, create: bool, extracted: list[Product] | None, **kwargs: object) -> None:
        if create and extracted:
            self.products.set(extracted)


class RoutineTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoutineTier

    routine = factory.SubFactory(RoutineFactory)
    min_items = 3
    percent_off = Decimal("10")


class IngredientConflictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngredientConflict

    first = factory.SubFactory(IngredientFactory)
    second = factory.SubFactory(IngredientFactory)
    title = "Two exfoliating acids"
    explanation = "Alternate them."
    active = True


# -- promotions: giveaways ---------------------------------------------------------------------


class GiveawayFactory(factory.django.DjangoModelFactory):
    """An open giveaway (opened a day ago, closes in a week)."""

    class Meta:
        model = "promotions.Giveaway"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Giveaway {n}")
    slug = factory.Sequence(lambda n: f"giveaway-{n}")
    opens_at = factory.LazyFunction(lambda: _now() - _days(1))
    closes_at = factory.LazyFunction(lambda: _now() + _days(7))
    winners_count = 1
    alternates_count = 3
    claim_days = 14
    min_age = 18
    countries: list[str] = []
    rules = "One entry per person.\nWinners have 14 days to claim."


class EntryFactory(factory.django.DjangoModelFactory):
    """A confirmed, clean entry."""

    class Meta:
        model = "promotions.Entry"

    giveaway = factory.SubFactory(GiveawayFactory)
    name = factory.Sequence(lambda n: f"Entrant {n}")
    email = factory.Sequence(lambda n: f"entrant{n}@example.com")
    email_normalized = factory.LazyAttribute(lambda o: o.email.lower())
    comment = "I would love to try the routine for my oily skin."
    status = "confirmed"
    confirmed_at = factory.LazyFunction(lambda: _now())


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


def _days(n: int):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return timedelta(days=n)


# -- promotions: promo codes ---------------------------------------------------------------------


class PromotionFactory(factory.django.DjangoModelFactory):
    """A running 10% off promotion on the whole cart, without limits."""

    class Meta:
        model = "promotions.Promotion"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Promotion {n}")
    kind = "percent"
    value = Decimal("10")


class PromoCodeFactory(factory.django.DjangoModelFactory):
    """A public code of a new promotion."""

    class Meta:
        model = "promotions.PromoCode"

    code = factory.Sequence(lambda n: f"CODE{n:04d}")
    promotion = factory.SubFactory(PromotionFactory)
    public = True


class OrderFactory(factory.django.DjangoModelFactory):
    """A placed order with no lines (enough for what refers to an order: redemptions)."""

    class Meta:
        model = "shop.Order"

    number = factory.Sequence(lambda n: f"TEST{n:06d}")
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    name = "Ana Lima"
    address_line1 = "12 Rose Street"
    city = "Portland"
    postal_code = "97201"
    country = "US"
    currency = "USD"
    subtotal_amount = Decimal("0.00")
    discount_amount = Decimal("0.00")
    shipping_amount = Decimal("0.00")
    total_amount = Decimal("0.00")
    breakdown: dict[str, object] = {}


# -- promotions: reminders ---------------------------------------------------------------------


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed, active evening-routine subscription at 21:00 in Paris."""

    class Meta:
        model = "promotions.Subscription"

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    email_normalized = factory.LazyAttribute(lambda o: o.email.lower())
    kind = "routine_evening"
    local_time = factory.LazyFunction(lambda: _time(21, 0))
    timezone = "Europe/Paris"
    confirmed_at = factory.LazyFunction(lambda: _now())


def _time(hour: int, minute: int):  # type: ignore[no-untyped-def]
    from datetime import time

    return time(hour, minute)
