"""Promo codes reach pricing through promotions.selectors.promo_rules_for."""

from __future__ import annotations

from django.utils import timezone

from promotions.selectors import promo_code_normalise, promo_rules_for
from shop.pricing import UnknownCode


def test_codes_are_normalised_and_blank_ones_dropped() -> None:
    assert promo_code_normalise("  pores15 ") == "PORES15"
    rules = promo_rules_for(
        codes=[" pores15 ", "", "   ", "PORES15", "welcome"], email=None, now=timezone.now()
    )
    assert rules == (UnknownCode("PORES15"), UnknownCode("WELCOME"))


def test_without_promotions_every_code_is_unknown() -> None:
    rules = promo_rules_for(codes=["SPRING"], email="a@example.com", now=timezone.now())
    assert all(isinstance(rule, UnknownCode) for rule in rules)
