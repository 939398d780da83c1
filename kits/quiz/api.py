"""`GET /api/quiz/` (the questions) and `POST /api/quiz/` (answers in, a priced routine out)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kits.quiz import selectors, services
from kits.quiz.answers import InvalidAnswers, QuizInfo
from shop.cart.quote_api import BreakdownSchema


class OptionSchema(serializers.Serializer[Any]):
    id = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class QuestionSchema(serializers.Serializer[Any]):
    id = serializers.CharField()
    text = serializers.CharField()
    help_text = serializers.CharField()  # type: ignore[assignment]
    multiple = serializers.BooleanField()
    options = OptionSchema(many=True)


class QuizSchema(serializers.Serializer[Any]):
    name = serializers.CharField()
    intro = serializers.CharField()
    routine = serializers.CharField()
    questions = QuestionSchema(many=True)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
        },
        "example": {
            "skin_type": "oily",
            "concerns": ["pores"],
            "sensitive": "no",
            "makeup": "yes",
        },
    }
)
class AnswersField(serializers.JSONField):
    """Question id → option id (a list of them for a multiple question): checked by the quiz's
    one parser (`kits.quiz.recommend.answers_parse`), 400 `invalid_answers`."""


class QuizInput(serializers.Serializer[Any]):
    answers = AnswersField()


class ReasonSchema(serializers.Serializer[Any]):
    product = serializers.CharField()
    why = serializers.CharField()


class QuizResultSchema(serializers.Serializer[Any]):
    id = serializers.UUIDField(help_text="The completion: its result page is /quiz/<id>/.")
    routine = serializers.CharField()
    selections = serializers.ListField(child=serializers.CharField())
    reasons = ReasonSchema(many=True)
    avoided = serializers.ListField(child=serializers.CharField())
    breakdown = BreakdownSchema()


def quiz_data(quiz: QuizInfo) -> dict[str, Any]:
    return {
        "name": quiz.name,
        "intro": quiz.intro,
        "routine": quiz.routine,
        "questions": [
            {
                "id": question.slug,
                "text": question.text,
                "help_text": question.help_text,
                "multiple": question.multiple,
                "options": [
                    {"id": option.slug, "label": option.label} for option in question.options
                ],
            }
            for question in quiz.questions
        ],
    }


class QuizApi(APIView):
    """The routine quiz: anonymous, like the quote (no authentication is run)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: QuizSchema})
    def get(self, request: Request) -> Response:
        return Response(quiz_data(selectors.quiz_setup().quiz))

    @extend_schema(request=QuizInput, responses={200: QuizResultSchema})
    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, dict) or "answers" not in data:
            message = 'Send a JSON object with "answers": question → option.'
            raise InvalidAnswers(message, errors={"answers": [message]})
        result = services.quiz_complete(answers=data["answers"])
        return Response(result.to_dict())
