"""The quiz as plain data (questions, options, rules, candidates) and the one parser of answers.

Loaded by `kits.quiz.selectors`, read by `kits.quiz.recommend`; no database, no prices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from config.errors import DomainError
from shop.catalog.selectors import ProductInfo

MAX_TEXT = 40


class InvalidAnswers(DomainError):
    """Answers that do not fit the quiz: 400 `invalid_answers`, `errors` per question."""

    code = "invalid_answers"
    status = 400
    title = "Invalid answers"


class QuizUnavailable(DomainError):
    """The catalog offers no valid routine (a required step has nothing to choose)."""

    code = "quiz_unavailable"
    status = 409


# -- the quiz as plain data ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleInfo:
    effect: str  # "prefer" or "avoid"
    ingredient: str | None
    concern: str | None
    step: str | None
    weight: int
    reason: str
    target: str  # how the rule's target reads: "retinol", "oily skin", "primer"

    def matches(self, candidate: Candidate) -> bool:
        return (
            (self.step is None or self.step == candidate.product.step)
            and (self.ingredient is None or self.ingredient in candidate.ingredients)
            and (self.concern is None or self.concern in candidate.concerns)
        )


@dataclass(frozen=True, slots=True)
class OptionInfo:
    slug: str
    label: str
    phrase: str
    steps: frozenset[str]
    rules: tuple[RuleInfo, ...]


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    slug: str
    text: str
    help_text: str
    multiple: bool
    options: tuple[OptionInfo, ...]

    def option(self, slug: str) -> OptionInfo | None:
        return next((option for option in self.options if option.slug == slug), None)


@dataclass(frozen=True, slots=True)
class QuizInfo:
    id: int
    slug: str
    name: str
    intro: str
    routine: str
    featured: frozenset[str]
    questions: tuple[QuestionInfo, ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A product the routine offers, with what the rules look at."""

    product: ProductInfo
    ingredients: frozenset[str]
    concerns: frozenset[str]
    summary: str = ""


Answers = dict[str, tuple[str, ...]]


# -- parsing answers ----------------------------------------------------------------------------


def _shown(value: object) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _choices(question: QuestionInfo) -> str:
    return ", ".join(option.slug for option in question.options)


def _parse_one(question: QuestionInfo, value: object) -> tuple[tuple[str, ...], list[str]]:
    if question.multiple:
        if not isinstance(value, list):
            return (), [f"Send a list of options (any of {_choices(question)}), or []."]
        values = value
    else:
        if not isinstance(value, str):
            return (), [f"Send one option as text: one of {_choices(question)}."]
        values = [value]
    problems: list[str] = []
    chosen: list[str] = []
    for item in values:
        if not isinstance(item, str) or question.option(item) is None:
            problems.append(f"{_shown(item)} is not an option: choose from {_choices(question)}.")
        elif item in chosen:
            problems.append(f'"{item}" is given twice.')
        else:
            chosen.append(item)
    return tuple(chosen), problems


def answers_parse(*, quiz: QuizInfo, answers: object) -> Answers:
    """Check the answers against the quiz: every question answered, with its own options (a
    list for a multiple question, possibly empty; one option otherwise). Raises InvalidAnswers
    naming every problem; returns the chosen option slugs per question, in quiz order."""
    if not isinstance(answers, dict):
        raise InvalidAnswers(
            "Send the answers as an object of question: option.",
            errors={"answers": ["Send the answers as an object of question: option."]},
        )
    errors: dict[str, list[str]] = {}
    known = {question.slug for question in quiz.questions}
    for key in answers:
        if key not in known:
            errors[f"answers.{str(key)[:MAX_TEXT]}"] = [
                f"No such question: ask for one of {', '.join(sorted(known))}."
            ]
    parsed: Answers = {}
    for question in quiz.questions:
        if question.slug not in answers:
            errors[f"answers.{question.slug}"] = ["Answer this question."]
            continue
        parsed[question.slug], problems = _parse_one(question, answers[question.slug])
        if problems:
            errors[f"answers.{question.slug}"] = problems
    if errors:
        detail = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in errors.items())
        raise InvalidAnswers(detail, errors=errors)
    return parsed
