"""Customer accounts in a real browser: the header's "Sign in" -> sign up -> "verify your email
address" (not signed in) -> the emailed link -> confirm -> sign in, verified; then sign out and
in again. On a phone and on a desktop."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from tests.e2e.axe import Auditor
from tests.e2e.nav import nav_link

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "plum-velvet-4417"


@pytest.mark.parametrize("width", [390, 1280])
def test_sign_up_verify_and_sign_in_again(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    auditor = Auditor(page)  # axe-core on every state of every page below
    page.goto(page.base + "/")
    nav_link(page, "Sign in").click()
    page.wait_for_url("**/account/login/")
    auditor.check("sign in")
    page.locator("main").get_by_role("link", name="sign up").click()
    page.wait_for_url("**/account/signup/")
    auditor.check("sign up")

    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Your name").fill("Ana")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign Up").click()
    assert "too short" in page.locator(".field-error").inner_text()  # beside the field
    auditor.check("sign up with errors")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url("**/account/confirm-email/")  # the same page whether the address is taken
    assert "Verify Your Email Address" in page.inner_text("main")
    assert page.locator("header a", has_text="Sign in").count() == 1  # signed out
    auditor.check("check your email")

    found = re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    page.goto(page.base + found.group(1))
    auditor.check("confirm email")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/account/login/")
    page.get_by_label("Email").fill("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/account/")
    main = page.inner_text("main")
    assert "Hello, Ana" in main and "ana@example.com" in main
    assert "not verified" not in main and "verified" in main
    assert page.locator("header a", has_text="Account").count() == 1
    auditor.check("account overview, verified")

    page.locator(".account-nav").get_by_role("link", name="Sign out").click()
    page.wait_for_url("**/account/logout/")
    auditor.check("sign out")
    page.locator("main").get_by_role("button", name="Sign Out").click()
    page.wait_for_url(page.base + "/")
    nav_link(page, "Sign in").click()
    page.get_by_label("Email").fill("Ana@Example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/account/")
    assert "Hello, Ana" in page.inner_text("main")
    for label, path in [
        ("password change", "/account/password/change/"),
        ("email addresses", "/account/email/"),
    ]:
        page.goto(page.base + path)
        auditor.check(label)
    page.context.clear_cookies()
    for label, path in [
        ("password reset", "/account/password/reset/"),
        ("sign-in code", "/account/login/code/"),
        ("confirm link invalid", "/account/confirm-email/not-a-key/"),
    ]:
        page.goto(page.base + path)
        auditor.check(label)
    auditor.assert_clean()
