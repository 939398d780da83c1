"""The `money` template filter: the shop's currency, every amount type, negatives, no-amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings

from shop.pricing import Money
from shop.templatetags.money import money, money_off


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("95"), "$95.00"),
        (Decimal("95.5"), "$95.50"),
        (Decimal("0.125"), "$0.13"),  # half-up, through Money.rounded
        ("95.00", "$95.00"),
        (" 12.3 ", "$12.30"),
        (7, "$7.00"),
        (Money.of("180.00", "USD"), "$180.00"),
        (Decimal("-5"), "\u2212$5.00"),
        ("-0.001", "$0.00"),  # never a minus zero
        (Decimal("1234567.89"), "$1234567.89"),
    ],
)
def test_money_prints_amounts_in_dollars_by_default(value: object, text: str) -> None:
    assert money(value) == text


@pytest.mark.parametrize(
    ("currency", "text"),
    [("USD", "$95.00"), ("EUR", "€95.00"), ("GBP", "£95.00"), ("CHF", "CHF 95.00")],
)
def test_money_follows_the_shop_currency(currency: str, text: str) -> None:
    with override_settings(SHOP_CURRENCY=currency):
        assert money(Decimal("95")) == text
        assert money("95.00") == text


def test_money_keeps_the_currency_of_a_money_value() -> None:
    with override_settings(SHOP_CURRENCY="EUR"):
        assert money(Money.of("3", "GBP")) == "£3.00"
        assert money(Money.of("-3", "EUR")) == "\u2212€3.00"


@pytest.mark.parametrize("value", [None, "", "abc", "NaN", "Infinity", "1e999", 1.5, True, [], {}])
def test_money_prints_nothing_for_what_is_not_an_amount(value: object) -> None:
    assert money(value) == ""
    assert money_off(value) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("5"), "\u2212$5.00"),
        (Money.of("10", "USD"), "\u2212$10.00"),
        ("0.00", "$0.00"),
        (Decimal("-2"), "$2.00"),
    ],
)
def test_money_off_shows_a_discount_with_a_minus_sign(value: object, text: str) -> None:
    assert money_off(value) == text


@override_settings(SHOP_CURRENCY="EUR")
def test_the_filters_load_in_a_template_and_escape_nothing_they_should_not() -> None:
    template = Template("{% load money %}{{ a|money }} / {{ b|money_off }} / [{{ c|money }}]")
    text = template.render(Context({"a": Decimal("95"), "b": "5.00", "c": None}))
    assert text == "€95.00 / \u2212€5.00 / []"


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        ("95.00", "USD", "$95.00"),
        (Decimal("95"), "EUR", "€95.00"),
        ("5", "GBP", "£5.00"),
        ("5", "usd", ""),  # not a currency code
        ("5", 7, ""),
    ],
)
def test_money_prints_a_stored_amount_in_the_currency_given(
    value: object, code: object, text: str
) -> None:
    with override_settings(SHOP_CURRENCY="CHF"):
        assert money(value, code) == text
        assert money_off(value, code) == (f"\u2212{text}" if text else "")
