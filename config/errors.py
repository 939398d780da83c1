"""The base of domain errors that services raise and the API turns into problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a stable `code` and the HTTP `status` the API answers it with.

    Subclasses set `code` and `status`; `errors` maps field names to messages when the refusal
    is about particular fields.
    """

    code = "domain_error"
    status = 409

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
