"""Product images: the staff upload API, the product API's URLs, thumbnails made at upload,
media served by the app with DEBUG off, and demo pictures for every product and kit."""

from __future__ import annotations

import os
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from PIL import Image
from rest_framework.test import APIClient

from kits.models import Kit
from shop.catalog import images
from shop.catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def encoded(fmt: str, size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    out = BytesIO()
    Image.new(mode, size, (200, 120, 90) if mode == "RGB" else 1).save(out, fmt)
    return out.getvalue()


def upload(client: APIClient, slug: str, data: bytes, name: str, content_type: str) -> Any:
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(f"/api/products/{slug}/image/", {"image": file}, format="multipart")


@pytest.mark.parametrize(
    ("fmt", "name", "content_type", "extension"),
    [
        ("PNG", "a.png", "image/png", "png"),
        ("JPEG", "a.jpg", "image/jpeg", "jpg"),
        ("WEBP", "a.webp", "image/webp", "webp"),
    ],
)
def test_staff_upload_sets_image_and_thumbnails(
    staff_api: APIClient, media_root: Path, fmt: str, name: str, content_type: str, extension: str
) -> None:
    product = ProductFactory(slug="serum")
    response = upload(staff_api, "serum", encoded(fmt), name, content_type)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["slug"] == "serum"
    assert body["image"].startswith("http://testserver/media/products/")
    assert body["image"].endswith(f".{extension}")
    assert body["thumbnail"].endswith("-400.webp")
    product.refresh_from_db()
    for width in images.WIDTHS:
        thumb = media_root / images.thumbnail_name(product.image.name, width)
        with Image.open(thumb) as image:
            assert (image.format, image.size) == ("WEBP", (width, width))


def test_product_api_lists_absolute_urls_or_null(api_client: APIClient) -> None:
    ProductFactory(slug="plain")
    product = ProductFactory(slug="pictured")
    product.image.name = images.store(encoded("PNG"), "png", folder="products")
    product.save()
    rows = {row["slug"]: row for row in api_client.get("/api/products/").json()["results"]}
    assert rows["plain"]["image"] is None and rows["plain"]["thumbnail"] is None
    assert rows["pictured"]["image"] == f"http://testserver/media/{product.image.name}"
    detail = api_client.get("/api/products/pictured/").json()
    assert detail["thumbnail"] == rows["pictured"]["thumbnail"]
    assert detail["thumbnail"].startswith("http://testserver/media/products/")


def _bomb() -> bytes:
    out = BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 megapixels in a few kilobytes
    return out.getvalue()


def _noise_png(megabytes: int) -> bytes:
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    out = BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("case", "make", "name", "content_type"),
    [
        (
            "text renamed .png",
            lambda: b"just some text, not a picture\n" * 20,
            "a.png",
            "image/png",
        ),
        ("6 MB image", lambda: _noise_png(6), "big.png", "image/png"),
        ("decompression bomb", _bomb, "bomb.png", "image/png"),
        ("GIF", lambda: encoded("GIF"), "a.gif", "image/gif"),
        ("truncated PNG", lambda: encoded("PNG")[:200], "cut.png", "image/png"),
    ],
)
def test_upload_refuses_what_is_not_an_image(
    staff_api: APIClient, media_root: Path, case: str, make: Any, name: str, content_type: str
) -> None:
    data = make()
    if case == "6 MB image":
        assert len(data) > 6 * 1024 * 1024 - 1
    ProductFactory(slug="serum")
    response = upload(staff_api, "serum", data, name, content_type)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_image"
    assert Product.objects.get(slug="serum").image.name == ""
    assert not any(media_root.rglob("*.*")), "nothing is half-written"


def test_upload_without_file_and_by_non_staff(
    staff_api: APIClient, api_client: APIClient, shopper_user: Any
) -> None:
    ProductFactory(slug="serum")
    missing = staff_api.post("/api/products/serum/image/", {}, format="multipart")
    assert (missing.status_code, missing.json()["code"]) == (400, "invalid_image")
    as_json = staff_api.post("/api/products/serum/image/", {"image": "x"}, format="json")
    assert (as_json.status_code, as_json.json()["code"]) == (400, "invalid_image")
    anonymous = upload(api_client, "serum", encoded("PNG"), "a.png", "image/png")
    assert anonymous.status_code == 401
    api_client.force_authenticate(shopper_user)
    shopper = upload(api_client, "serum", encoded("PNG"), "a.png", "image/png")
    assert shopper.status_code == 403
    assert staff_api.post("/api/products/nope/image/", {}).status_code == 404


