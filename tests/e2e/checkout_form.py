"""Filling the checkout form's country, region and payment fields in a browser (not a test
module): the test gateway's card form, with the cards that stand for its tokens."""

from __future__ import annotations

from typing import Any

CARDS = {"tok_ok": "4242 4242 4242 4242", "tok_decline": "4000 0000 0000 0002"}


def choose_country(page: Any, country: str = "US", region: str = "US-OR") -> None:
    page.get_by_label("Country").select_option(country)
    if region:
        page.get_by_label("State").select_option(region)


def pay_with(page: Any, token: str) -> None:
    """The card number that stands for `token` (a number as given otherwise)."""
    page.get_by_label("Card number").fill(CARDS.get(token, token))
    page.get_by_label("Expiry (MM/YY)").fill("12/34")
    page.get_by_label("CVC").fill("123")
