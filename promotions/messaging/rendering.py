"""Rendering an email from its three templates: the one place the outbox's subjects and bodies
are made, whether at enqueue time (`services.email_enqueue`) or by a composer at send time
(`composers`), so an email reads the same whichever process writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_render(*, template: str, context: dict[str, Any]) -> RenderedEmail:
    """Subject, text and HTML parts from templates/emails/<template>.{subject.txt,txt,html}."""
    full = {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_BASE_URL": settings.SHOP_BASE_URL.rstrip("/"),
        **context,
    }
    subject: str = render_to_string(f"emails/{template}.subject.txt", full)
    # One line, no header injection: newlines in a name cannot start a new header.
    subject = " ".join(subject.split())[:300]
    text = render_to_string(f"emails/{template}.txt", full).strip() + "\n"
    html = render_to_string(f"emails/{template}.html", full)
    return RenderedEmail(subject=subject, text=text, html=html)
