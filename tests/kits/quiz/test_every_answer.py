"""Every combination of answers on the demo catalog (4 skin types x 32 concern sets x 2 x 2):
the API's routine is valid, avoids what can be avoided, and quoting it gives its breakdown.

The checks are the test's own (kits.rules' conflict warnings, the rules' avoided ingredients
counted over every valid selection of the same slots), not the recommendation's search.
"""

from __future__ import annotations

from itertools import chain, combinations, product
from typing import Any

import pytest
from rest_framework.test import APIClient

from kits.quiz.answers import QuizInfo
from kits.quiz.selectors import QuizSetup, quiz_setup_load
from kits.rules import conflict_warnings, selection_check

pytestmark = pytest.mark.django_db

MAKEUP_STEPS = ("prime", "foundation", "powder")
SKIN_TYPES = ("oily", "combination", "dry", "normal")
CONCERNS = ("pores", "fine_lines", "dullness", "breakouts", "firmness")


def every_answer() -> list[dict[str, Any]]:
    concern_sets = chain.from_iterable(combinations(CONCERNS, n) for n in range(6))
    return [
        {"skin_type": skin, "concerns": list(concerns), "sensitive": sensitive, "makeup": makeup}
        for skin, concerns, sensitive, makeup in product(
            SKIN_TYPES, list(concern_sets), ("yes", "no"), ("yes", "no")
        )
    ]


def avoided_ingredients(quiz: QuizInfo, answers: dict[str, Any]) -> set[str]:
    found = set()
    for question in quiz.questions:
        given = answers[question.slug]
        for option in question.options:
            if option.slug in (given if isinstance(given, list) else [given]):
                found |= {
                    r.ingredient for r in option.rules if r.effect == "avoid" and r.ingredient
                }
    return found


def all_selections(setup: QuizSetup, makeup: bool) -> list[tuple[str, ...]]:
    """Every selection with the required slots at their minimum and, for makeup wearers, one
    product in each makeup step."""
    per_slot = []
    for slot in setup.routine.slots:
        count = slot.min_items if slot.required else int(makeup and slot.step in MAKEUP_STEPS)
        offered = [c.product.slug for c in setup.candidates.get(slot.step, [])]
        per_slot.append(list(combinations(offered, count)))
    return [tuple(chain.from_iterable(groups)) for groups in product(*per_slot)]


def test_every_combination_of_answers_gets_a_valid_routine_that_avoids_what_it_can(
    demo: None,
) -> None:
    setup = quiz_setup_load()
    infos = {c.product.slug: c for items in setup.candidates.values() for c in items}
    products = {slug: c.product for slug, c in infos.items()}
    ingredients = {slug: c.ingredients for slug, c in infos.items()}

    def clashes(selection: tuple[str, ...]) -> int:
        chosen = [products[slug] for slug in selection]
        return len(
            conflict_warnings(products=chosen, ingredients=ingredients, conflicts=setup.conflicts)
        )

    def avoided(selection: tuple[str, ...], avoid: set[str]) -> int:
        return sum(bool(ingredients[slug] & avoid) for slug in selection)

    client = APIClient()
    answers_seen = every_answer()
    assert len(answers_seen) == 4 * 32 * 2 * 2
    for index, answers in enumerate(answers_seen):
        # A client address per combination: the anonymous rate limit is per address.
        address = f"10.0.{index // 200}.{index % 200 + 1}"
        response = client.post(
            "/api/quiz/", {"answers": answers}, format="json", REMOTE_ADDR=address
        )
        assert response.status_code == 200, (answers, response.json())
        body = response.json()
        selection = tuple(body["selections"])
        check = selection_check(routine=setup.routine, products=products, selections=selection)
        assert check.valid, (answers, check.problems)
        steps = [products[slug].step for slug in selection]
        expected = 1 if answers["makeup"] == "yes" else 0
        assert [steps.count(step) for step in MAKEUP_STEPS] == [expected] * 3, answers
        assert [r["product"] for r in body["reasons"]] == list(selection)
        assert all(r["why"] for r in body["reasons"])

        others = all_selections(setup, answers["makeup"] == "yes")
        fewest_clashes = min(clashes(s) for s in others)
        assert clashes(selection) == fewest_clashes, answers
        avoid = avoided_ingredients(setup.quiz, answers)
        least = min(avoided(s, avoid) for s in others if clashes(s) == fewest_clashes)
        assert avoided(selection, avoid) == least, answers

        quote = client.post(
            "/api/quote/",
            {"items": [{"routine": body["routine"], "selections": body["selections"]}]},
            format="json",
            REMOTE_ADDR=address,
        )
        assert quote.status_code == 200
        assert quote.json() == body["breakdown"], answers


def test_the_demo_catalog_lets_every_answer_avoid_clashes_and_sensitive_ingredients(
    demo: None,
) -> None:
    """The test above compares with the best possible; on the demo catalog the best is none."""
    client = APIClient()
    for sensitive in ("yes", "no"):
        answers = {
            "skin_type": "oily",
            "concerns": ["pores", "breakouts"],
            "sensitive": sensitive,
            "makeup": "no",
        }
        body = client.post("/api/quiz/", {"answers": answers}, format="json").json()
        assert "ceramic-skin-smoother" not in body["selections"]  # glycolic acid vs the toners
        if sensitive == "yes":
            assert "enlarged-pore-treatment" not in body["selections"]  # retinol
            assert "pore-refining-acne-cleanser" not in body["selections"]  # benzoyl peroxide
