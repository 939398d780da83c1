"""axe on the admin pages merchants use (login, product, kit, promotion and giveaway lists and
change pages): no serious or critical violation, with JavaScript and without it (the names and
references axe needs are in the HTML the server sends, not added by a script)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.axe import Auditor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_admin_pages_merchants_use_pass_axe(
    demo: None, browser: Any, live_server: Any, staff_user: Any, javascript: bool
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if not javascript:
        # The page's own scripts never load (axe itself is evaluated over the DevTools protocol;
        # chromium's java_script_enabled=False would stop axe's timers too).
        context.route("**/*.js", lambda route: route.abort())
    page = context.new_page()
    page.base = live_server.url
    auditor = Auditor(page)
    page.goto(page.base + "/admin/login/")
    auditor.check("admin login")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    for name, path in [
        ("product list", "/admin/shop/product/"),
        ("kit list", "/admin/kits/kit/"),
        ("promotion list", "/admin/promotions/promotion/"),
        ("giveaway list", "/admin/promotions/giveaway/"),
    ]:
        page.goto(page.base + path)
        auditor.check(name)
        change = page.locator("#result_list tbody th a").first.get_attribute("href")
        page.goto(page.base + change)
        auditor.check(name.replace("list", "change"))
        if name == "kit list":
            # Names that say what a cell is: its column, then its row.
            quantity = page.locator("#id_components-0-quantity").get_attribute("aria-label")
            assert quantity is not None and quantity.startswith("Quantity (")
        if name == "promotion list":
            date = page.locator("#id_starts_at_0").get_attribute("aria-label")
            assert date is not None and date.endswith("(date)")
    context.close()
    auditor.assert_clean()
