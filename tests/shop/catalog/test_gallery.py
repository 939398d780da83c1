"""The product page's gallery (the main image first, then more pictures with alt text; plain
links without JavaScript), the demo's distinct pictures, the admin inline, and "goes well with":
the other steps of the routine, with what the product costs inside it, to the cent."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.datastructures import MultiValueDict
from PIL import Image

from shop.catalog import images
from shop.catalog.admin import ProductImageForm, ProductImageInline
from shop.catalog.gallery import ProductImage, product_photos
from shop.catalog.models import Product
from shop.quoting import services as quoting

pytestmark = pytest.mark.django_db

WASH = "/products/citrus-facial-wash/"


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def thumbs(html: str) -> list[tuple[str, str]]:
    """Each thumbnail link's href and its image's alt text."""
    block = html[html.index('class="gallery-thumbs"') :]
    block = block[: block.index("</ul>")]
    return re.findall(r'<a href="([^"]+)".*?<img [^>]*alt="([^"]*)"', block, re.S)


def main_alt(html: str) -> str:
    found = re.search(r'<img class="picture product-image"[^>]*alt="([^"]*)"', html)
    assert found is not None
    return found[1]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_demo_gives_every_product_three_distinct_pictures(demo: None) -> None:
    for product in Product.objects.prefetch_related("gallery_images"):
        photos = product_photos(product)
        assert len(photos) == 3, product
        assert len({photo.picture.original for photo in photos}) == 3, product
        assert photos[0].picture == product.picture  # the main image stays the first
        assert all(photo.alt for photo in photos)


def test_thumbnails_are_links_that_the_server_renders(demo: None, client: Client) -> None:
    html = client.get(WASH).content.decode()
    links = thumbs(html)
    assert [href for href, _ in links] == [
        "?photo=1#gallery",
        "?photo=2#gallery",
        "?photo=3#gallery",
    ]
    assert links[1][1] == "Picture 2 of 3: The texture of Citrus Facial Wash"
    assert main_alt(html) == "Citrus Facial Wash"
    assert 'href="?photo=1#gallery" aria-current="true"' in html
    second = client.get(WASH + "?photo=2").content.decode()
    assert main_alt(second) == "The texture of Citrus Facial Wash"
    assert 'href="?photo=2#gallery" aria-current="true"' in second
    for wrong in ("0", "4", "x", "-1"):
        assert main_alt(client.get(WASH + f"?photo={wrong}").content.decode()) == (
            "Citrus Facial Wash"
        )


def test_a_product_without_more_pictures_shows_no_thumbnails(demo: None, client: Client) -> None:
    ProductImage.objects.filter(product__slug="citrus-facial-wash").delete()
    html = client.get(WASH).content.decode()
    assert "gallery-thumbs" not in html and main_alt(html) == "Citrus Facial Wash"


def test_the_admin_inline_stores_a_picture_as_the_api_does(demo: None, media_root: Path) -> None:
    assert ProductImageInline in admin.site._registry[Product].inlines
    product = Product.objects.get(slug="citrus-facial-wash")
    out = BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 90)).save(out, "PNG")
    upload = SimpleUploadedFile("shot.png", out.getvalue(), content_type="image/png")
    form = ProductImageForm(
        data={"alt": "The pump, close up", "position": "5", "product": product.pk},
        files=MultiValueDict({"image": [upload]}),
        instance=ProductImage(product=product),
    )
    assert form.is_valid(), form.errors
    photo = form.save()
    assert re.fullmatch(r"products/[0-9a-f]{24}\.png", photo.image.name)
    for width in images.WIDTHS:
        assert (media_root / images.thumbnail_name(photo.image.name, width)).exists()
    assert product_photos(product)[-1].alt == "The pump, close up"
    bad = ProductImageForm(
        data={"alt": "", "position": "1"},
        files=MultiValueDict(
            {"image": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]}
        ),
        instance=ProductImage(product=product),
    )
    assert not bad.is_valid() and "image" in bad.errors


def test_goes_well_with_lists_the_routines_other_steps(demo: None, client: Client) -> None:
    html = client.get(WASH).content.decode()
    section = html[
        html.index('class="pairing"') : html.index("</section>", html.index('class="pairing"'))
    ]
    page = text(section)
    assert "Goes well with" in page
    for step in ("Tone", "Renew"):
        assert step in page
    assert "Citrus Facial Wash" not in re.findall(r"<ul>.*</ul>", section, re.S)[0]
    assert (
        'href="/kits/routines/three-steps-to-refined-pores/?select=citrus-facial-wash&amp;select='
        in section
    )


def test_what_the_product_saves_in_the_routine_is_its_share_of_the_routines_price(
    demo: None, client: Client
) -> None:
    html = client.get(WASH).content.decode()
    found = re.search(r'data-in-routine="[^"]+">(.*?)</p>', html, re.S)
    assert found is not None
    sentence = text(found[1])
    money = [Decimal(m) for m in re.findall(r"\$(\d+\.\d\d)", sentence)]
    allocated, regular, saved, on_routine = money
    assert regular == Product.objects.get(slug="citrus-facial-wash").price_amount
    assert regular - allocated == saved > 0
    # The same selection through the quote service: the wash's share and the routine's saving.
    link = re.search(r'href="/kits/routines/([^/]+)/\?([^"]+)"', html)
    assert link is not None
    slugs = re.findall(r"select=([\w-]+)", link[2])
    breakdown = quoting.quote_build(items=[{"routine": link[1], "selections": slugs}])
    share = next(c for c in breakdown.lines[0].components if c.product == "citrus-facial-wash")
    assert share.allocated.amount == allocated
    assert breakdown.discount_total.amount == on_routine
    assert "(10% off)" in sentence


def test_the_product_page_runs_a_fixed_number_of_queries(
    demo: None, client: Client, django_assert_num_queries: Any
) -> None:
    """The product with its ingredients, concerns and gallery (4), the kits holding it (3) and
    their parts' lowest prices in 30 days (1, kits.claims), the routine with its slots, narrowed
    products and tiers (4), its eligible products with their ingredients (2): 14, however many
    pictures, partners or kit components there are."""
    client.get(WASH)
    with django_assert_num_queries(14):
        assert client.get(WASH).status_code == 200


def test_a_product_no_routine_offers_has_no_goes_well_with(demo: None, client: Client) -> None:
    """Serum Prep (an extra treatment, a gift in the collection) is in no routine's steps."""
    response = client.get("/products/serum-prep/")
    assert response.status_code == 200
    assert 'class="pairing"' not in response.content.decode()
