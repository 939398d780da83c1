"""Screenshots of the pages that sell (home, kit builder, cart, checkout) at phone and desktop
widths, written to screenshots/ (gitignored) for people to look at: `make screenshots`.

Also a check that can fail: at 390 px nothing is wider than the screen (no sideways
scrolling, no cut-off button or price), and the page's main call to action is on screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

OUT = Path(__file__).resolve().parents[2] / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
BUILDER = "/kits/routines/three-steps-to-refined-pores/"

# Elements wider than the viewport (or sticking out of it), ignoring the visually hidden ones.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).position === 'absolute' && box.width <= 1) continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    if (box.right > width + 1 || box.left < -1) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


# Links and buttons that something fixed (the builder's phone total bar) covers once the page
# is scrolled to the very bottom.
COVERED_JS = """() => {
  window.scrollTo(0, document.documentElement.scrollHeight);
  const covered = [];
  for (const el of document.querySelectorAll('main a, main button, footer a')) {
    // The first line box: a link that wraps has an empty middle in its bounding box.
    const box = el.getClientRects()[0] || el.getBoundingClientRect();
    if (box.width === 0 || box.bottom < 0 || box.top > window.innerHeight) continue;
    const x = box.left + box.width / 2;
    for (const y of [box.top + 2, box.top + box.height / 2, box.bottom - 2]) {
      const hit = document.elementFromPoint(x, y);
      if (hit && hit !== el && !el.contains(hit)) { covered.push(el.textContent.trim()); break; }
    }
  }
  window.scrollTo(0, 0);
  return covered;
}"""


def shoot(page: Any, name: str, width: str, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}-{width}.png"), full_page=True)
    found = page.evaluate(OVERFLOW_JS)
    if found["scrollWidth"] > found["width"] or found["wide"]:
        problems.append(f"{name} at {width}: {found}")
    covered = page.evaluate(COVERED_JS)
    if covered:
        problems.append(f"{name} at {width}: covered at the bottom of the page: {covered}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_selling_pages_fit_the_screen_and_are_captured(demo: None, page: Any, width: str) -> None:
    from config.celery import app

    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    problems: list[str] = []
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        page.goto(page.base + "/")
        shoot(page, "home", width, problems)
        if width == "phone":
            page.get_by_role("button", name="Menu").click()
            shoot(page, "home-menu-open", width, problems)
        for slug in ("shipping", "returns", "contact", "privacy", "terms", "giveaway-rules"):
            page.goto(page.base + f"/help/{slug}/")
            shoot(page, f"help-{slug}", width, problems)
        # The product page: gallery, "goes well with" and what it saves in a kit or routine.
        page.goto(page.base + "/products/citrus-facial-wash/")
        shoot(page, "product", width, problems)

        page.goto(page.base + "/quiz/")
        shoot(page, "quiz", width, problems)
        for question, label in [
            ("skin_type", "Oily: shiny all over"),
            ("concerns", "Enlarged pores"),
            ("sensitive", "No"),
            ("makeup", "Yes"),
        ]:
            fieldset = page.locator(f"fieldset#question-{question}")
            fieldset.get_by_label(label, exact=True).check()
            next_button = fieldset.get_by_role("button", name="Next")
            if next_button.count() and next_button.is_visible():
                next_button.click()
        page.get_by_role("button", name="Show my routine").click()
        page.wait_for_url("**/quiz/*/")
        shoot(page, "quiz-result", width, problems)

        page.goto(page.base + BUILDER)
        shoot(page, "kit-builder-empty", width, problems)
        for step, name in [
            ("cleanse", "Citrus Facial Wash"),
            ("tone", "Face Firming Toner"),
            ("renew", "Ceramic Skin Smoother"),
            ("powder", "Finishing Powder"),
        ]:
            page.locator(f"fieldset#step-{step}").get_by_label(name).check()
        # builder.js re-prices live and shows the add button once the routine is complete.
        page.get_by_role("button", name="Add this routine to cart").wait_for()
        shoot(page, "kit-builder", width, problems)
        page.get_by_role("button", name="Add this routine to cart").click()
        page.wait_for_url("**/cart/")

        page.goto(page.base + "/kits/seven-piece-collection/")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url("**/cart/")
        page.get_by_label("Promo code").fill("PORES15")
        page.get_by_role("button", name="Apply").click()
        page.locator(".promo-form .saving").wait_for()
        shoot(page, "cart", width, problems)
        checkout_link = page.get_by_role("link", name="Check out")
        assert checkout_link.is_visible()

        checkout_link.click()
        page.wait_for_url("**/checkout/")
        shoot(page, "checkout", width, problems)
        page.get_by_label("Email").fill("not-an-email")
        page.get_by_role("button", name="Place order").click()
        page.locator(".form-errors").wait_for()
        shoot(page, "checkout-errors", width, problems)
    finally:
        app.conf.task_always_eager = eager
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_account_pages_fit_the_screen_and_are_captured(page: Any, width: str) -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import User

    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})
    problems: list[str] = []
    page.goto(page.base + "/account/signup/")
    shoot(page, "account-signup", width, problems)
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign Up").click()
    page.locator(".field-error").first.wait_for()
    shoot(page, "account-signup-errors", width, problems)
    page.goto(page.base + "/account/login/code/")
    shoot(page, "account-login-code", width, problems)

    email = "ana.lima@example.com"
    user = User.objects.create_user(
        username=email, email=email, password="plum-velvet-4417", first_name="Ana Lima"
    )
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    page.goto(page.base + "/account/login/")
    shoot(page, "account-login", width, problems)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("plum-velvet-4417")
    page.locator("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/account/")
    shoot(page, "account", width, problems)
    page.goto(page.base + "/account/email/")
    shoot(page, "account-email", width, problems)
    assert not problems, "\n".join(problems)
