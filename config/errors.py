"""Domain errors: what services raise when they refuse, carrying the answer the API gives.

One path for every refusal: a service raises a `DomainError` subclass; the API's exception
handler (`config.api.problem_exception_handler`) turns it into problem+json with its `status`,
`code`, `detail`, field `errors` and `extra` members; storefront views show `detail` (or the
field `errors`) next to the field. No view catches a domain error to translate it.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal with a stable `code` and the HTTP `status` the API answers it with.

    Subclasses set `code`, `status` and, where the default is not clear, `title`; an instance
    may carry a more precise `code` (a promo rejection's reason), field `errors`
    (`{"field": [messages]}`), `extra` members for the problem body, and `retry_after`
    (seconds, sent as Retry-After).
    """

    code = "domain_error"
    status = 409
    title: str | None = None
    retry_after: float | None = None

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra or {}
        if code is not None:
            self.code = code


class NotFound(DomainError):
    """The thing asked for does not exist (or may not be seen by this client)."""

    code = "not_found"
    status = 404


class InvalidInput(DomainError):
    """Input that passed parsing but not a service's rules, named field by field."""

    code = "validation_error"
    status = 400
    title = "Invalid input"


def field_errors_detail(errors: dict[str, list[str]]) -> str:
    """`{"a": ["x"], "b": ["y", "z"]}` as one line: "a: x; b: y z"."""
    return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items())
