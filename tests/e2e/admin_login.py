"""Signing the `staff_user` fixture in to the admin, for the browser tests of admin pages."""

from __future__ import annotations

from typing import Any


def staff_sign_in(page: Any) -> None:
    page.goto(page.base + "/admin/login/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
