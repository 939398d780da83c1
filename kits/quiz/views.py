"""The quiz's pages: one form with every question (quiz.js shows one question per screen on
phones), the result with reasons and price, and the result's add to cart."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import DomainError
from kits.quiz import selectors, services
from kits.quiz.answers import InvalidAnswers, QuizInfo
from kits.quiz.models import QuizCompletion
from shop.cart.selectors import cart_view
from shop.cart.services import cart_create
from shop.cart.session import remember, session_cart
from shop.catalog.models import Product


def _posted_answers(request: HttpRequest, quiz: QuizInfo) -> dict[str, Any]:
    """The form's answers in the API's shape; an unanswered single question is left out (the
    parser then says "Answer this question" next to it)."""
    answers: dict[str, Any] = {}
    for question in quiz.questions:
        if question.multiple:
            answers[question.slug] = request.POST.getlist(question.slug)[:50]
        elif request.POST.get(question.slug):
            answers[question.slug] = request.POST.get(question.slug, "")[:200]
    return answers


@require_http_methods(["GET", "HEAD", "POST"])
def quiz_page(request: HttpRequest) -> HttpResponse:
    try:
        quiz = selectors.quiz_setup().quiz
    except DomainError as error:
        return render(request, "kits/quiz/quiz.html", {"unavailable": error.detail}, status=503)
    answers: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = _posted_answers(request, quiz)
        try:
            result = services.quiz_complete(answers=answers)
        except InvalidAnswers as error:
            errors = {
                key.removeprefix("answers."): msgs for key, msgs in (error.errors or {}).items()
            }
        else:
            assert result.completion is not None
            return redirect("quiz:result", ref=result.completion.ref)
    questions = [
        {
            "question": question,
            "chosen": set(answers.get(question.slug, []))
            if question.multiple
            else {answers.get(question.slug)},
            "errors": errors.get(question.slug, []),
        }
        for question in quiz.questions
    ]
    context = {"quiz": quiz, "questions": questions, "has_errors": bool(errors)}
    return render(request, "kits/quiz/quiz.html", context, status=400 if errors else 200)


def _completion(ref: str) -> QuizCompletion:
    completion = selectors.completion_get(ref=ref)
    if completion is None:
        raise Http404("No such quiz result")
    return completion


def quiz_result(request: HttpRequest, ref: str) -> HttpResponse:
    completion = _completion(ref)
    products = Product.objects.filter(slug__in=completion.selections).select_related("step")
    by_slug = {p.slug: p for p in products}
    items = [{**reason, "product": by_slug.get(reason["product"])} for reason in completion.reasons]
    problem = None
    breakdown = None
    try:
        breakdown = services.quiz_routine_price(
            routine=completion.routine, selections=list(completion.selections)
        )
    except DomainError as error:
        problem = error.detail
    builder = reverse("kits:routine_builder", args=[completion.routine])
    query = urlencode([("select", slug) for slug in completion.selections])
    context = {
        "completion": completion,
        "items": items,
        "breakdown": breakdown,
        "line": breakdown.lines[0] if breakdown else None,
        "problem": problem,
        "builder_url": f"{builder}?{query}",
    }
    return render(request, "kits/quiz/result.html", context)


@require_POST
def quiz_cart_add(request: HttpRequest, ref: str) -> HttpResponse:
    completion = _completion(ref)
    cart = session_cart(request) or cart_create()
    try:
        added = services.quiz_completion_cart_add(completion=completion, cart=cart)
    except DomainError as error:
        for field_messages in (error.errors or {"": [error.detail]}).values():
            for message in field_messages:
                messages.error(request, message)
        return redirect("quiz:result", ref=completion.ref)
    remember(request, cart_view(cart=cart))
    messages.success(request, f"Added {added.name} to your cart.")
    return redirect("shop:cart")
