"""System checks for checkout's settings: `manage.py check --deploy` warns about the test
gateway in production (registered in shop/apps.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

TEST_GATEWAY_IN_PRODUCTION = "shop.W001"


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
