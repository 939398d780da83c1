"""Cart lines and the routine builder's options show their small pictures, read with the data
the page loads anyway (the image name rides on ProductInfo and KitInfo: no extra query)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kits.models import Kit
from shop.catalog import images
from shop.catalog.models import Product

pytestmark = pytest.mark.django_db


def _srcs(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<img class="picture {css_class}" src="([^"]+)"', html)


def test_cart_lines_show_the_product_and_kit_pictures(demo: None, client: Client) -> None:
    product = Product.objects.get(sku="TON-FIRM")
    kit = Kit.objects.get(slug="seven-piece-collection")
    client.post("/cart/add/", {"product": product.slug, "quantity": "1"})
    client.post("/cart/add/", {"kit": kit.slug, "quantity": "1"})
    html = client.get("/cart/").content.decode()
    shown = _srcs(html, "line-picture")
    assert shown == [
        images.thumbnail_name(f"/media/{product.image.name}", 400),
        images.thumbnail_name(f"/media/{kit.image.name}", 400),
    ]
    assert html.count('alt="" loading="lazy"') >= 2


def test_builder_options_show_small_pictures(demo: None, client: Client) -> None:
    html = client.get("/kits/routines/three-steps-to-refined-pores/").content.decode()
    shown = _srcs(html, "option-picture")
    options = re.findall(r'<label class="choice">', html)
    assert shown and len(shown) == len(options)
    assert all(src.endswith("-400.webp") for src in shown)


def test_a_line_without_an_image_has_no_picture(demo: None, client: Client) -> None:
    product = Product.objects.get(sku="TON-FIRM")
    Product.objects.filter(pk=product.pk).update(image="")
    client.post("/cart/add/", {"product": product.slug, "quantity": "1"})
    html = client.get("/cart/").content.decode()
    assert f"<h3>{product.name}</h3>" in html
    assert _srcs(html, "line-picture") == []


def test_quiz_result_shows_thumbnails_not_the_originals(demo: None, client: Client) -> None:
    answers = {"skin_type": "dry", "concerns": ["fine_lines"], "sensitive": "no", "makeup": "no"}
    result = client.post("/quiz/", answers)
    html = client.get(result["Location"]).content.decode()
    shown = _srcs(html, "quiz-product-image")
    assert shown and all(src.endswith("-400.webp") for src in shown)
    assert 'width="400" height="400" alt=""' in html
