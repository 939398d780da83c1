"""The demo quiz: four questions and the rules from the brand's advice (DOMAIN.md, "From skin to
routine"). Creates it only when there is no quiz of its slug: merchants' edits survive, and
running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from kits.demo import ROUTINE_SLUG
from kits.models import Routine
from kits.quiz.models import Quiz, QuizOption, QuizQuestion, QuizRule
from shop.catalog.models import Concern, Ingredient, Step

QUIZ_SLUG = "routine-quiz"
SENSITIVE = "you said your skin is sensitive"

# A rule: (effect, kind, target slug, weight, reason); kind is ingredient, concern or step.
Rule = tuple[str, str, str, int, str]
# (slug, label, phrase, steps it adds, rules)
Option = tuple[str, str, str, list[str], list[Rule]]

QUESTIONS: list[tuple[str, str, str, bool, list[Option]]] = [
    (
        "skin_type",
        "How does your skin feel a few hours after washing?",
        "",
        False,
        [
            (
                "oily",
                "Oily: shiny all over",
                "oily skin",
                [],
                [
                    ("prefer", "ingredient", "salicylic-acid", 3, "salicylic acid clears pores"),
                    ("prefer", "ingredient", "zinc-pca", 2, "zinc PCA reduces excess sebum"),
                    ("prefer", "concern", "oily-skin", 1, "it balances oil production"),
                ],
            ),
            (
                "combination",
                "Combination: oily T-zone, normal or dry cheeks",
                "combination skin",
                [],
                [
                    (
                        "prefer",
                        "concern",
                        "combination-skin",
                        3,
                        "it cleans the T-zone without drying the cheeks",
                    ),
                    ("prefer", "ingredient", "niacinamide", 2, "niacinamide balances oil"),
                ],
            ),
            (
                "dry",
                "Dry: tight or flaky",
                "dry skin",
                [],
                [
                    (
                        "prefer",
                        "ingredient",
                        "sodium-hyaluronate",
                        3,
                        "sodium hyaluronate hydrates",
                    ),
                    ("prefer", "ingredient", "vitamin-c-ester", 1, "it cleans without drying"),
                ],
            ),
            (
                "normal",
                "Normal: comfortable",
                "normal skin",
                [],
                [("prefer", "ingredient", "dmae", 1, "DMAE keeps skin firm and elastic")],
            ),
        ],
    ),
    (
        "concerns",
        "What would you like to change?",
        "Choose any, or none.",
        True,
        [
            (
                "pores",
                "Enlarged pores",
                "enlarged pores",
                [],
                [
                    ("prefer", "ingredient", "salicylic-acid", 2, "salicylic acid clears pores"),
                    ("prefer", "concern", "enlarged-pores", 2, "it refines enlarged pores"),
                    (
                        "prefer",
                        "ingredient",
                        "niacinamide",
                        1,
                        "niacinamide makes pores look smaller",
                    ),
                ],
            ),
            (
                "fine_lines",
                "Fine lines",
                "fine lines",
                [],
                [
                    (
                        "prefer",
                        "ingredient",
                        "alpha-lipoic-acid",
                        3,
                        "alpha lipoic acid reduces lines and wrinkles",
                    ),
                    ("prefer", "concern", "fine-lines", 2, "it smooths fine lines"),
                ],
            ),
            (
                "dullness",
                "Dull or uneven tone",
                "dull skin",
                [],
                [
                    (
                        "prefer",
                        "ingredient",
                        "vitamin-c-ester",
                        3,
                        "vitamin C ester evens skin tone",
                    ),
                    ("prefer", "concern", "uneven-tone", 1, "it evens skin tone"),
                ],
            ),
            (
                "breakouts",
                "Breakouts",
                "breakouts",
                [],
                [
                    (
                        "prefer",
                        "ingredient",
                        "benzoyl-peroxide",
                        3,
                        "benzoyl peroxide reduces acne-causing bacteria",
                    ),
                    ("prefer", "concern", "acne", 2, "it is made for acne-prone skin"),
                ],
            ),
            (
                "firmness",
                "Loss of firmness",
                "firmness",
                [],
                [
                    (
                        "prefer",
                        "ingredient",
                        "dmae",
                        3,
                        "DMAE tightens skin and makes it more elastic",
                    ),
                    (
                        "prefer",
                        "ingredient",
                        "sodium-hyaluronate",
                        1,
                        "sodium hyaluronate hydrates and plumps",
                    ),
                ],
            ),
        ],
    ),
    (
        "sensitive",
        "Does your skin redden or sting easily?",
        "",
        False,
        [
            (
                "yes",
                "Yes",
                "sensitive skin",
                [],
                [
                    ("avoid", "ingredient", "retinol", 3, SENSITIVE),
                    ("avoid", "ingredient", "glycolic-acid", 2, SENSITIVE),
                    ("avoid", "ingredient", "benzoyl-peroxide", 1, SENSITIVE),
                ],
            ),
            ("no", "No", "", [], []),
        ],
    ),
    (
        "makeup",
        "Do you wear makeup most days?",
        "",
        False,
        [
            (
                "yes",
                "Yes",
                "makeup",
                ["prime", "foundation", "powder"],
                [
                    ("prefer", "step", "prime", 3, "a primer keeps makeup out of your pores"),
                    (
                        "prefer",
                        "step",
                        "foundation",
                        3,
                        "a water-based, oil-free foundation, used sparingly",
                    ),
                    ("prefer", "step", "powder", 3, "a light dusting of powder sets it"),
                ],
            ),
            ("no", "No", "", [], []),
        ],
    ),
]


def load() -> dict[str, int]:
    """Create the demo quiz where missing; returns what was created."""
    created = {"quizzes": 0, "questions": 0, "options": 0, "rules": 0}
    routine = Routine.objects.filter(slug=ROUTINE_SLUG).first()
    if routine is None or Quiz.objects.filter(slug=QUIZ_SLUG).exists():
        return created
    targets: dict[str, dict[str, Any]] = {
        "ingredient": {i.slug: i for i in Ingredient.objects.all()},
        "concern": {c.slug: c for c in Concern.objects.all()},
        "step": {s.slug: s for s in Step.objects.all()},
    }
    quiz = Quiz.objects.create(
        name="Find your routine",
        slug=QUIZ_SLUG,
        routine=routine,
        intro="Four questions about your skin, and we put together a routine from our "
        "catalog, with a reason for every product.",
    )
    created["quizzes"] += 1
    for q_pos, (slug, text, help_text, multiple, options) in enumerate(QUESTIONS):
        question = QuizQuestion.objects.create(
            quiz=quiz,
            slug=slug,
            text=text,
            help_text=help_text,
            multiple=multiple,
            position=q_pos,
        )
        created["questions"] += 1
        for o_pos, (o_slug, label, phrase, steps, rules) in enumerate(options):
            option = QuizOption.objects.create(
                question=question, slug=o_slug, label=label, phrase=phrase, position=o_pos
            )
            option.steps.set([targets["step"][s] for s in steps if s in targets["step"]])
            created["options"] += 1
            for r_pos, (effect, kind, target, weight, reason) in enumerate(rules):
                if target not in targets[kind]:
                    continue
                QuizRule.objects.create(
                    option=option,
                    effect=effect,
                    weight=weight,
                    reason=reason,
                    position=r_pos,
                    **{kind: targets[kind][target]},
                )
                created["rules"] += 1
    return created
