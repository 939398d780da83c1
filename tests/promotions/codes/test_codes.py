"""Bulk codes: the alphabet, uniqueness (collisions drawn again), speed, batches that are safe to
run twice, and the giveaway's consolation codes."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from promotions.codes import generation, tasks
from promotions.codes.models import CODE_ALPHABET, CodeBatch, PromoCode
from promotions.giveaways.models import Entry
from tests.factories import (
    EntryFactory,
    GiveawayFactory,
    PromoCodeFactory,
    PromotionFactory,
)

pytestmark = pytest.mark.django_db


def test_the_alphabet_has_no_look_alikes() -> None:
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 31
    assert not set("0O1IL") & set(CODE_ALPHABET)
    assert set(CODE_ALPHABET) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def test_generated_codes_are_unique_private_and_single_use_by_default() -> None:
    promotion = PromotionFactory()
    codes = generation.promo_codes_generate(
        promotion=promotion, count=300, prefix="spring-", length=8
    )
    assert len(codes) == len(set(codes)) == 300
    for code in codes:
        assert code.startswith("SPRING-") and len(code) == 15
        assert set(code[7:]) <= set(CODE_ALPHABET)
    stored = PromoCode.objects.filter(promotion=promotion)
    assert stored.count() == 300
    assert set(stored.values_list("public", "max_uses", "uses")) == {(False, 1, 0)}


def test_codes_taken_already_are_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    promotion = PromotionFactory()
    PromoCodeFactory(code="AAAAAAAA", promotion=promotion)
    draws = itertools.chain(["AAAAAAAA", "AAAAAAAA", "BBBBBBBB"], itertools.repeat("CCCCCCCC"))
    monkeypatch.setattr(generation, "_random_code", lambda prefix, length: prefix + next(draws))
    codes = generation.promo_codes_generate(promotion=promotion, count=2, length=8)
    assert sorted(codes) == ["BBBBBBBB", "CCCCCCCC"]


def test_a_collision_with_a_concurrent_insert_is_drawn_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another process inserts one of our candidates between our check and our insert: the
    unique index refuses the chunk, and the chunk is drawn again."""
    promotion = PromotionFactory()
    PromoCodeFactory(code="RACE1234", promotion=promotion)
    draws = iter(["RACE1234", "FRESH234"])
    monkeypatch.setattr(generation, "_random_code", lambda prefix, length: next(draws))
    checks = {"n": 0}
    real_taken = generation._taken

    def taken(codes: set[str]) -> set[str]:
        checks["n"] += 1
        return set() if checks["n"] == 1 else real_taken(codes)  # the first check is stale

    monkeypatch.setattr(generation, "_taken", taken)
    assert generation.promo_codes_generate(promotion=promotion, count=1, length=8) == ["FRESH234"]
    assert checks["n"] == 2
    assert PromoCode.objects.filter(promotion=promotion).count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 100_001}, "count"),
        ({"count": "10"}, "count"),
        ({"count": True}, "count"),
        ({"count": 5, "length": 7}, "length"),
        ({"count": 5, "length": 33}, "length"),
        ({"count": 5, "prefix": "SPRÏNG"}, "prefix"),
        ({"count": 5, "prefix": "-X"}, "prefix"),
        ({"count": 5, "prefix": "X" * 21}, "prefix"),
        ({"count": 5, "max_uses": 0}, "max_uses"),
    ],
)
def test_bad_generation_requests_write_nothing(kwargs: dict[str, Any], field: str) -> None:
    promotion = PromotionFactory()
    with pytest.raises(ValidationError) as raised:
        generation.promo_codes_generate(promotion=promotion, **kwargs)
    assert field in raised.value.message_dict
    assert not PromoCode.objects.exists()


def test_ten_thousand_codes_take_seconds() -> None:
    promotion = PromotionFactory()
    started = time.perf_counter()
    batch = generation.code_batch_create(promotion=promotion, count=10_000)
    tasks.code_batch_generate(batch.pk)
    elapsed = time.perf_counter() - started
    batch.refresh_from_db()
    assert (batch.status, batch.generated) == ("done", 10_000)
    assert PromoCode.objects.filter(batch=batch).count() == 10_000
    assert elapsed < 10, f"10,000 codes took {elapsed:.1f} s"


def test_a_batch_reports_progress_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = generation.code_batch_create(promotion=PromotionFactory(), count=4500)
    seen: list[int] = []
    real = generation.promo_codes_generate

    def spy(**kwargs: Any) -> list[str]:
        seen.append(CodeBatch.objects.get(pk=batch.pk).generated)
        return real(**kwargs)

    monkeypatch.setattr(generation, "promo_codes_generate", spy)
    generation.code_batch_run(batch_id=batch.pk)
    assert seen == [0, 2000, 4000]
    batch.refresh_from_db()
    assert (batch.status, batch.generated, batch.percent) == ("done", 4500, 100)
    assert batch.started_at is not None and batch.finished_at is not None


