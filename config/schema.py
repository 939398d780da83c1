"""OpenAPI post-processing: every operation documents the problem+json errors it can answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import SAFE_METHODS

from config.api import IsStaffOrReadOnly

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable, snake_case error code"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "Invalid input (validation_error, parse_error, invalid_filter, invalid_page, ...)",
    "401": "Not authenticated",
    "402": "Payment declined",
    "403": "Permission denied",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict with the current state",
    "415": "Unsupported media type",
    "422": "Unprocessable (e.g. a rejected promo code, a reused idempotency key)",
    "429": "Too many requests",
}
_ALWAYS = ["400", "401", "403", "404", "405", "406", "415", "429"]
_WRITES = ["409", "422", "402"]


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular POSTPROCESSING_HOOK: add the Problem schema and error responses."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = _ALWAYS + (_WRITES if method in {"post", "put", "patch", "delete"} else [])
            for code in codes:
                operation["responses"].setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {"application/problem+json": {"schema": reference}},
                    },
                )
    return result


class AutoSchema(SpectacularAutoSchema):
    """Marks reads of IsStaffOrReadOnly endpoints as open to anonymous clients."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        public_read = any(isinstance(p, IsStaffOrReadOnly) for p in self.view.get_permissions())
        if public_read and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths
