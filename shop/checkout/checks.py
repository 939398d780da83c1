"""System checks for checkout's settings: a payment method no gateway answers to is an error
(a typo would otherwise leave the shop silently without it), and `manage.py check --deploy`
warns about the test gateway in production (registered in shop/apps.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from shop.checkout.payments import GATEWAYS

TEST_GATEWAY_IN_PRODUCTION = "shop.W001"
UNKNOWN_PAYMENT_METHOD = "shop.E001"


@register()
def check_payment_methods_known(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    unknown = [m for m in settings.SHOP_PAYMENT_METHODS if m not in GATEWAYS]
    if not unknown:
        return []
    return [
        Error(
            f"SHOP_PAYMENT_METHODS names {', '.join(map(repr, unknown))}, which no payment "
            "gateway answers to: checkout would not offer it.",
            hint=f"Known methods: {', '.join(sorted(GATEWAYS))} (shop/checkout/payments.py).",
            id=UNKNOWN_PAYMENT_METHOD,
        )
    ]


@register(Tags.security, deploy=True)
def check_test_gateway_off(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.DEBUG or "test" not in settings.SHOP_PAYMENT_METHODS:
        return []
    return [
        Warning(
            "SHOP_PAYMENT_METHODS enables the `test` payment gateway with DEBUG=0: anyone can "
            "place orders with the token tok_ok without paying.",
            hint="Leave `test` out of SHOP_PAYMENT_METHODS in production; name your provider.",
            id=TEST_GATEWAY_IN_PRODUCTION,
        )
    ]