@override_settings(DEBUG=False)
def test_media_is_served_with_debug_off_and_cached_as_immutable(client: Any) -> None:
    name = images.store(encoded("JPEG"), "jpg", folder="products")
    for path, content_type in [
        (name, "image/jpeg"),
        (images.thumbnail_name(name, 400), "image/webp"),
        (images.thumbnail_name(name, 800), "image/webp"),
    ]:
        response = client.get(f"/media/{path}")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert b"".join(response.streaming_content)[:4] in (b"\xff\xd8\xff\xe0", b"RIFF")


@override_settings(DEBUG=False)
def test_media_view_refuses_traversal_listing_and_writes(client: Any, media_root: Path) -> None:
    secret = media_root.parent / "secret.txt"
    secret.write_text("settings")
    (media_root / "products").mkdir()
    assert client.get("/media/../secret.txt").status_code == 404
    assert client.get("/media/%2e%2e/secret.txt").status_code == 404
    assert client.get("/media/products/").status_code == 404
    assert client.get("/media/nothing.png").status_code == 404
    name = images.store(encoded("PNG"), "png", folder="products")
    assert client.post(f"/media/{name}").status_code == 405


def test_same_bytes_same_names(media_root: Path) -> None:
    data = encoded("PNG")
    first = images.store(data, "png", folder="products")
    assert images.store(data, "png", folder="products") == first
    assert len(list(media_root.rglob("*.*"))) == 3


def test_demo_draws_a_distinct_image_for_every_product_and_kit(media_root: Path) -> None:
    call_command("load_demo", stdout=StringIO())
    names = {p.slug: p.image.name for p in Product.objects.all()}
    kits = {k.slug: k.image.name for k in Kit.objects.all()}
    assert names and kits and all(names.values()) and all(kits.values())
    assert len(set(names.values()) | set(kits.values())) == len(names) + len(kits)
    for name in [*names.values(), *kits.values()]:
        with Image.open(media_root / name) as image:
            assert (image.format, image.size) == ("WEBP", (800, 800))
        assert (media_root / images.thumbnail_name(name, 400)).exists()
    files = sorted(media_root.rglob("*.*"))
    call_command("load_demo", stdout=StringIO())
    assert sorted(media_root.rglob("*.*")) == files
    assert {p.slug: p.image.name for p in Product.objects.all()} == names


def _admin_post(client: Any, product: Product, image: Any) -> Any:
    data = {
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "step": product.step_id,
        "summary": "",
        "description": "",
        "price_amount": "20.00",
        "stock": "5",
        "active": "on",
        "days_of_use": "60",
        "product_ingredients-TOTAL_FORMS": "0",
        "product_ingredients-INITIAL_FORMS": "0",
        "gallery_images-TOTAL_FORMS": "0",
        "gallery_images-INITIAL_FORMS": "0",
        "product_ingredients-MIN_NUM_FORMS": "0",
        "product_ingredients-MAX_NUM_FORMS": "1000",
        "image": image,
    }
    return client.post(f"/admin/shop/product/{product.pk}/change/", data)


def test_admin_upload_stores_thumbnails_and_shows_a_preview(
    client: Any, staff_user: Any, media_root: Path
) -> None:
    client.force_login(staff_user)
    product = ProductFactory(slug="serum")
    response = _admin_post(client, product, SimpleUploadedFile("x.jpg", encoded("JPEG")))
    assert response.status_code == 302, response.content.decode()[:3000]
    product.refresh_from_db()
    assert product.image.name.startswith("products/") and product.image.name.endswith(".jpg")
    assert (media_root / images.thumbnail_name(product.image.name, 400)).exists()
    page = client.get(f"/admin/shop/product/{product.pk}/change/").content.decode()
    assert f'src="/media/{images.thumbnail_name(product.image.name, 400)}"' in page


def test_admin_refuses_a_decompression_bomb_next_to_the_field(
    client: Any, staff_user: Any, media_root: Path
) -> None:
    client.force_login(staff_user)
    product = ProductFactory(slug="serum")
    response = _admin_post(client, product, SimpleUploadedFile("x.png", _bomb()))
    assert response.status_code == 200
    assert "This is not a PNG, JPEG or WebP image." in response.content.decode()
    assert Product.objects.get(pk=product.pk).image.name == ""
    assert not any(media_root.rglob("*.*"))


def test_kit_api_gives_absolute_image_and_thumbnail_urls(api_client: APIClient) -> None:
    call_command("load_demo", stdout=StringIO())
    kit = Kit.objects.get(slug="seven-piece-collection")
    body = api_client.get(f"/api/kits/{kit.slug}/").json()
    assert body["image"] == f"http://testserver/media/{kit.image.name}"
    assert body["thumbnail"] == "http://testserver/media/" + images.thumbnail_name(
        kit.image.name, 400
    )
    Kit.objects.filter(pk=kit.pk).update(image="")
    listed = api_client.get("/api/kits/").json()["results"]
    assert [(k["image"], k["thumbnail"]) for k in listed] == [(None, None)]
