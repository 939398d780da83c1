"""The quiz's writes: answer it (recommend, price through the quote service, keep a completion)
and put its result in a cart (marked, so the admin can count completions that became orders)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from kits.quiz.answers import answers_parse
from kits.quiz.models import Quiz, QuizCompletion, QuizQuestion
from kits.quiz.recommend import Recommendation, recommend
from kits.quiz.selectors import QuizSetup, quiz_setup
from shop.cart.models import Cart, CartItem
from shop.cart.services import cart_item_add
from shop.pricing import Breakdown
from shop.quoting.services import quote_build


@dataclass(frozen=True, slots=True)
class QuizResult:
    recommendation: Recommendation
    breakdown: Breakdown
    completion: QuizCompletion | None = None

    def to_dict(self) -> dict[str, object]:
        """The API's answer (`POST /api/quiz/`)."""
        rec = self.recommendation
        return {
            "id": str(self.completion.ref) if self.completion else None,
            "routine": rec.routine.slug,
            "selections": rec.selections,
            "reasons": [{"product": r.product, "why": r.why} for r in rec.reasons],
            "avoided": list(rec.avoided),
            "breakdown": self.breakdown.to_dict(),
        }


def quiz_routine_price(*, routine: str, selections: list[str]) -> Breakdown:
    """What `POST /api/quote/` answers for one routine of these products: the same call."""
    return quote_build(items=[{"routine": routine, "selections": selections}])


def quiz_preview(*, setup: QuizSetup, answers: object) -> QuizResult:
    """The recommendation and its price for the answers, keeping nothing (the admin's preview,
    over a draft quiz's setup). Raises InvalidAnswers or QuizUnavailable."""
    parsed = answers_parse(quiz=setup.quiz, answers=answers)
    recommendation = recommend(
        quiz=setup.quiz,
        routine=setup.routine,
        candidates=setup.candidates,
        conflicts=setup.conflicts,
        answers=parsed,
    )
    breakdown = quiz_routine_price(
        routine=recommendation.routine.slug, selections=recommendation.selections
    )
    return QuizResult(recommendation, breakdown)


def quiz_complete(*, answers: object) -> QuizResult:
    """Answer the current quiz: the recommendation, priced, and a completion row kept with the
    answers and the selection. Raises InvalidAnswers (nothing is written) or QuizUnavailable."""
    setup = quiz_setup()
    result = quiz_preview(setup=setup, answers=answers)
    rec = result.recommendation
    completion = QuizCompletion.objects.create(
        quiz_id=setup.quiz.id,
        answers=answers,
        routine=rec.routine.slug,
        selections=rec.selections,
        reasons=[{"product": r.product, "name": r.name, "why": r.why} for r in rec.reasons],
        avoided=list(rec.avoided),
    )
    return QuizResult(rec, result.breakdown, completion)


@transaction.atomic
def quiz_completion_cart_add(*, completion: QuizCompletion, cart: Cart) -> CartItem:
    """Add the completion's routine to the cart (the cart's own add: InvalidItems if it no
    longer fits the catalog) and remember the cart on the completion."""
    item = cart_item_add(
        cart=cart, item={"routine": completion.routine, "selections": completion.selections}
    )
    QuizCompletion.objects.filter(pk=completion.pk).update(cart=cart)
    return item


@transaction.atomic
def quiz_copy(*, quiz: Quiz) -> Quiz:
    """An inactive copy of the quiz with its questions, options and rules: merchants change
    the copy, preview it in the admin, then make it the active one."""
    number = Quiz.objects.filter(slug__startswith=f"{quiz.slug[:40]}-draft").count() + 1
    copy = Quiz.objects.create(
        name=f"{quiz.name} (draft {number})",
        slug=f"{quiz.slug[:40]}-draft-{number}",
        intro=quiz.intro,
        routine_id=quiz.routine_id,
        active=False,
        position=quiz.position,
    )
    copy.featured.set(quiz.featured.all())
    for question in QuizQuestion.objects.filter(quiz=quiz).prefetch_related(
        "options__steps", "options__rules"
    ):
        options = list(question.options.all())
        question.pk = None
        question.quiz = copy
        question.save()
        for option in options:
            steps, rules = list(option.steps.all()), list(option.rules.all())
            option.pk = None
            option.question = question
            option.save()
            option.steps.set(steps)
            for rule in rules:
                rule.pk = None
                rule.option = option
                rule.save()
    return copy
