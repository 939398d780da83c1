"""The storefront's frame and promises in a real browser: the phone menu with and without
JavaScript, the builder's limits in its controls and its phone bar, every storefront page under
150 KB without images, and axe on those pages and on the help pages."""

from __future__ import annotations

from typing import Any

import pytest

from shop.storefront.views import HELP_PAGES
from tests.e2e.axe import Auditor

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
BUILDER = "/kits/routines/three-steps-to-refined-pores/"
KIT = "/kits/seven-piece-collection/"
MAX_PAGE_BYTES = 150 * 1024
STOREFRONT = {
    "home": "/",
    "products": "/shop/",
    "product": "/products/face-firming-toner/",
    "kits": "/kits/",
    "kit": KIT,
    "builder": BUILDER,
    "cart": "/cart/",
    "checkout": "/checkout/",
    "quiz": "/quiz/",
    "giveaway": "/giveaways/seven-piece-collection/",
    "account login": "/account/login/",
}


def menu_links_visible(page: Any) -> bool:
    return bool(page.locator("#site-nav").get_by_role("link", name="Shop").is_visible())


def test_the_phone_menu_opens_without_javascript(
    demo: None, browser: Any, live_server: Any
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert not menu_links_visible(page)
    page.locator("label[for='menu-toggle']").click()
    assert menu_links_visible(page)
    page.locator("#site-nav").get_by_role("link", name="Shop").click()
    page.wait_for_url("**/shop/")
    context.close()


def test_the_phone_menu_is_a_disclosure_button_with_javascript(demo: None, page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(page.base + "/")
    button = page.get_by_role("button", name="Menu")
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu_links_visible(page)
    # The brand and the button share one line: the header is one row high.
    header = page.locator(".header-row").bounding_box()
    assert header is not None and header["height"] < 80
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert menu_links_visible(page)
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not menu_links_visible(page)


def test_the_desktop_nav_shows_without_a_menu_button(demo: None, page: Any) -> None:
    page.goto(page.base + "/")
    assert menu_links_visible(page)
    assert not page.get_by_role("button", name="Menu").is_visible()


def test_a_third_renew_box_is_disabled_and_nothing_claims_a_tier(demo: None, page: Any) -> None:
    page.goto(page.base + BUILDER)
    renew = page.locator("fieldset#step-renew")
    renew.get_by_label("Advanced Face Firming").check()
    renew.get_by_label("Enlarged Pore treatment").check()
    third = renew.get_by_label("Ceramic Skin Smoother")
    assert third.is_disabled()
    auditor = Auditor(page)
    auditor.check("builder, a step at its limit")
    auditor.assert_clean()
    renew.get_by_label("Enlarged Pore treatment").uncheck()
    assert third.is_enabled()
    # A tampered form (or one from before the script ran) still gets the server's answer.
    renew.get_by_label("Enlarged Pore treatment").check()
    third.evaluate("box => { box.disabled = false; box.checked = true; }")
    page.locator("fieldset#step-cleanse").get_by_label("Citrus Facial Wash").check()
    summary = page.locator("#builder-summary")
    summary.get_by_text("Renew treatment allows at most 2 products.").wait_for()
    assert "tier reached" not in summary.inner_text()
    assert "% off" not in summary.inner_text()


def test_the_phone_bar_adds_a_complete_routine_in_one_tap(demo: None, page: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto(page.base + BUILDER)
    for step, name in [
        ("cleanse", "Citrus Facial Wash"),
        ("tone", "Face Firming Toner"),
        ("renew", "Advanced Face Firming"),
    ]:
        page.locator(f"fieldset#step-{step}").get_by_label(name).check()
    bar = page.locator(".builder-total-bar")
    bar.get_by_text("10% off").wait_for()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] + 1
    bar.get_by_role("button", name="Add to cart").click()  # a real click: nothing covers it
    page.wait_for_url("**/cart/")
    assert "Three steps to refined pores" in page.locator("main").inner_text()


def _fill_cart(page: Any) -> None:
    page.goto(page.base + KIT)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url("**/cart/")


def test_every_storefront_page_is_under_150_kb_without_images(
    demo: None, page: Any, browser: Any
) -> None:
    _fill_cart(page)  # so the cart and checkout pages are the full ones
    cookies = page.context.storage_state()
    weights: dict[str, int] = {}
    for name, path in STOREFRONT.items():
        # A fresh context per page (with the cart's cookies): nothing comes from a cache.
        context = browser.new_context(storage_state=cookies)
        fresh = context.new_page()
        responses: list[Any] = []

        def record(response: Any, seen: list[Any] = responses) -> None:
            seen.append(response)

        fresh.on("response", record)
        fresh.goto(page.base + path, wait_until="networkidle")
        total = 0
        for response in responses:
            kind = response.request.resource_type
            if kind == "image" or response.headers.get("content-type", "").startswith("image/"):
                continue
            sizes = response.request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        context.close()
        assert total > 10_000, f"{name}: the page and its styles were not all measured"
        weights[name] = total
    print("page weights without images (bytes):", weights)  # shown with pytest -s
    heavy = {name: size for name, size in weights.items() if size > MAX_PAGE_BYTES}
    assert not heavy, f"over {MAX_PAGE_BYTES} bytes: {heavy} (all: {weights})"


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_storefront_and_help_pages_pass_axe(demo: None, page: Any, viewport: Any) -> None:
    page.set_viewport_size(viewport)
    auditor = Auditor(page)
    _fill_cart(page)
    pages = {**STOREFRONT, **{f"help: {slug}": f"/help/{slug}/" for slug in HELP_PAGES}}
    for name, path in pages.items():
        page.goto(page.base + path)
        auditor.check(name)
    if viewport == PHONE:
        page.goto(page.base + "/")
        page.get_by_role("button", name="Menu").click()
        auditor.check("home, phone menu open")
    auditor.assert_clean()
