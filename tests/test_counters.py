"""config.counters: hits counted atomically per window, given back only while the window lasts;
on Redis in one round trip each, on any other cache through Django's cache API."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from config.counters import counter_give_back, counter_hit


def test_hits_count_up_and_give_backs_count_down() -> None:
    assert [counter_hit("c:one", window_seconds=60) for _ in range(3)] == [1, 2, 3]
    counter_give_back("c:one")
    assert cache.get("c:one") == 2
    assert counter_hit("c:one", window_seconds=60) == 3


def test_a_give_back_after_the_window_ended_makes_nothing() -> None:
    counter_give_back("c:gone")
    assert cache.get("c:gone") is None
    assert counter_hit("c:gone", window_seconds=60) == 1


@pytest.mark.redis
def test_on_redis_the_first_hit_sets_the_window_and_later_hits_keep_it() -> None:
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client(write=True)
    full = backend.make_and_validate_key("c:ttl")
    counter_hit("c:ttl", window_seconds=90)
    assert 85 <= client.ttl(full) <= 90
    client.expire(full, 30)
    counter_hit("c:ttl", window_seconds=90)
    assert client.ttl(full) <= 30  # a later hit does not stretch the window
    counter_give_back("c:ttl")
    assert client.ttl(full) <= 30 and cache.get("c:ttl") == 1


@pytest.mark.redis
def test_on_redis_concurrent_hits_are_never_lost() -> None:
    def hammer() -> None:
        for _ in range(50):
            counter_hit("c:race", window_seconds=60)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("c:race") == 400
