"""The merchant analytics dashboard in chromium at 1280 px: the figures as a merchant sees
them, a figure's link to its orders, the CSP (no blocked style or script), an axe audit, and
screenshots in screenshots/ (gitignored)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from tests.e2e.admin_login import staff_sign_in
from tests.e2e.axe import Auditor
from tests.shop.analytics import scenario

pytestmark = pytest.mark.django_db(transaction=True)

OUT = Path(__file__).resolve().parents[2] / "screenshots"


@pytest.fixture
def shop(staff_user: Any) -> Iterator[scenario.Shop]:
    with override_settings(TIME_ZONE="America/Los_Angeles", SHOP_CURRENCY="USD"):
        yield scenario.build()


def test_the_dashboard_reads_well_at_1280_px_and_passes_axe(shop: scenario.Shop, page: Any) -> None:
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    auditor = Auditor(page)
    staff_sign_in(page)
    page.get_by_role("link", name="Merchant analytics").click()
    page.wait_for_url("**/admin/analytics/")
    page.get_by_label("From", exact=True).fill(scenario.FROM)
    page.get_by_label("To", exact=True).fill(scenario.TO)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"**/admin/analytics/?from={scenario.FROM}&to={scenario.TO}")
    page.wait_for_load_state("domcontentloaded")  # the reads below do not wait for the page

    summary = page.locator("#table-summary")
    revenue = summary.locator("tr", has=page.get_by_role("rowheader", name="Revenue", exact=True))
    assert revenue.get_by_role("cell").all_inner_texts()[:2] == ["$275.01", "$50.00"]
    charts = page.get_by_role("img")
    assert charts.count() == 3
    assert page.get_by_role(
        "img", name="Revenue by day (USD), 2026-10-05 to 2026-10-18"
    ).is_visible()
    # The bars are drawn (coloured by the stylesheet, not by inline style the CSP would block).
    fill = page.locator("#chart-revenue .chart-bar").first.evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert fill == "rgb(42, 111, 151)"
    auditor.check("analytics dashboard")
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "admin-analytics-1280.png"), full_page=True)
    page.locator("#chart-revenue").screenshot(path=str(OUT / "admin-analytics-chart-1280.png"))

    # A figure is one click from the orders behind it.
    page.locator("#table-codes").get_by_role("link", name="$100.00").first.click()
    page.wait_for_url("**/admin/shop/order/**")
    page.wait_for_load_state("domcontentloaded")
    assert page.locator("#result_list tbody tr").count() == 1
    assert page.get_by_text(shop.orders["code"].number).is_visible()
    auditor.assert_clean()
    assert not blocked, blocked
