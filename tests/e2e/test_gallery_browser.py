"""The product page in chromium at 390 and 1280 px: the gallery's thumbnails show each picture
(in place with JavaScript, by a page load without), "goes well with" opens the builder with the
example routine chosen, and axe finds no serious or critical violation; a checkout postal code
of the wrong format is refused next to the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.axe import Auditor
from tests.e2e.checkout_form import pay_with

pytestmark = pytest.mark.django_db(transaction=True)

WASH = "/products/citrus-facial-wash/"
MAIN = "#gallery img.product-image"


@pytest.fixture
def media_demo(settings: Any, tmp_path: Path, db: Any) -> None:
    settings.MEDIA_ROOT = tmp_path  # before the demo draws its pictures
    call_command("load_demo", verbosity=0)


@pytest.mark.parametrize("width", [390, 1280])
def test_thumbnails_show_each_picture_in_place(media_demo: None, page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + WASH)
    Auditor(page).check(f"product page at {width}px")
    main = page.locator(MAIN)
    first = main.evaluate("img => img.currentSrc")
    thumbs = page.locator(".gallery-thumbs a")
    assert thumbs.count() == 3
    thumbs.nth(1).click()
    assert main.get_attribute("alt") == "The texture of Citrus Facial Wash"
    page.wait_for_function(f"document.querySelector({MAIN!r}).complete")
    assert main.evaluate("img => img.currentSrc") != first
    assert main.evaluate("img => img.naturalWidth") > 0
    assert thumbs.nth(1).get_attribute("aria-current") == "true"
    assert thumbs.nth(0).get_attribute("aria-current") is None
    assert page.url.endswith("?photo=2")  # the address shows the same picture on reload


def test_without_javascript_a_thumbnail_loads_its_picture(
    media_demo: None, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + WASH)
    page.locator(".gallery-thumbs a").nth(2).click()
    page.wait_for_url("**?photo=3#gallery")
    assert page.locator(MAIN).get_attribute("alt").startswith("Citrus Facial Wash: step 1")
    context.close()


def test_goes_well_with_opens_the_builder_with_the_example_routine(
    media_demo: None, page: Any
) -> None:
    page.goto(page.base + WASH)
    pairing = page.locator("section.pairing")
    assert "Goes well with" in pairing.inner_text()
    pairing.get_by_role("link", name="Build this routine").click()
    page.wait_for_url("**/kits/routines/**")
    page.wait_for_load_state("domcontentloaded")  # the reads below do not wait for the page
    assert page.locator('input[value="citrus-facial-wash"]').is_checked()
    assert page.locator("#builder-summary").get_by_text("Your routine").count() >= 1


def test_checkout_refuses_a_postal_code_of_the_wrong_format(demo: None, page: Any) -> None:
    page.goto(page.base + "/kits/seven-piece-collection/")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")
    page.goto(page.base + "/checkout/")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Full name").fill("Ana Lima")
    page.get_by_label("Address").fill("1 Rue Sainte-Catherine")
    page.get_by_label("City").fill("Montreal")
    page.get_by_label("Postal code").fill("97201")
    page.get_by_label("Country").select_option("CA")
    page.get_by_label("Province").select_option("CA-QC")
    pay_with(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    error = page.locator("#id_postal_code_error")
    error.wait_for()
    assert "K1A 0B1" in error.inner_text()
    assert "K1A 0B1" in page.locator("#id_postal_code").evaluate(
        "el => el.closest('.field').innerText"
    )
