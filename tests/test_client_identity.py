"""One client identity for every limit (config/client.py): the connection's address, or with
TRUSTED_PROXY_COUNT proxies in front the address they report; never a header the client chose.

Each limit is tried the same way: spend its budget, then one more attempt must be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from config.client import client_ip
from promotions.giveaways.models import Giveaway
from tests.factories import GiveawayFactory
from tests.shop.checkout_helpers import new_cart

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


# -- the function ---------------------------------------------------------------------------------


def _ip(remote: str, forwarded: str | None = None, proxies: int = 0) -> str:
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        return client_ip(RequestFactory().get("/", REMOTE_ADDR=remote, **extra))


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert _ip("203.0.113.9") == "203.0.113.9"
    assert _ip("203.0.113.9", "198.51.100.7") == "203.0.113.9"


def test_with_trusted_proxies_the_nth_entry_from_the_right_is_the_client() -> None:
    assert _ip(PROXY, "198.51.100.7", proxies=1) == "198.51.100.7"
    # What a client wrote itself stands further left and never counts.
    assert _ip(PROXY, "1.2.3.4, 198.51.100.7", proxies=1) == "198.51.100.7"
    assert _ip(PROXY, "1.2.3.4,198.51.100.7, 10.0.0.2", proxies=2) == "198.51.100.7"
    assert _ip(PROXY, " 2001:db8::1 ", proxies=1) == "2001:db8::1"


@pytest.mark.parametrize(
    ("forwarded", "proxies"),
    [(None, 1), ("", 1), ("198.51.100.7", 2), ("not-an-address", 1), ("1.2.3.4, 5.6.7.8:80", 1)],
)
def test_a_missing_short_or_malformed_header_falls_back_to_the_connection(
    forwarded: str | None, proxies: int
) -> None:
    assert _ip(PROXY, forwarded, proxies=proxies) == PROXY


# -- every limit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A limit: its budget per client, and one attempt (the client, a counter, request headers)
    that answers with a status code."""

    name: str
    budget: int
    attempt: Callable[[APIClient, int, dict[str, str]], int]
    anon_rate: str = "300/min"


def _quote_guess(client: APIClient, n: int, headers: dict[str, str]) -> int:
    body = {"items": [{"product": "citrus-facial-wash"}], "promo_code": f"GUESS{n}"}
    return client.post("/api/quote/", body, format="json", **headers).status_code


def _cart_guess(client: APIClient, n: int, headers: dict[str, str]) -> int:
    cart = new_cart(client, {"product": "citrus-facial-wash"})
    url = f"/api/carts/{cart}/promo/"
    return client.post(url, {"code": f"GUESS{n}"}, format="json", **headers).status_code


def _entry(n: int) -> dict[str, str]:
    return {
        "name": "Maria Gonzales",
        "email": f"maria{n}@example.com",
        "comment": "I have oily skin and big pores on my nose, I would love to try the routine.",
    }


def _giveaway_api(client: APIClient, n: int, headers: dict[str, str]) -> int:
    url = f"/api/giveaways/{_giveaway().slug}/entries/"
    return client.post(url, _entry(n), format="json", **headers).status_code


def _giveaway_form(client: APIClient, n: int, headers: dict[str, str]) -> int:
    return client.post(f"/giveaways/{_giveaway().slug}/", _entry(n), **headers).status_code


def _giveaway() -> Any:
    return Giveaway.objects.filter(slug="limits").first() or GiveawayFactory(
        slug="limits", min_age=0
    )


def _reminder_api(client: APIClient, n: int, headers: dict[str, str]) -> int:
    body = {"email": f"p{n}@example.com", "kind": "routine_evening"}
    return client.post("/api/reminders/", body, format="json", **headers).status_code


def _reminder_page(client: APIClient, n: int, headers: dict[str, str]) -> int:
    body = {"email": f"p{n}@example.com", "kind": "replenish", "timezone": "UTC"}
    return client.post("/reminders/", body, **headers).status_code


def _token(client: APIClient, n: int, headers: dict[str, str]) -> int:
    body = {"username": f"nobody{n}", "password": "wrong"}
    return client.post("/api/auth/token/", body, format="json", **headers).status_code


def _steps(client: APIClient, n: int, headers: dict[str, str]) -> int:
    return client.get("/api/steps/", **headers).status_code


LIMITS = [
    Limit("promo guesses on quotes", 3, _quote_guess),
    Limit("promo guesses on carts", 3, _cart_guess),
    Limit("giveaway entries (API)", 10, _giveaway_api),
    Limit("giveaway entries (page)", 10, _giveaway_form),
    Limit("reminder sign-ups (API)", 10, _reminder_api),
    Limit("reminder sign-ups (page)", 10, _reminder_page),
    Limit("token requests", 10, _token),
    Limit("the anonymous API rate", 5, _steps, anon_rate="5/min"),
]
SMALL_BUDGETS = {
    "PROMO_QUOTE_ATTEMPTS_PER_CLIENT": 3,
    "PROMO_ATTEMPTS_PER_CLIENT": 3,
    "PROMO_ATTEMPTS_PER_CART": 100,
}


@pytest.fixture
def small_budgets(settings: Any, demo: None) -> None:
    for name, value in SMALL_BUDGETS.items():
        setattr(settings, name, value)


def _anon_rate(settings: Any, rate: str) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], anon=rate)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _spend(limit: Limit, client: APIClient, headers: Callable[[int], dict[str, str]]) -> None:
    for n in range(limit.budget):
        assert limit.attempt(client, n, headers(n)) != 429, (limit.name, n)


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.name)
def test_a_new_forwarded_header_per_request_is_no_new_budget(
    limit: Limit, small_budgets: None, settings: Any
) -> None:
    _anon_rate(settings, limit.anon_rate)
    client = APIClient(REMOTE_ADDR="203.0.113.5")
    _spend(limit, client, lambda n: {"HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"})
    assert limit.attempt(client, 99, {"HTTP_X_FORWARDED_FOR": "192.0.2.200"}) == 429
    # Another connection has a budget of its own.
    other = APIClient(REMOTE_ADDR="203.0.113.6")
    assert limit.attempt(other, 100, {}) != 429


@pytest.mark.parametrize("limit", LIMITS, ids=lambda limit: limit.name)
def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    limit: Limit, small_budgets: None, settings: Any
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    _anon_rate(settings, limit.anon_rate)
    client = APIClient(REMOTE_ADDR=PROXY)  # every request arrives from the proxy
    _spend(limit, client, lambda n: {"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert limit.attempt(client, 99, {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}) == 429
    # A client that writes an address of its own in front is still the address the proxy saw.
    spoofed = {"HTTP_X_FORWARDED_FOR": "192.0.2.77, 198.51.100.1"}
    assert limit.attempt(client, 98, spoofed) == 429
    # Its neighbour behind the same proxy is another client.
    assert limit.attempt(client, 100, {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}) != 429


def test_the_anonymous_rate_applies_and_signed_in_staff_have_their_own(
    demo: None, staff_api: APIClient, settings: Any
) -> None:
    _anon_rate(settings, "5/min")
    anonymous = APIClient(REMOTE_ADDR="203.0.113.5")
    assert [anonymous.get("/api/steps/").status_code for _ in range(6)] == [200] * 5 + [429]
    response = anonymous.get("/api/kits/")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # A signed-in user counts on the user rate, by account, not the anonymous one.
    statuses = [
        staff_api.get("/api/steps/", REMOTE_ADDR="203.0.113.5").status_code for _ in "123456"
    ]
    assert statuses == [200] * 6
