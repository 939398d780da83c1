"""Product and kit pictures load in a real browser, at phone and desktop widths, from the app's
own media route (the live server runs with DEBUG off, as the test runner sets it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)

LOADED = """imgs => imgs.map(img => ({
    src: img.currentSrc, ok: img.complete && img.naturalWidth > 0,
    alt: img.alt, lazy: img.loading, width: img.getAttribute('width')}))"""


@pytest.fixture
def media_demo(settings: Any, tmp_path: Path, db: Any) -> None:
    settings.MEDIA_ROOT = tmp_path  # before the demo draws its pictures
    call_command("load_demo", verbosity=0)


def _pictures(page: Any, selector: str) -> list[dict[str, Any]]:
    # A click returns once the next page has begun to arrive, before its body is parsed: count
    # the pictures of the whole page, not of its first bytes.
    page.wait_for_load_state("domcontentloaded")
    images = page.locator(selector)
    for index in range(images.count()):  # lazy images load once scrolled to
        images.nth(index).scroll_into_view_if_needed()
    page.wait_for_function(
        f"[...document.querySelectorAll({selector!r})].every(i => i.complete)", timeout=20_000
    )
    return page.locator(selector).evaluate_all(LOADED)


@pytest.mark.parametrize("width", [390, 1280])
def test_cards_and_pages_show_loaded_pictures(media_demo: None, page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + "/shop/")
    cards = page.locator(".product-card").count()
    shown = _pictures(page, ".product-card img.picture")
    assert cards > 5 and len(shown) == cards
    assert all(p["ok"] and p["alt"] and p["lazy"] == "lazy" and p["width"] for p in shown), shown
    assert all("/media/products/" in p["src"] and p["src"].endswith(".webp") for p in shown)
    assert len({p["src"] for p in shown}) == cards, "every product has its own picture"

    page.locator(".product-card h3 a").first.click()
    (main,) = _pictures(page, ".product-main img.product-image")  # the gallery's first
    assert main["ok"] and main["alt"] == page.locator("h1").inner_text()

    page.goto(page.base + "/kits/")
    kits = _pictures(page, ".kit-card img.picture")
    assert kits and all(p["ok"] and "/media/kits/" in p["src"] for p in kits), kits
