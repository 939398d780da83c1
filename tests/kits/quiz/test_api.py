"""GET and POST /api/quiz/: the contract's shape, its errors, and what a completion keeps."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from kits.quiz.models import QuizCompletion

pytestmark = pytest.mark.django_db

GOOD = {"skin_type": "oily", "concerns": ["pores"], "sensitive": "no", "makeup": "yes"}


def post(body: Any) -> Any:
    return APIClient().post("/api/quiz/", body, format="json")


def test_get_lists_the_four_questions_with_their_options(demo: None) -> None:
    body = APIClient().get("/api/quiz/").json()
    questions = {q["id"]: q for q in body["questions"]}
    assert [q["id"] for q in body["questions"]] == ["skin_type", "concerns", "sensitive", "makeup"]
    assert [o["id"] for o in questions["skin_type"]["options"]] == [
        "oily",
        "combination",
        "dry",
        "normal",
    ]
    assert [o["id"] for o in questions["concerns"]["options"]] == [
        "pores",
        "fine_lines",
        "dullness",
        "breakouts",
        "firmness",
    ]
    assert questions["concerns"]["multiple"] is True
    assert questions["skin_type"]["multiple"] is False
    assert all(set(o) == {"id", "label"} for q in body["questions"] for o in q["options"])


def test_post_answers_a_priced_routine_and_keeps_a_completion(demo: None) -> None:
    response = post({"answers": GOOD})
    assert response.status_code == 200
    body = response.json()
    assert body["routine"] == "three-steps-to-refined-pores"
    assert len(body["reasons"]) == len(body["selections"]) == 6
    assert body["breakdown"]["currency"] == "USD"
    assert body["breakdown"]["lines"][0]["kind"] == "routine"
    completion = QuizCompletion.objects.get()
    assert str(completion.ref) == body["id"]
    assert completion.answers == GOOD
    assert completion.selections == body["selections"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**GOOD, "hair": "curly"}, "answers.hair"),
        ({**GOOD, "skin_type": "scaly"}, "answers.skin_type"),
        ({**GOOD, "concerns": ["pores", "wrinkles"]}, "answers.concerns"),
        ({**GOOD, "concerns": ["pores", "pores"]}, "answers.concerns"),
        ({k: v for k, v in GOOD.items() if k != "makeup"}, "answers.makeup"),
        ({**GOOD, "skin_type": ["oily"]}, "answers.skin_type"),
        ({**GOOD, "skin_type": 3}, "answers.skin_type"),
        ({**GOOD, "sensitive": None}, "answers.sensitive"),
        ({**GOOD, "concerns": "pores"}, "answers.concerns"),
        ({**GOOD, "concerns": [1, {"a": 1}]}, "answers.concerns"),
        ([GOOD], "answers"),
        ("oily", "answers"),
    ],
)
def test_bad_answers_are_400_invalid_answers_naming_the_question(
    demo: None, answers: Any, field: str
) -> None:
    response = post({"answers": answers})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert field in body["errors"]
    assert QuizCompletion.objects.count() == 0


@pytest.mark.parametrize("body", [[], [1], "x", 5, None, {}, {"answer": GOOD}])
def test_a_body_without_answers_is_400_invalid_answers(demo: None, body: Any) -> None:
    response = post(body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answers"


def test_a_body_that_is_not_json_is_400_not_500(demo: None) -> None:
    response = APIClient().post("/api/quiz/", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_no_quiz_is_409_quiz_unavailable(db: None) -> None:
    response = post({"answers": GOOD})
    assert response.status_code == 409
    assert response.json()["code"] == "quiz_unavailable"
