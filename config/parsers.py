"""The API's one JSON parser: refuses bodies too large, too deep or not Unicode, at the edge.

Every API view parses its body here (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES), so nothing
behind it (serializers, services, the checkout fingerprint, error messages that echo a value)
ever sees data nested deeper than `MAX_DEPTH`, a lone surrogate (text that cannot be encoded
to UTF-8), NaN, Infinity or a number too large for a float:

- over `DATA_UPLOAD_MAX_MEMORY_SIZE` bytes → 413 `payload_too_large`;
- not JSON, not UTF-8, a lone surrogate (`"\\ud800"`), NaN/Infinity/1e999, or nesting deeper
  than `MAX_DEPTH` arrays and objects → 400 `parse_error`.

orjson does the parsing: it refuses lone surrogates, non-finite numbers and nesting past 1024
in C (the standard library's parser raises RecursionError a little before that, and accepts
surrogates and 1e999); the depth walk below brings the limit down to what a real request needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.api import payload_too_large

# The deepest real requests nest three containers ({"items": [{"selections": [...]}]}, a
# routine's slots' products, the quiz's answers); 32 leaves room and stops recursion bombs.
MAX_DEPTH = 32


def nesting_depth_exceeds(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `data` nests more than `limit` lists and dicts (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads(body: bytes, encoding: str = "utf-8") -> Any:
    """Parse a JSON body, or raise ParseError (400 `parse_error`) saying why not."""
    try:
        if encoding.lower().replace("-", "") not in ("utf8", "ascii"):
            body = body.decode(encoding).encode("utf-8")
        data = orjson.loads(body)
    except (orjson.JSONDecodeError, UnicodeError, LookupError) as exc:
        raise ParseError(f"JSON parse error - {exc}") from None
    if nesting_depth_exceeds(data):
        raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser with orjson, a size cap that holds however the body arrives, and the
    checks above."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # DRF hands over the raw WSGI stream when the body was not read yet, which Django's
        # size check (in request.body) never sees: read at most one byte past the limit.
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise payload_too_large()
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        return loads(body, encoding)
