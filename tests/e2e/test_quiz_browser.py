"""The quiz in a real browser: quiz -> result -> builder pre-filled -> cart -> checkout, on a
phone (one question per screen) and on a desktop (the whole form)."""

from __future__ import annotations

from typing import Any

import pytest

from kits.quiz.models import QuizCompletion
from kits.quiz.selectors import completion_totals
from tests.e2e.test_checkout import fill_the_form

pytestmark = pytest.mark.django_db(transaction=True)


def answer(page: Any, stepped: bool) -> None:
    questions = [
        ("skin_type", "Dry: tight or flaky"),
        ("concerns", "Fine lines"),
        ("sensitive", "Yes"),
        ("makeup", "Yes"),
    ]
    for index, (slug, label) in enumerate(questions):
        fieldset = page.locator(f"fieldset#question-{slug}")
        assert fieldset.is_visible()
        if stepped:  # one question per screen: the next one is hidden until "Next"
            for other, _ in questions[index + 1 :]:
                assert not page.locator(f"fieldset#question-{other}").is_visible()
        fieldset.get_by_label(label, exact=True).check()
        if stepped and index < len(questions) - 1:
            fieldset.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Show my routine").click()


@pytest.mark.parametrize("width", [390, 1280])
def test_quiz_to_result_to_builder_to_cart_to_checkout(demo: None, page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(page.base + "/")
    page.get_by_role("link", name="Take the skin quiz").click()
    page.wait_for_url("**/quiz/")
    page.wait_for_load_state("domcontentloaded")  # parsed, and quiz.js has laid it out
    answer(page, stepped=width < 720)
    page.wait_for_url("**/quiz/*/")
    assert "For dry skin: sodium hyaluronate hydrates." in page.inner_text("main")
    assert "No retinol: you said your skin is sensitive." in page.inner_text("main")
    completion = QuizCompletion.objects.get()

    page.get_by_role("link", name="Change it in the builder").click()
    page.wait_for_url("**/kits/routines/three-steps-to-refined-pores/?select=*")
    page.wait_for_load_state("domcontentloaded")  # is_checked() does not wait
    for slug in completion.selections:
        assert page.locator(f'input[value="{slug}"]').is_checked(), slug
    page.go_back()

    page.get_by_role("button", name="Add this routine to cart").click()
    page.wait_for_url("**/cart/")
    assert "Three steps to refined pores" in page.inner_text("main")
    page.goto(page.base + "/checkout/")
    fill_the_form(page, "tok_ok")
    page.get_by_role("button", name="Place order and pay").click()
    page.wait_for_url("**/checkout/confirmation/**")
    assert completion_totals() == {"completions": 1, "carted": 1, "ordered": 1}
