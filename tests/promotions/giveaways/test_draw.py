"""The verifiable draw: reproducible from the published proof, sensitive to every entry."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.giveaways import draw, sweep
from promotions.giveaways.models import Entry, Giveaway
from promotions.messaging.models import OutboxMessage
from promotions.verify_draw import commitment_of, draw_select, list_hash
from tests.factories import EntryFactory, GiveawayFactory

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def closed_giveaway(entries: int = 12, **kwargs: Any) -> Giveaway:
    giveaway = GiveawayFactory(
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(minutes=1),
        **kwargs,
    )
    EntryFactory.create_batch(entries, giveaway=giveaway)
    return giveaway


def run_verifier(proof: dict[str, Any], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    # -I: isolated mode, nothing but the standard library and this one file's package.
    return subprocess.run(
        [sys.executable, "-m", "promotions.verify_draw", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_commitment_is_published_at_creation_and_matches_the_revealed_seed() -> None:
    giveaway = GiveawayFactory()
    assert len(giveaway.seed_commitment) == 64
    assert commitment_of(giveaway.seed) == giveaway.seed_commitment
    response = APIClient().get(f"/api/giveaways/{giveaway.slug}/")
    assert response.json()["commitment"] == giveaway.seed_commitment
    assert giveaway.seed not in response.content.decode()


def test_the_script_reproduces_the_draw_from_the_published_proof(tmp_path: Path) -> None:
    giveaway = closed_giveaway(entries=30, winners_count=2, alternates_count=4)
    result = draw.giveaway_draw(giveaway=giveaway)
    proof = APIClient().get(f"/api/giveaways/{giveaway.slug}/draw/").json()
    assert proof == result.proof
    done = run_verifier(proof, tmp_path)
    assert done.returncode == 0, done.stderr
    for winner in result.winners:
        assert f"entry {winner.pk} " in done.stdout
    assert [e.pk for e in result.winners] == proof["winners"]
    assert len(proof["alternates"]) == 4


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p["entries"].pop(),
        lambda p: p["entries"][0].update(name="Someone Else"),
        lambda p: p["entries"].append({"id": 999999, "name": "Ringer R."}),
        lambda p: p.update(seed="0" * 64),
        lambda p: p.update(winners=[p["alternates"][0]]),
        lambda p: p.update(alternates=list(reversed(p["alternates"]))),
        lambda p: p.update(commitment="f" * 64),
        lambda p: p.update(list_hash="0" * 64),
        lambda p: p.pop("seed"),
    ],
)
def test_the_script_fails_when_anything_in_the_proof_changed(tamper: Any, tmp_path: Path) -> None:
    giveaway = closed_giveaway(entries=10, alternates_count=3)
    proof = copy.deepcopy(draw.giveaway_draw(giveaway=giveaway).proof)
    tamper(proof)
    done = run_verifier(proof, tmp_path)
    assert done.returncode == 1, done.stdout
    assert "NOT VERIFIED" in done.stderr


def test_the_script_says_so_for_a_file_that_is_not_a_proof(tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_text("not json")
    done = subprocess.run(
        [sys.executable, "-m", "promotions.verify_draw", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_changing_one_entry_changes_the_list_hash_and_the_draw() -> None:
    seed = "a" * 64
    entries = [{"id": i, "name": f"Person {i}."} for i in range(1, 201)]
    baseline = draw_select(seed=seed, entries=entries, count=6)
    assert baseline == draw_select(seed=seed, entries=entries, count=6)  # deterministic
    changed = copy.deepcopy(entries)
    changed[57]["name"] = "Person X."
    assert list_hash(changed) != list_hash(entries)
    assert draw_select(seed=seed, entries=changed, count=6) != baseline
    assert draw_select(seed="b" * 64, entries=entries, count=6) != baseline


def test_alternates_follow_the_published_order_and_never_repeat() -> None:
    entries = [{"id": i, "name": f"P{i}"} for i in range(1, 11)]
    order = draw_select(seed="s", entries=entries, count=10)
    assert sorted(order) == list(range(1, 11))  # a permutation: nobody twice
    assert draw_select(seed="s", entries=entries, count=4) == order[:4]  # a prefix is stable


def test_selection_is_uniform_enough() -> None:
    entries = [{"id": i, "name": ""} for i in range(5)]
    counts = dict.fromkeys(range(5), 0)
    for n in range(2000):
        counts[draw_select(seed=f"seed-{n}", entries=entries, count=1)[0]] += 1
    assert all(330 <= c <= 470 for c in counts.values()), counts


def test_draw_freezes_only_confirmed_unheld_entries_and_emails_winners(
    django_capture_on_commit_callbacks: Any,
) -> None:
    giveaway = closed_giveaway(entries=3, winners_count=1, alternates_count=5)
    EntryFactory(giveaway=giveaway, status="pending", confirmed_at=None)
    EntryFactory(giveaway=giveaway, status="held")
    EntryFactory(giveaway=giveaway, status="rejected")
    with django_capture_on_commit_callbacks(execute=True):
        result = draw.giveaway_draw(giveaway=giveaway)
    assert len(result.proof["entries"]) == 3
    assert len(result.winners) == 1 and len(result.alternates) == 2
    assert Entry.objects.filter(giveaway=giveaway, status="winner").count() == 1
    winner = result.winners[0]
    assert [m.to for m in mail.outbox] == [[winner.email]]
    assert winner.claim_token in mail.outbox[0].body
    assert OutboxMessage.objects.get(purpose="giveaway_winner").object_ref == winner.ref


def test_proof_publishes_no_email_addresses() -> None:
    giveaway = closed_giveaway(entries=5)
    proof = draw.giveaway_draw(giveaway=giveaway).proof
    text = json.dumps(proof)
    assert "@" not in text
    assert all(set(e) == {"id", "name"} for e in proof["entries"])


def test_draw_errors(staff_api: APIClient) -> None:
    open_one = GiveawayFactory()
    response = staff_api.post(f"/api/giveaways/{open_one.slug}/draw/")
    assert response.status_code == 409 and response.json()["code"] == "giveaway_open"
    empty = closed_giveaway(entries=0)
    EntryFactory(giveaway=empty, status="held")
    response = staff_api.post(f"/api/giveaways/{empty.slug}/draw/")
    assert response.status_code == 409 and response.json()["code"] == "no_eligible_entries"
    assert Entry.objects.get(giveaway=empty).status == "held"  # nothing lost or changed
    assert staff_api.get(f"/api/giveaways/{empty.slug}/draw/").json()["code"] == "not_drawn"
    drawn = closed_giveaway(entries=2)
    first = staff_api.post(f"/api/giveaways/{drawn.slug}/draw/")
    assert first.status_code == 200
    body = first.json()
    assert body["winner"]["id"] == body["proof"]["winners"][0]
    again = staff_api.post(f"/api/giveaways/{drawn.slug}/draw/")
    assert again.status_code == 409 and again.json()["code"] == "already_drawn"
    assert staff_api.post("/api/giveaways/nope/draw/").status_code == 404


def test_draw_is_staff_only_and_the_proof_public(api_client: APIClient) -> None:
    giveaway = closed_giveaway(entries=2)
    assert api_client.post(f"/api/giveaways/{giveaway.slug}/draw/").status_code == 401
    draw.giveaway_draw(giveaway=giveaway)
    response = api_client.get(f"/api/giveaways/{giveaway.slug}/draw/")
    assert response.status_code == 200 and response.json()["seed"] == giveaway.seed


def test_beat_draws_giveaways_when_they_close_and_waits_when_none_is_eligible() -> None:
    due = closed_giveaway(entries=4)
    empty = closed_giveaway(entries=0)
    not_yet = GiveawayFactory()
    EntryFactory(giveaway=not_yet)
    report = sweep.giveaways_sweep()
    assert report["drawn"] == 1 and report["waiting_for_entries"] == [empty.slug]
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert due.drawn_at is not None and not_yet.drawn_at is None
    assert sweep.giveaways_sweep()["drawn"] == 0  # safe to run twice
