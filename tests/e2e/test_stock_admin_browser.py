"""The product list's bulk price change, the Adjust stock page and the low-stock list in
chromium: a merchant's journey through the confirmation pages, each audited with axe and
saved as a screenshot (screenshots/, gitignored)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shop.catalog.models import Product
from shop.catalog.stock_history import StockAdjustment
from tests.e2e.admin_login import staff_sign_in
from tests.e2e.axe import Auditor

pytestmark = pytest.mark.django_db(transaction=True)
OUT = Path(__file__).resolve().parents[2] / "screenshots"


def shot(page: Any, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"admin-{name}-1280.png"), full_page=True)


def test_bulk_price_change_stock_adjustment_and_low_stock(
    demo: None, page: Any, staff_user: Any
) -> None:
    auditor = Auditor(page)
    staff_sign_in(page)

    toners = list(Product.objects.filter(step__slug="tone").order_by("pk"))
    before = {p.pk: p.price_amount for p in toners}
    page.goto(page.base + "/admin/shop/product/?step__id__exact=" + str(toners[0].step_id))
    for product in toners:
        page.locator(f'input[name="_selected_action"][value="{product.pk}"]').check()
    page.locator('select[name="action"]').select_option("change_prices")
    page.get_by_role("button", name="Go").click()

    page.get_by_label("by a percentage").check()
    page.get_by_label("Percentage or new price").fill("-150")
    page.get_by_role("button", name="Preview").click()
    assert "Enter a percentage from -99.99 to 1000." in page.locator(".errorlist").inner_text()
    auditor.check("bulk price change with an error")

    page.get_by_label("Percentage or new price").fill("-10")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("domcontentloaded")  # count() reads the page as parsed so far
    rows = page.locator("#new-prices tbody tr")
    assert rows.count() == len(toners)
    assert page.locator("#kit-effects tbody tr").count() >= 1  # the demo kit holds a toner
    auditor.check("bulk price preview")
    shot(page, "bulk-price-preview")
    page.get_by_role("button", name="Apply these prices").click()
    page.wait_for_url("**/admin/shop/product/**")
    assert f"New prices for {len(toners)} product(s)." in page.locator(".messagelist").inner_text()
    for product in toners:
        product.refresh_from_db()
        expected = (before[product.pk] * Decimal("0.9")).quantize(Decimal("0.01"))
        assert abs(product.price_amount - expected) <= Decimal("0.01")

    wash = Product.objects.get(sku="CLN-CITRUS")
    page.goto(page.base + f"/admin/shop/product/{wash.pk}/change/")
    page.get_by_role("link", name="Adjust stock").click()
    page.get_by_label("damage (removes)").check()
    page.get_by_label("Units").fill(str(wash.stock + 1))
    page.get_by_role("button", name="Save the adjustment").click()
    assert f"Only {wash.stock} in stock" in page.locator(".errorlist").inner_text()
    auditor.check("adjust stock with an error")
    shot(page, "adjust-stock")
    page.get_by_label("delivery (adds)").check()
    page.get_by_label("Units").fill("24")
    page.get_by_role("textbox", name="Note").fill("PO 1234")
    page.get_by_role("button", name="Save the adjustment").click()
    page.wait_for_url(f"**/admin/shop/product/{wash.pk}/change/")
    assert "PO 1234" in page.locator(".field-stock_history").inner_text()
    auditor.check("product page with stock history")
    adjustment = StockAdjustment.objects.get()
    assert (adjustment.delta, adjustment.stock_after) == (24, wash.stock + 24)

    Product.objects.filter(pk=wash.pk).update(stock=3)
    page.goto(page.base + "/admin/shop/lowstockproduct/")
    assert "Citrus Facial Wash" in page.locator("#result_list").inner_text()
    auditor.check("low stock")
    shot(page, "low-stock")
    auditor.assert_clean()
