"""Read side of the quiz: its questions and rules, the routine's candidates and the conflicts,
as plain data (`kits.quiz.recommend`), kept in memory under the catalog version's token.

Everything the recommendation reads (quiz tables, conflicts, products' ingredients and
concerns, steps; kits/migrations/0003_quiz.py) changes the token when written, so, like the
quote's catalog snapshot (`shop.quoting.snapshot`), the setup is exactly as current as loading
it would be: each use costs one query for the token, and a load (nine queries) after a change.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count, Prefetch, Q

from kits import selectors as kit_selectors
from kits.quiz.answers import (
    Candidate,
    OptionInfo,
    QuestionInfo,
    QuizInfo,
    QuizUnavailable,
    RuleInfo,
)
from kits.quiz.models import Quiz, QuizCompletion, QuizOption, QuizQuestion, QuizRule
from kits.rules import ConflictInfo, RoutineInfo
from shop.catalog.models import Product, ProductIngredient
from shop.catalog.selectors import PRODUCT_INFO_FIELDS, ProductInfo
from shop.catalog.version import catalog_token


@dataclass(frozen=True, slots=True)
class QuizSetup:
    """Everything a recommendation needs, for the first active quiz."""

    quiz: QuizInfo
    routine: RoutineInfo
    candidates: dict[str, list[Candidate]]
    conflicts: tuple[ConflictInfo, ...]


def _rule_info(rule: QuizRule) -> RuleInfo:
    return RuleInfo(
        effect=rule.effect,
        ingredient=rule.ingredient.slug if rule.ingredient else None,
        concern=rule.concern.slug if rule.concern else None,
        step=rule.step.slug if rule.step else None,
        weight=rule.weight,
        reason=rule.reason,
        target=rule.target_name,
    )


def quiz_get(*, quiz_id: int | None = None) -> Quiz | None:
    """The quiz (by id, or the first active one) with questions, options and rules prefetched."""
    rules = QuizRule.objects.select_related("ingredient", "concern", "step")
    options = QuizOption.objects.prefetch_related("steps", Prefetch("rules", queryset=rules))
    questions = QuizQuestion.objects.prefetch_related(Prefetch("options", queryset=options))
    queryset = Quiz.objects.prefetch_related(
        Prefetch("questions", queryset=questions), "featured"
    ).select_related("routine")
    if quiz_id is not None:
        return queryset.filter(pk=quiz_id).first()
    return queryset.filter(active=True).first()


def quiz_info_of(quiz: Quiz) -> QuizInfo:
    """Plain data from a quiz fetched by `quiz_get` (no further queries)."""
    return QuizInfo(
        id=quiz.pk,
        slug=quiz.slug,
        name=quiz.name,
        intro=quiz.intro,
        routine=quiz.routine.slug,
        featured=frozenset(p.slug for p in quiz.featured.all()),
        questions=tuple(
            QuestionInfo(
                slug=question.slug,
                text=question.text,
                help_text=question.help_text,
                multiple=question.multiple,
                options=tuple(
                    OptionInfo(
                        slug=option.slug,
                        label=option.label,
                        phrase=option.phrase,
                        steps=frozenset(step.slug for step in option.steps.all()),
                        rules=tuple(_rule_info(rule) for rule in option.rules.all()),
                    )
                    for option in question.options.all()
                ),
            )
            for question in quiz.questions.all()
        ),
    )


def routine_candidates(*, routine: RoutineInfo) -> dict[str, list[Candidate]]:
    """The active products of the routine's steps with their ingredients, concerns and step
    summary, per step slug (three queries)."""
    steps = [slot.step for slot in routine.slots]
    rows = list(
        Product.objects.filter(active=True, step__slug__in=steps)
        .order_by()
        .values_list(*PRODUCT_INFO_FIELDS, "step__summary")
    )
    ids = [row[0] for row in rows]
    ingredients: dict[int, set[str]] = defaultdict(set)
    for product_id, slug in ProductIngredient.objects.filter(product_id__in=ids).values_list(
        "product_id", "ingredient__slug"
    ):
        ingredients[product_id].add(slug)
    concerns: dict[int, set[str]] = defaultdict(set)
    through = Product.concerns.through
    for product_id, slug in through.objects.filter(product_id__in=ids).values_list(
        "product_id", "concern__slug"
    ):
        concerns[product_id].add(slug)
    candidates: dict[str, list[Candidate]] = defaultdict(list)
    for row in rows:
        product = ProductInfo(*row[: len(PRODUCT_INFO_FIELDS)])
        candidates[product.step].append(
            Candidate(
                product=product,
                ingredients=frozenset(ingredients[product.id]),
                concerns=frozenset(concerns[product.id]),
                summary=row[-1],
            )
        )
    return dict(candidates)


def quiz_setup_load(*, quiz: Quiz | None = None) -> QuizSetup:
    """Load the setup from the database: the first active quiz's, or `quiz`'s (the admin's
    preview of a draft, fetched by `quiz_get`)."""
    quiz = quiz or quiz_get()
    if quiz is None:
        raise QuizUnavailable("There is no quiz at the moment.")
    info = quiz_info_of(quiz)
    routine = kit_selectors.routine_infos(slugs=[info.routine]).get(info.routine)
    if routine is None or not routine.active or not routine.slots:
        raise QuizUnavailable("The quiz's routine is not available at the moment.")
    return QuizSetup(
        quiz=info,
        routine=routine,
        candidates=routine_candidates(routine=routine),
        conflicts=tuple(kit_selectors.conflict_infos()),
    )


_lock = threading.Lock()
_held: dict[str, tuple[str, QuizSetup]] = {}


def quiz_setup() -> QuizSetup:
    """The current setup: one query (the token) while nothing it reads has changed."""
    key = str(connections[DEFAULT_DB_ALIAS].settings_dict["NAME"])
    token = catalog_token()
    if token is None:
        return quiz_setup_load()
    held = _held.get(key)
    if held is None or held[0] != token:
        with _lock:
            held = _held.get(key)
            if held is None or held[0] != token:
                held = (token, quiz_setup_load())
                _held[key] = held
    return held[1]


def quiz_setup_forget() -> None:
    """Drop what this process holds (tests)."""
    with _lock:
        _held.clear()


def completion_get(*, ref: object) -> QuizCompletion | None:
    """The completion with this ref; None for anything that is not one (a malformed one too)."""
    try:
        parsed = uuid.UUID(str(ref))
    except ValueError:
        return None
    return QuizCompletion.objects.filter(ref=parsed).first()


def completion_totals(*, quiz_id: int | None = None) -> dict[str, int]:
    """Completions (of one quiz, or all), those added to a cart, those that became orders."""
    completions = QuizCompletion.objects.all()
    if quiz_id is not None:
        completions = completions.filter(quiz_id=quiz_id)
    return completions.aggregate(
        completions=Count("pk"),
        carted=Count("pk", filter=Q(cart__isnull=False)),
        ordered=Count("pk", filter=Q(cart__order__isnull=False)),
    )
