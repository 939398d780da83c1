"""The API throttle's rule, on whichever cache the run has (on Redis, the one-call script): at
most N requests in any window of the rate's length, refused ones not counted, Retry-After from
the oldest request in the window; on Redis, clients racing from many threads never get more."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from config.throttles import AnonThrottle, window_script
from tests.shop.race import race


def _anon_rate(settings: Any, rate: str) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], anon=rate)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def check(address: str, at: float) -> tuple[bool, AnonThrottle]:
    """One API request from `address` at time `at`: allowed?, and the throttle that judged."""
    request = RequestFactory().get("/api/steps/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    throttle = AnonThrottle()
    throttle.timer = lambda: at  # type: ignore[method-assign]
    return throttle.allow_request(request, None), throttle


def allowed(address: str, at: float) -> bool:
    return check(address, at)[0]


def test_n_requests_in_any_window_and_refused_ones_do_not_count(settings: Any) -> None:
    _anon_rate(settings, "3/min")
    t0 = 1_800_000_000.25
    assert [allowed("203.0.113.9", t0 + s) for s in (0, 10, 20)] == [True] * 3
    passed, refused = check("203.0.113.9", t0 + 30)
    assert not passed
    assert refused.wait() == pytest.approx(30.0)  # the request at t0 leaves the window at t0+60
    assert allowed("198.51.100.4", t0 + 30)  # another client
    assert not allowed("203.0.113.9", t0 + 59.5)
    # The refused requests were not counted: one place frees at t0+60, the next at t0+70.
    assert allowed("203.0.113.9", t0 + 60.5)
    assert not allowed("203.0.113.9", t0 + 61)
    assert allowed("203.0.113.9", t0 + 70.5)


@pytest.mark.redis
def test_racing_requests_of_one_client_on_redis_get_the_limit_and_no_more(settings: Any) -> None:
    assert window_script() is not None
    _anon_rate(settings, "10/min")
    bursts = race(8, lambda _: [allowed("203.0.113.50", 1_800_000_000.0) for _ in range(5)])
    answers = [answer for burst in bursts for answer in burst]
    assert (answers.count(True), answers.count(False)) == (10, 30)
