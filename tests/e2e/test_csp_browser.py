"""The Content-Security-Policy holds in a real browser: no page of ours is refused anything.

Chromium enforces the policy the server sends and reports each refusal twice: a console error
("Refused to load/execute/apply ...") and a `securitypolicyviolation` event, recorded here by a
script the browser runs before each document's own (through DevTools, so the policy cannot
block it). A shopper's main pages with their JavaScript at work (the builder re-pricing, the
cart with a code, checkout placing an order), the giveaway, reminder and quiz pages, the admin
(login, lists, a kit's price preview, an email's HTML preview) and the API docs must all record
none, and the test proves it would see one.
"""

from __future__ import annotations

from typing import Any

import pytest

from promotions.messaging.models import OutboxMessage
from tests.e2e.test_journeys import fill_checkout

pytestmark = pytest.mark.django_db(transaction=True)

BUILDER = "/kits/routines/three-steps-to-refined-pores/"

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Violations:
    """Every CSP refusal the browser reports on `page`, by console and by event."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.found: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.found.append(f"{self.page.url}: console: {message.text}")

    def collect(self) -> None:
        """The events of the page now shown (call before leaving it), once it has loaded:
        read earlier, a violation by what is still loading would go unseen."""
        self.page.wait_for_load_state("load")
        for event in self.page.evaluate("window.__csp || []"):
            self.found.append(f"{self.page.url}: event: {event}")

    def visit(self, path: str, ready: str = "main") -> None:
        response = self.page.goto(self.page.base + path)
        assert response is not None and response.status == 200, path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        self.page.locator(ready).first.wait_for()
        self.collect()


@pytest.fixture
def tasks_in_process() -> Any:
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_the_shoppers_pages_run_under_the_policy_without_a_violation(
    demo: None, page: Any, tasks_in_process: None
) -> None:
    seen = Violations(page)
    seen.visit("/")
    seen.visit("/shop/")
    seen.visit("/products/citrus-facial-wash/")
    seen.visit("/kits/")
    seen.visit("/kits/seven-piece-collection/")
    # The builder's script re-prices in place (fetch) and shows the add button.
    seen.visit(BUILDER)
    for step, name in (
        ("cleanse", "Citrus Facial Wash"),
        ("tone", "Face Firming Toner"),
        ("renew", "Advanced Face Firming"),
    ):
        page.locator(f"fieldset#step-{step}").get_by_label(name).check()
    summary = page.locator("#builder-summary")
    summary.get_by_text("10% off tier reached with 3 products.").wait_for()
    page.get_by_role("button", name="Add this routine to cart").wait_for()
    seen.collect()
    page.get_by_role("button", name="Add this routine to cart").click()
    page.wait_for_url("**/cart/")
    seen.collect()
    page.get_by_label("Promo code").fill("PORES15")
    page.get_by_role("button", name="Apply").click()
    page.locator(".promo-form .saving").wait_for()
    seen.collect()
    seen.visit("/checkout/")
    fill_checkout(page)
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url("**/checkout/confirmation/**")
    seen.collect()
    seen.visit("/giveaways/seven-piece-collection/")
    seen.visit("/reminders/")
    seen.visit("/quiz/")
    for name, value in (("skin_type", "dry"), ("sensitive", "no"), ("makeup", "no")):
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    page.get_by_role("button", name="Show my routine").click()
    page.wait_for_url("**/quiz/*/")
    page.locator("main h1").wait_for()
    seen.collect()
    assert not seen.found, "\n".join(seen.found)


def test_the_admin_and_the_api_docs_run_under_the_policy_without_a_violation(
    demo: None, page: Any, staff_user: Any, tasks_in_process: None
) -> None:
    seen = Violations(page)
    seen.visit("/admin/login/", ready="#login-form")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill("staff-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    seen.collect()
    seen.visit("/admin/shop/product/", ready="#changelist")
    seen.visit("/admin/shop/product/add/", ready="#content-main form")
    seen.visit("/admin/kits/kit/", ready="#changelist")
    kit = page.locator("#result_list tbody th a").first.get_attribute("href")
    seen.visit(kit, ready="#content-main form")
    # An email's HTML part, previewed in a sandboxed frame with the email's own inline styles.
    seen.visit("/reminders/")
    page.get_by_label("Email").fill("jane@example.com")
    page.get_by_label("Morning routine").check()
    page.get_by_role("button", name="Email me to confirm").click()
    page.locator("h1", has_text="Check your inbox").wait_for()
    message = OutboxMessage.objects.latest("pk")
    seen.visit(f"/admin/promotions/outboxmessage/{message.pk}/change/", ready="iframe")
    preview = page.frame_locator("iframe.outbox-html")
    preview.get_by_text("Confirm my reminder").first.wait_for()  # the email, framed and styled
    seen.collect()
    # Swagger UI (vendored by drf-spectacular-sidecar) renders the schema.
    seen.visit("/api/docs/", ready="body")
    page.locator(".swagger-ui .info .title").wait_for()
    page.locator(".opblock").first.wait_for()
    seen.collect()
    assert not seen.found, "\n".join(seen.found)


def test_a_violation_would_be_seen(demo: None, page: Any) -> None:
    seen = Violations(page)
    seen.visit("/")
    # An inline script, as an injected page would carry: the policy refuses it.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    seen.collect()
    assert page.evaluate("window.ran") is None
    assert any("script-src" in found for found in seen.found), seen.found
