"""Re-run a giveaway draw from its published proof, with nothing but the standard library.

    python -m promotions.verify_draw proof.json    (or: python verify_draw.py proof.json)

The proof (GET /api/giveaways/<slug>/draw/) holds the eligible entries as frozen at the draw,
the commitment published when the giveaway was created (SHA-256 of a secret seed), the seed
revealed at the draw, and the winners and ordered alternates. This script checks that

1. SHA-256(seed) is the commitment published in advance (the seed was not chosen later),
2. the SHA-256 of the canonical entry list is the published list hash (no entry was changed),
3. selecting from that list with SHA-256(seed ":" list_hash) gives the same winners and
   alternates in the same order,

prints the winners, and exits 0; if anything differs it says what and exits 1 (2 for a file
that cannot be read). The server's draw uses `draw_select` from this very module.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from typing import Any

ALGORITHM = "sha256-counter-rejection/v1"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def list_hash(entries: Sequence[dict[str, Any]]) -> str:
    return hashlib.sha256(canonical_json(list(entries))).hexdigest()


def commitment_of(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def draw_seed(seed: str, entries_hash: str) -> bytes:
    return hashlib.sha256(f"{seed}:{entries_hash}".encode()).digest()


class _Stream:
    """A deterministic stream of integers: SHA-256(key || counter), 8 bytes at a time."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.counter = 0

    def next_u64(self) -> int:
        block = hashlib.sha256(self.key + self.counter.to_bytes(8, "big")).digest()
        self.counter += 1
        return int.from_bytes(block[:8], "big")

    def below(self, n: int) -> int:
        """A uniform integer in [0, n) by rejection sampling (no modulo bias)."""
        limit = (2**64 // n) * n
        while True:
            value = self.next_u64()
            if value < limit:
                return value % n


def draw_select(*, seed: str, entries: Sequence[dict[str, Any]], count: int) -> list[int]:
    """The ids of `count` entries (or all, if fewer) in draw order: a partial Fisher-Yates
    shuffle of the list in its published order, driven by the draw seed."""
    ids = [int(entry["id"]) for entry in entries]
    stream = _Stream(draw_seed(seed, list_hash(entries)))
    picked: list[int] = []
    for i in range(min(count, len(ids))):
        j = i + stream.below(len(ids) - i)
        ids[i], ids[j] = ids[j], ids[i]
        picked.append(ids[i])
    return picked


def verify(proof: dict[str, Any]) -> list[str]:
    """Every way the proof does not hold together; empty when it is intact."""
    problems: list[str] = []
    try:
        seed = str(proof["seed"])
        entries = list(proof["entries"])
        winners = [int(x) for x in proof["winners"]]
        alternates = [int(x) for x in proof["alternates"]]
        winners_count = int(proof["winners_count"])
        alternates_count = int(proof["alternates_count"])
        commitment = str(proof["commitment"])
        published_hash = str(proof["list_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return [f"the proof is missing or has a malformed field: {exc}"]
    if proof.get("algorithm", ALGORITHM) != ALGORITHM:
        problems.append(f"unknown algorithm {proof.get('algorithm')!r}")
    if commitment_of(seed) != commitment:
        problems.append("SHA-256 of the revealed seed is not the published commitment")
    if list_hash(entries) != published_hash:
        problems.append("the entry list does not hash to the published list hash")
    ids = [entry.get("id") for entry in entries if isinstance(entry, dict)]
    if len(ids) != len(entries) or len(set(ids)) != len(ids):
        problems.append("the entry list has malformed or repeated entries")
        return problems
    order = draw_select(seed=seed, entries=entries, count=winners_count + alternates_count)
    if order[:winners_count] != winners:
        problems.append(f"the winners should be {order[:winners_count]}, the proof says {winners}")
    if order[winners_count:] != alternates:
        problems.append(
            f"the alternates should be {order[winners_count:]}, the proof says {alternates}"
        )
    return problems


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m promotions.verify_draw PROOF.json", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as handle:
            proof = json.load(handle)
    except (OSError, ValueError) as exc:
        print(f"cannot read the proof: {exc}", file=sys.stderr)
        return 2
    if not isinstance(proof, dict):
        print("cannot read the proof: not a JSON object", file=sys.stderr)
        return 2
    problems = verify(proof)
    if problems:
        print("NOT VERIFIED:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    names = {int(e["id"]): e.get("name", "") for e in proof["entries"]}
    print(
        f"Verified draw of {proof.get('giveaway', '?')}: {len(proof['entries'])} eligible entries"
    )
    print(f"  list hash   {proof['list_hash']}")
    print(f"  commitment  {proof['commitment']}")
    for i, entry_id in enumerate(proof["winners"], 1):
        print(f"  winner {i}: entry {entry_id} {names.get(int(entry_id), '')}".rstrip())
    for i, entry_id in enumerate(proof["alternates"], 1):
        print(f"  alternate {i}: entry {entry_id} {names.get(int(entry_id), '')}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
