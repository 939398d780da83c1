"""A product's gallery: more pictures after its main `image` (which stays the first), each with
its alt text and position, stored and thumbnailed as the main image is (shop/catalog/images.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from shop.catalog import demo_images, images
from shop.catalog.models import Product


class ProductImage(models.Model):
    """One more picture of a product, shown after its main image."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(
        "alt text",
        max_length=200,
        blank=True,
        help_text="What the picture shows, for people who cannot see it. Empty: the product's "
        "name.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt or f"{self.product} picture"


@dataclass(frozen=True, slots=True)
class Photo:
    """One picture of the gallery as a page shows it: `number` counts from 1, the main image."""

    number: int
    picture: images.Picture
    alt: str


def product_photos(product: Product) -> list[Photo]:
    """The product's pictures in order: its main image, then its gallery's (prefetched or not)."""
    found: list[tuple[images.Picture | None, str]] = [(product.picture, product.name)]
    found += [
        (images.picture(extra.image.name), extra.alt or product.name)
        for extra in product.gallery_images.all()
    ]
    pictures = [(picture, alt) for picture, alt in found if picture is not None]
    return [Photo(n, picture, alt) for n, (picture, alt) in enumerate(pictures, start=1)]


def demo_gallery_load(product: Product) -> int:
    """Two more demo pictures for a product without any (its texture, and where it fits in the
    routine), drawn offline; returns how many it added."""
    if product.gallery_images.exists():
        return 0
    step = product.step
    how = "Optional" if step.optional else "Every morning and evening"
    views = [
        ("texture", f"The texture of {product.name}", []),
        (
            "routine",
            f"{product.name}: step {step.position}, {step.name}",
            [f"Step {step.position}: {step.name}", product.name, step.summary, how],
        ),
    ]
    for position, (view, alt, lines) in enumerate(views, start=1):
        data = demo_images.draw_view(product.name, step.slug, view, lines)
        name = images.store(data, "webp", folder="products")
        ProductImage.objects.create(product=product, image=name, alt=alt, position=position)
    return len(views)
