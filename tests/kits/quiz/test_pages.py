"""The quiz's pages without JavaScript: the form, the result, the builder pre-filled, the cart,
and a completion counted as an order once its cart is checked out; the admin's counts and
preview."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from kits.quiz.models import Quiz, QuizCompletion, QuizRule
from kits.quiz.selectors import completion_totals
from tests.shop.checkout.test_storefront import FORM, text

pytestmark = pytest.mark.django_db

ANSWERS = {
    "skin_type": "dry",
    "concerns": ["fine_lines", "firmness"],
    "sensitive": "yes",
    "makeup": "yes",
}


def test_the_quiz_page_is_one_form_with_every_question(demo: None, client: Client) -> None:
    page = client.get("/quiz/").content.decode()
    assert page.count("data-question") == 4
    assert 'type="checkbox" name="concerns" value="fine_lines"' in page
    assert 'type="radio" name="skin_type" value="oily"' in page
    assert "<script>" not in page and "style=" not in page


def test_a_posted_form_shows_the_result_and_opens_the_builder_filled_in(
    demo: None, client: Client
) -> None:
    response = client.post("/quiz/", ANSWERS)
    assert response.status_code == 302
    completion = QuizCompletion.objects.get()
    assert response["Location"] == f"/quiz/{completion.ref}/"
    page = client.get(response["Location"]).content.decode()
    shown = text(page)
    assert "For dry skin: sodium hyaluronate hydrates." in shown
    assert "No retinol: you said your skin is sensitive." in shown
    assert "10% off" in shown or "15% off" in shown
    # Each product links to its page, with its step and price.
    assert 'href="/products/advanced-face-firming/"' in page
    assert "Renew" in shown and "$38.00" in shown
    builder = re.search(r'href="(/kits/routines/[^"]+)"', page)
    assert builder is not None
    builder_page = client.get(html_lib.unescape(builder.group(1))).content.decode()
    for slug in completion.selections:
        assert re.search(rf'value="{slug}" checked', builder_page), slug


def test_an_unanswered_question_is_explained_next_to_it(demo: None, client: Client) -> None:
    response = client.post("/quiz/", {"skin_type": "oily", "sensitive": "maybe"})
    assert response.status_code == 400
    page = response.content.decode()
    makeup = page[page.index('id="question-makeup"') :]
    assert "Answer this question." in makeup[: makeup.index("</fieldset>")]
    assert "is not an option" in text(page)
    assert QuizCompletion.objects.count() == 0


def test_the_result_goes_to_the_cart_and_counts_as_an_order_once_checked_out(
    demo: None, client: Client
) -> None:
    client.post("/quiz/", ANSWERS)
    completion = QuizCompletion.objects.get()
    added = client.post(f"/quiz/{completion.ref}/cart/")
    assert added.status_code == 302 and added["Location"] == "/cart/"
    assert completion_totals() == {"completions": 1, "carted": 1, "ordered": 0}
    placed = client.post("/checkout/", FORM)
    assert placed.status_code == 302, text(placed.content.decode())[:500]
    assert completion_totals() == {"completions": 1, "carted": 1, "ordered": 1}


def test_an_unknown_result_is_404(demo: None, client: Client) -> None:
    assert client.get("/quiz/not-a-uuid/").status_code == 404
    assert client.get("/quiz/6f1c1f0e-0000-4000-8000-000000000000/").status_code == 404
    assert client.post("/quiz/not-a-uuid/cart/").status_code == 404


def test_the_admin_previews_a_draft_copy_before_it_is_published(demo: None, client: Client) -> None:
    admin = User.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    quiz = Quiz.objects.get()
    response = client.post(
        "/admin/kits/quiz/", {"action": "copy_as_draft", "_selected_action": [quiz.pk]}
    )
    assert response.status_code == 302
    draft = Quiz.objects.get(active=False)
    # The draft stops avoiding retinol for sensitive skin; the live quiz is unchanged.
    QuizRule.objects.filter(option__question__quiz=draft, ingredient__slug="retinol").delete()
    answers = {"skin_type": "oily", "concerns": ["pores"], "sensitive": "yes", "makeup": "no"}
    draft_page = text(
        client.post(f"/admin/kits/quiz/{draft.pk}/preview/", answers).content.decode()
    )
    live_page = text(client.post(f"/admin/kits/quiz/{quiz.pk}/preview/", answers).content.decode())
    assert "No retinol" in live_page and "No retinol" not in draft_page
    assert "Enlarged Pore treatment" in draft_page
    assert QuizCompletion.objects.count() == 0
    client.post("/quiz/", ANSWERS)
    listing = text(client.get("/admin/kits/quizcompletion/").content.decode())
    assert "1 completion: 0 added to a cart, 0 became orders." in listing
