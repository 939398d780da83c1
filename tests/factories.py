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
