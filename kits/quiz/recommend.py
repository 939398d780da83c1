"""The quiz's recommendation on plain data: answers in, the best valid selection and reasons out.

Nothing here reads the database or prices anything (`kits.quiz.selectors` loads the data,
`kits.quiz.services` prices the result through the quote service). Which selection is best:

1. every required slot gets its minimum number of products, every optional slot an answer adds
   (makeup: primer, foundation, powder) one (or its minimum), every other optional slot none;
2. among those selections, the fewest clashing pairs (kits' ingredient conflicts), then the
   lightest avoidance (the weights of the avoid rules its products match: none when possible),
   then the most preference weight, then the most featured products, then the lowest price,
   then the first slugs (so the answer never depends on the order rows come back in).

The search is exact (branch and bound over the slots, bounding by each criterion's best per
slot) over the `MAX_CANDIDATES` best products of each step, taken in that same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

from kits.quiz.answers import Candidate, OptionInfo, QuizInfo, QuizUnavailable, RuleInfo
from kits.rules import ConflictInfo, RoutineInfo, SlotInfo
from shop.catalog.selectors import ProductInfo

MAX_CANDIDATES = 12


# -- the recommendation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    product: str
    name: str
    why: str


@dataclass(frozen=True, slots=True)
class Recommendation:
    routine: RoutineInfo
    products: tuple[ProductInfo, ...]
    reasons: tuple[Reason, ...]
    avoided: tuple[str, ...]

    @property
    def selections(self) -> list[str]:
        return [product.slug for product in self.products]


@dataclass(frozen=True, slots=True)
class _Scored:
    candidate: Candidate
    avoid: int
    prefer: int
    featured: bool
    preferred_by: tuple[tuple[int, int, OptionInfo, RuleInfo], ...]  # best reason first

    @property
    def slug(self) -> str:
        return self.candidate.product.slug

    def vector(self) -> tuple[int, int, int, Decimal]:
        return (self.avoid, -self.prefer, -int(self.featured), self.candidate.product.price)


Key = tuple[int, int, int, int, Decimal, tuple[str, ...]]


def _chosen_options(quiz: QuizInfo, answers: Mapping[str, Sequence[str]]) -> list[OptionInfo]:
    return [
        option
        for question in quiz.questions
        for option in question.options
        if option.slug in answers.get(question.slug, ())
    ]


def _score(
    candidate: Candidate, options: Sequence[OptionInfo], featured: frozenset[str]
) -> _Scored:
    avoid = prefer = 0
    preferred: list[tuple[int, int, OptionInfo, RuleInfo]] = []
    order = 0
    for option in options:
        for rule in option.rules:
            order += 1
            if not rule.matches(candidate):
                continue
            if rule.effect == "avoid":
                avoid += rule.weight
            else:
                prefer += rule.weight
                preferred.append((-rule.weight, order, option, rule))
    preferred.sort(key=lambda entry: entry[:2])
    return _Scored(candidate, avoid, prefer, candidate.product.slug in featured, tuple(preferred))


def slot_counts(
    routine: RoutineInfo, steps: frozenset[str], offered: Mapping[str, int]
) -> dict[str, int]:
    """How many products each slot gets: required slots their minimum, optional slots an answer
    adds one (or their minimum, if offered), the rest none."""
    counts: dict[str, int] = {}
    for slot in routine.slots:
        if slot.required:
            counts[slot.step] = slot.min_items
        elif slot.step in steps:
            wanted = min(max(1, slot.min_items), slot.max_items)
            counts[slot.step] = wanted if offered.get(slot.step, 0) >= wanted else 0
        else:
            counts[slot.step] = 0
    return counts


def clash_pairs(
    candidates: Iterable[Candidate], conflicts: Sequence[ConflictInfo]
) -> set[frozenset[str]]:
    """The pairs of different products (by slug) whose ingredients clash."""
    items = list(candidates)
    pairs: set[frozenset[str]] = set()
    for i, one in enumerate(items):
        for other in items[i + 1 :]:
            if one.product.slug == other.product.slug:
                continue
            for conflict in conflicts:
                a, b = conflict.first, conflict.second
                if (a in one.ingredients and b in other.ingredients) or (
                    b in one.ingredients and a in other.ingredients
                ):
                    pairs.add(frozenset((one.product.slug, other.product.slug)))
                    break
    return pairs


def _label(slot: SlotInfo) -> str:
    return slot.label or slot.step_name.lower()


def _why(scored: _Scored, slot: SlotInfo) -> str:
    if scored.preferred_by:
        _, _, option, rule = scored.preferred_by[0]
        return f"For {option.phrase or option.label.lower()}: {rule.reason.rstrip('.')}."
    summary = scored.candidate.summary.strip().rstrip(".")
    if summary:
        return f"Your {_label(slot)}: {summary[:1].lower()}{summary[1:]}."
    return f"Your {_label(slot)}."


def _avoided(
    options: Sequence[OptionInfo],
    considered: Sequence[Candidate],
    chosen: Sequence[tuple[SlotInfo, _Scored]],
) -> tuple[str, ...]:
    notes: list[str] = []
    seen: set[str] = set()
    for option in options:
        for rule in option.rules:
            if rule.effect != "avoid" or rule.target in seen:
                continue
            if not any(rule.matches(candidate) for candidate in considered):
                continue  # nothing the routine offers has it: avoiding it changed nothing
            seen.add(rule.target)
            kept = [(slot, s) for slot, s in chosen if rule.matches(s.candidate)]
            reason = rule.reason.rstrip(".")
            if not kept:
                notes.append(f"No {rule.target}: {reason}.")
            for slot, scored in kept:
                notes.append(
                    f"{scored.candidate.product.name} has {rule.target} although {reason}: "
                    f"no other {_label(slot)} fits the routine."
                )
    return tuple(notes)


def recommend(
    *,
    quiz: QuizInfo,
    routine: RoutineInfo,
    candidates: Mapping[str, Sequence[Candidate]],
    conflicts: Sequence[ConflictInfo],
    answers: Mapping[str, Sequence[str]],
) -> Recommendation:
    """The best valid selection for the answers (see the module's docstring), with one reason
    per product and a note for each avoided ingredient. `candidates` holds the products of
    each step slug; only those the slot offers are considered. Raises QuizUnavailable when a
    required slot cannot be filled."""
    options = _chosen_options(quiz, answers)
    steps = frozenset(step for option in options for step in option.steps)
    offered = {
        slot.step: [c for c in candidates.get(slot.step, ()) if slot.offers(c.product)]
        for slot in routine.slots
    }
    counts = slot_counts(routine, steps, {step: len(items) for step, items in offered.items()})
    plan: list[tuple[SlotInfo, list[tuple[_Scored, ...]]]] = []
    considered: list[Candidate] = []
    for slot in routine.slots:
        count = counts[slot.step]
        if count == 0:
            continue
        scored = sorted(
            (_score(c, options, quiz.featured) for c in offered[slot.step]),
            key=lambda s: (*s.vector(), s.slug),
        )[:MAX_CANDIDATES]
        if len(scored) < count:
            raise QuizUnavailable(
                f"{routine.name} cannot be recommended: it has no {_label(slot)} to offer."
            )
        considered.extend(s.candidate for s in scored)
        plan.append((slot, list(combinations(scored, count))))
    chosen = _search(plan, clash_pairs(considered, conflicts))
    by_slot = [
        (slot, s) for slot, group in zip((p[0] for p in plan), chosen, strict=True) for s in group
    ]
    return Recommendation(
        routine=routine,
        products=tuple(s.candidate.product for _, s in by_slot),
        reasons=tuple(
            Reason(s.slug, s.candidate.product.name, _why(s, slot)) for slot, s in by_slot
        ),
        avoided=_avoided(options, considered, by_slot),
    )


def _vector(group: Sequence[_Scored]) -> tuple[int, int, int, Decimal]:
    avoid = prefer = featured = 0
    total = Decimal("0")
    for scored in group:
        a, p, f, price = scored.vector()
        avoid, prefer, featured, total = avoid + a, prefer + p, featured + f, total + price
    return (avoid, prefer, featured, total)


def _search(
    plan: Sequence[tuple[SlotInfo, list[tuple[_Scored, ...]]]], clashes: set[frozenset[str]]
) -> list[tuple[_Scored, ...]]:
    """Branch and bound: slot by slot, each slot's groups best first; a branch is cut when its
    clashes and sums so far plus each later slot's best possible sums cannot beat the best."""
    groups = [
        sorted(options, key=lambda g: (*_vector(g), tuple(s.slug for s in g)))
        for _, options in plan
    ]
    # The best each later slot can add to each criterion (each on its own: a lower bound).
    bounds: list[tuple[int, int, int, Decimal]] = [(0, 0, 0, Decimal("0"))] * (len(groups) + 1)
    for index in range(len(groups) - 1, -1, -1):
        vectors = [_vector(g) for g in groups[index]]
        later = bounds[index + 1]
        bounds[index] = (
            later[0] + min(v[0] for v in vectors),
            later[1] + min(v[1] for v in vectors),
            later[2] + min(v[2] for v in vectors),
            later[3] + min(v[3] for v in vectors),
        )
    best: list[tuple[_Scored, ...]] = []
    best_key: Key | None = None
    path: list[tuple[_Scored, ...]] = []

    def visit(index: int, clash_count: int, sums: tuple[int, int, int, Decimal]) -> None:
        nonlocal best, best_key
        if best_key is not None:
            bound = bounds[index]
            low = (
                clash_count,
                sums[0] + bound[0],
                sums[1] + bound[1],
                sums[2] + bound[2],
                sums[3] + bound[3],
            )
            if low > best_key[:5]:
                return
        if index == len(groups):
            key = (clash_count, *sums, tuple(s.slug for g in path for s in g))
            if best_key is None or key < best_key:
                best, best_key = list(path), key
            return
        earlier = [s.slug for g in path for s in g]
        for group in groups[index]:
            slugs = [s.slug for s in group]
            added = sum(
                frozenset((a, b)) in clashes
                for i, a in enumerate(slugs)
                for b in [*slugs[i + 1 :], *earlier]
            )
            vector = _vector(group)
            path.append(group)
            visit(
                index + 1,
                clash_count + added,
                (
                    sums[0] + vector[0],
                    sums[1] + vector[1],
                    sums[2] + vector[2],
                    sums[3] + vector[3],
                ),
            )
            path.pop()

    visit(0, 0, (0, 0, 0, Decimal("0")))
    return best
