"""factory_boy factories for every model the tests build."""

from __future__ import annotations

from decimal import Decimal

import factory

from shop.models import Concern, Ingredient, Product, ProductIngredient, Step


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
