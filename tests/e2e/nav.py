"""The header's links as a shopper reaches them: on a phone they are behind the Menu button."""

from __future__ import annotations

from typing import Any


def nav_link(page: Any, name: str) -> Any:
    """The header's link called `name`, with the phone menu opened first when it is folded."""
    # After a click the next page may be half parsed, its Menu button not yet made by menu.js.
    page.wait_for_load_state("domcontentloaded")
    menu = page.get_by_role("button", name="Menu")
    if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    return page.locator("header").get_by_role("link", name=name, exact=True)
