"""Guessing protection: the failed-attempt throttle (per client and per cart, across processes)
and the uniform answer for codes a shopper has not earned a reason for."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.codes import guard
from promotions.codes.selectors import promo_codes_lookup
from shop.pricing import PromoRule, UnknownCode, price
from shop.quoting import services as quoting
from tests.factories import ProductFactory, PromoCodeFactory, PromotionFactory

ROOT = Path(__file__).resolve().parents[3]


# -- who the client is ---------------------------------------------------------------------------


def test_client_key_is_stable_and_keeps_no_address_in_clear() -> None:
    key = guard.client_key("203.0.113.7")
    assert key == guard.client_key(" 203.0.113.7 ")
    assert "203" not in key and len(key) == 32
    assert key != guard.client_key("203.0.113.8")


def test_one_ipv6_host_is_one_client_across_its_slash_64() -> None:
    assert guard.client_key("2001:db8:1:2::1") == guard.client_key("2001:db8:1:2:ffff::9")
    assert guard.client_key("2001:db8:1:2::1") != guard.client_key("2001:db8:1:3::1")
    assert guard.client_key("::ffff:203.0.113.7") == guard.client_key("203.0.113.7")


@pytest.mark.parametrize("address", [None, "", "not an address", "x" * 500])
def test_a_missing_or_odd_address_is_still_a_client(address: str | None) -> None:
    assert len(guard.client_key(address)) == 32


# -- the throttle ----------------------------------------------------------------------------------


def fail(client: str, times: int, *, cart: str | None = None, now: float | None = None) -> None:
    for _ in range(times):
        attempt = guard.promo_attempt_begin(client=client, cart=cart, now=now)
        guard.promo_attempt_end(attempt, failed=True)


@override_settings(PROMO_ATTEMPTS_PER_CLIENT=5, PROMO_ATTEMPT_WINDOW=900)
def test_a_client_gets_its_limit_of_failed_attempts_per_window() -> None:
    now = 1_800_000_000.0  # a window boundary: 900 divides it
    fail("c1", 5, now=now + 100)
    with pytest.raises(guard.TooManyAttempts) as raised:
        guard.promo_attempt_begin(client="c1", now=now + 100)
    assert raised.value.retry_after == 800
    fail("c2", 5, now=now + 100)  # another client is not affected
    fail("c1", 5, now=now + 900)  # the next window starts afresh


@override_settings(PROMO_ATTEMPTS_PER_CLIENT=3)
def test_successful_attempts_and_refusals_do_not_count() -> None:
    for _ in range(10):
        attempt = guard.promo_attempt_begin(client="ok")
        guard.promo_attempt_end(attempt, failed=False)
    fail("ok", 3)
    for _ in range(5):
        with pytest.raises(guard.TooManyAttempts):
            guard.promo_attempt_begin(client="ok")
    assert guard.promo_attempts_used(client="ok") == {"client": 3}


@override_settings(PROMO_ATTEMPTS_PER_CLIENT=100, PROMO_ATTEMPTS_PER_CART=4)
def test_a_cart_gets_its_own_limit_whatever_the_client() -> None:
    fail("a", 2, cart="cart-1")
    fail("b", 2, cart="cart-1")  # a second address on the same cart
    with pytest.raises(guard.TooManyAttempts):
        guard.promo_attempt_begin(client="c", cart="cart-1")
    fail("c", 4, cart="cart-2")
    # The refused attempt on cart-1 gave back the client slot it had taken.
    assert guard.promo_attempts_used(client="c", cart="cart-1") == {"client": 4, "cart": 4}


@pytest.mark.redis
@override_settings(PROMO_ATTEMPTS_PER_CLIENT=30)
def test_the_limit_holds_across_two_processes_sharing_redis() -> None:
    assert "Redis" in settings.CACHES["default"]["BACKEND"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "PROMO_ATTEMPTS_PER_CLIENT": "30",
        "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
    }
    start_at, now = time.time() + 5, time.time()
    client = f"two-processes-{time.time_ns()}"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.promotions.throttle_worker",
                client,
                "40",
                str(start_at),
                str(now),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["allowed"] for r in results) == 30, results
    assert sum(r["refused"] for r in results) == 50, results
    assert all(r["allowed"] > 0 for r in results), results  # both really took part
    # Counted in the window of `now`, which the workers used: by now the clock may be in the next.
    assert guard.promo_attempts_used(client=client, now=now)["client"] == 30


# -- uniform answers -------------------------------------------------------------------------------


def _codes(now: Any) -> None:
    """One code in every state the rule distinguishes."""
    past = {"starts_at": now - timedelta(days=30), "ends_at": now - timedelta(days=1)}
    PromoCodeFactory(code="LIVEPUB", promotion=PromotionFactory())
    PromoCodeFactory(code="LIVEPRIV", promotion=PromotionFactory(), public=False, max_uses=1)
    PromoCodeFactory(code="EXPPUB", promotion=PromotionFactory(**past))
    PromoCodeFactory(code="EXPPRIV", promotion=PromotionFactory(**past), public=False)
    used = PromotionFactory(usage_limit=1, uses=1)
    PromoCodeFactory(code="USEDPUB", promotion=used)
    PromoCodeFactory(
        code="USEDPRIV", promotion=PromotionFactory(), public=False, max_uses=1, uses=1
    )
    PromoCodeFactory(code="OFF", promotion=PromotionFactory(active=False))
    PromoCodeFactory(code="SOON", promotion=PromotionFactory(starts_at=now + timedelta(days=1)))
    big = PromotionFactory(min_subtotal_amount="500.00")
    PromoCodeFactory(code="BIGPRIV", promotion=big, public=False, max_uses=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "live"),
    [
        ("LIVEPUB", True),
        ("LIVEPRIV", True),
        ("EXPPUB", True),  # advertised: anyone may know it ended
        ("USEDPUB", True),
        ("BIGPRIV", True),  # alive: its holder learns the minimum
        ("EXPPRIV", False),
        ("USEDPRIV", False),
        ("OFF", False),
        ("SOON", False),
        ("NOSUCHCODE", False),
    ],
)
def test_which_codes_have_earned_a_reason(code: str, live: bool) -> None:
    now = timezone.now()
    _codes(now)
    (found,) = promo_codes_lookup(codes=[code], email=None, now=now)
    assert guard.code_is_live(found, now=now) is live


def _price(rules: Any) -> dict[str, Any]:
    items = quoting.quote_items_parse(items=[{"product": "wash"}])
    return price(quoting.quote_prepare(items=items, promos=rules).request).to_dict()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["EXPPRIV", "USEDPRIV", "OFF", "SOON"])
def test_dead_private_and_hidden_codes_answer_exactly_like_unknown_ones(code: str) -> None:
    now = timezone.now()
    _codes(now)
    ProductFactory(slug="wash", price_amount="30.00")
    hidden = guard.promo_code_attempt(codes=[code.lower()], email=None, now=now, client="x")
    unknown = guard.promo_code_attempt(codes=["zzz" + code[3:]], email=None, now=now, client="x")
    assert hidden.rules == (UnknownCode(code),)
    assert not hidden.live and not unknown.live
    shown, never = _price(hidden.rules), _price(unknown.rules)
    assert shown["rejected"] == [
        {
            "source": "promo",
            "rule": code,
            "code": "promo_not_found",
            "reason": f"{code} isn't a valid promo code.",
        }
    ]
    assert {k: v for k, v in shown.items() if k != "rejected"} == {
        k: v for k, v in never.items() if k != "rejected"
    }
    # The quote (reveal=True) still tells the real reason.
    (real,) = guard.promo_code_attempt(
        codes=[code], email=None, now=now, client="y", reveal=True
    ).rules
    assert isinstance(real, PromoRule)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["EXPPUB", "USEDPUB", "BIGPRIV", "LIVEPRIV"])
def test_live_and_advertised_codes_keep_their_reason(code: str) -> None:
    now = timezone.now()
    _codes(now)
    (rule,) = guard.promo_code_attempt(codes=[code], email=None, now=now, client="x").rules
    assert isinstance(rule, PromoRule)


@pytest.mark.django_db
def test_hidden_and_unknown_codes_cost_the_same_queries(django_assert_num_queries: Any) -> None:
    now = timezone.now()
    _codes(now)
    for code in ["EXPPRIV", "USEDPRIV", "OFF", "SOON", "NOSUCHCODE", "LIVEPUB"]:
        # First typed: the token, the code's row, its scope, this shopper's uses. Then held
        # in memory under the token (promotions.codes.code_cache), unknown codes too.
        with django_assert_num_queries(4):
            guard.promo_code_attempt(codes=[code], email="a@example.com", now=now, client=code)
        with django_assert_num_queries(2):
            guard.promo_code_attempt(codes=[code], email="a@example.com", now=now, client=code)


@pytest.mark.django_db
@override_settings(PROMO_ATTEMPTS_PER_CLIENT=10_000)
def test_hidden_and_unknown_codes_answer_in_the_same_time() -> None:
    """Medians over interleaved rounds: a lookup of a dead private code must not be
    measurably slower or faster than one of a code that never existed."""
    now = timezone.now()
    _codes(now)
    codes = ["NOSUCHCODE", "EXPPRIV", "USEDPRIV", "OFF"]
    timings: dict[str, list[float]] = {code: [] for code in codes}
    for round_ in range(150):
        for code in codes[round_ % 4 :] + codes[: round_ % 4]:
            started = time.perf_counter()
            guard.promo_code_attempt(codes=[code], email=None, now=now, client="timing")
            timings[code].append(time.perf_counter() - started)
    medians = {code: statistics.median(values) for code, values in timings.items()}
    baseline = medians["NOSUCHCODE"]
    for median in medians.values():
        assert abs(median - baseline) <= max(0.25 * baseline, 0.0003), medians


# -- the quote API throttles guessing on a counter of its own ----------------------------------


@pytest.mark.django_db
@override_settings(PROMO_QUOTE_ATTEMPTS_PER_CLIENT=3, PROMO_ATTEMPTS_PER_CLIENT=3)
def test_the_quote_throttles_guessing_with_429(demo: None) -> None:
    body = {"items": [{"product": "citrus-facial-wash"}]}
    client = APIClient(REMOTE_ADDR="198.51.100.1")
    for _ in range(5):  # live and advertised codes never count
        for code in ["PORES15", "SUMMER10"]:
            response = client.post("/api/quote/", {**body, "promo_code": code}, format="json")
            assert response.status_code == 200
    for guess in ["GUESS1", "GUESS2", "GUESS3"]:
        response = client.post("/api/quote/", {**body, "promo_code": guess}, format="json")
        assert response.status_code == 200
        assert response.json()["rejected"][0]["code"] == "promo_not_found"
    response = client.post("/api/quote/", {**body, "promo_code": "PORES15"}, format="json")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    data = response.json()
    assert (data["code"], data["status"]) == ("too_many_attempts", 429)
    assert 1 <= int(response["Retry-After"]) <= 900 and data["retry_after"] > 0
    # Quotes without a code still work; another client is not affected.
    assert client.post("/api/quote/", body, format="json").status_code == 200
    other = APIClient(REMOTE_ADDR="198.51.100.2")
    assert other.post("/api/quote/", {**body, "promo_code": "x"}, format="json").status_code == 200
    # The quote's counter is its own: the same client may still try a code in its cart.
    assert guard.promo_attempts_used(client=guard.client_key("198.51.100.1")) == {"client": 0}
    assert guard.promo_attempts_used(client=guard.client_key("198.51.100.1"), surface="quote") == {
        "quote": 3
    }