def test_running_a_batch_again_makes_nothing_more() -> None:
    batch = generation.code_batch_create(promotion=PromotionFactory(), count=700)
    tasks.code_batch_generate(batch.pk)
    tasks.code_batch_generate(batch.pk)
    assert PromoCode.objects.filter(batch=batch).count() == 700


def test_a_batch_interrupted_midway_finishes_what_is_missing() -> None:
    batch = generation.code_batch_create(promotion=PromotionFactory(), count=900)
    generation.promo_codes_generate(promotion=batch.promotion, count=350, batch=batch)
    CodeBatch.objects.filter(pk=batch.pk).update(status="running", generated=350)
    tasks.code_batch_generate(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.generated) == ("done", 900)
    assert PromoCode.objects.filter(batch=batch).count() == 900


def test_a_failing_batch_records_why(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = generation.code_batch_create(promotion=PromotionFactory(), count=10)

    def broken(**kwargs: Any) -> list[str]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generation, "promo_codes_generate", broken)
    with pytest.raises(RuntimeError):
        tasks.code_batch_generate(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("failed", "RuntimeError: disk full")


def test_a_deleted_batch_is_nothing_to_do() -> None:
    assert tasks.code_batch_generate(987654) == {"batch": 987654, "status": "missing"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_batch_make_exactly_its_count() -> None:
    batch = generation.code_batch_create(promotion=PromotionFactory(), count=5000)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            generation.code_batch_run(batch_id=batch.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    batch.refresh_from_db()
    assert (batch.status, batch.generated) == ("done", 5000)
    assert PromoCode.objects.filter(batch=batch).count() == 5000


# -- consolation codes for giveaway entrants ------------------------------------------------


def consolation_code(entry: Entry) -> str | None:
    return generation.consolation_code_issue(
        promotion_id=entry.giveaway.consolation_promotion_id, issued_to=entry.ref
    )


def test_a_giveaway_without_a_consolation_promotion_issues_nothing() -> None:
    entry = EntryFactory()
    assert consolation_code(entry) is None
    assert not PromoCode.objects.exists()


def test_each_entrant_gets_one_private_single_use_code() -> None:
    promotion = PromotionFactory(value=20, per_customer_limit=1)
    giveaway = GiveawayFactory(consolation_promotion=promotion)
    first, second = EntryFactory(giveaway=giveaway), EntryFactory(giveaway=giveaway)
    code = consolation_code(first)
    assert code is not None and code.startswith("THANKS")
    assert consolation_code(first) == code  # idempotent
    other = consolation_code(second)
    assert other not in (None, code)
    stored = PromoCode.objects.get(code=code)
    assert (stored.promotion, stored.public, stored.max_uses) == (promotion, False, 1)
    assert stored.issued_to == f"promotions.entry:{first.pk}"


def test_an_ended_or_inactive_consolation_promotion_issues_nothing() -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    ended = PromotionFactory(starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    entry = EntryFactory(giveaway=GiveawayFactory(consolation_promotion=ended))
    assert consolation_code(entry) is None
    off = PromotionFactory(active=False)
    entry = EntryFactory(giveaway=GiveawayFactory(consolation_promotion=off))
    assert consolation_code(entry) is None


def test_thanks_emails_carry_a_real_consolation_code_that_prices(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Through the giveaways' own finishing step: each entrant who did not win is emailed a
    code of the consolation promotion, and that code takes 20% off in a quote."""
    from datetime import timedelta

    from django.core import mail
    from django.utils import timezone

    from promotions.codes.selectors import promo_rules_for
    from promotions.giveaways import draw, prizes
    from shop.quoting import services as quoting
    from tests.factories import ProductFactory

    promotion = PromotionFactory(value=20)
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(minutes=1),
        alternates_count=0,
        consolation_promotion=promotion,
    )
    EntryFactory.create_batch(3, giveaway=giveaway)
    result = draw.giveaway_draw(giveaway=giveaway)
    Entry.objects.filter(pk=result.winners[0].pk).update(claim="claimed")
    with django_capture_on_commit_callbacks(execute=True):
        prizes.giveaway_finalise(giveaway=giveaway)
    thanked = Entry.objects.exclude(pk=result.winners[0].pk)
    codes = {entry.consolation_code for entry in thanked}
    assert len(codes) == 2 and all(codes)
    assert set(PromoCode.objects.values_list("code", flat=True)) == codes
    for message in mail.outbox:
        entry = thanked.get(email=message.to[0])
        assert entry.consolation_code in message.body
    ProductFactory(slug="wash", price_amount=30)
    rules = promo_rules_for(codes=[sorted(codes)[0].lower()], email=None, now=timezone.now())
    breakdown = quoting.quote_build(items=[{"product": "wash"}], promos=rules)
    assert [(a.rule, str(a.amount)) for a in breakdown.applied if a.source == "promo"] == [
        (sorted(codes)[0], "6.00")
    ]
