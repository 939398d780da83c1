"""API glue shared by every app: problem+json errors, permissions, pagination, throttles."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, pagination, permissions, serializers
from rest_framework.response import Response

from config.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# DRF's default codes, renamed where ours are clearer; anything else keeps DRF's code.
_CODE_NAMES = {
    "invalid": "validation_error",
    "not_found": "not_found",
    "parse_error": "parse_error",
    "unsupported_media_type": "unsupported_media_type",
    "method_not_allowed": "method_not_allowed",
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "permission_denied": "permission_denied",
    "throttled": "throttled",
    "not_acceptable": "not_acceptable",
}


class ApiError(exceptions.APIException):
    """An error with a stable code, rendered as problem+json.

    Views raise it for problems of the HTTP request itself (a missing header, a body that is not
    an object); services raise `config.errors.DomainError`, which the handler turns into one of
    these. Either way every error has the same shape.
    """

    wait: float | None = None  # seconds; DRF's handler sends it as Retry-After

    def __init__(
        self,
        *,
        status: int,
        code: str,
        detail: str,
        title: str | None = None,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.problem_code = code
        self.title = title
        self.errors = errors
        self.extra = extra or {}

    @classmethod
    def of(cls, error: DomainError) -> ApiError:
        """The problem a service's refusal answers."""
        answer = cls(
            status=error.status,
            code=error.code,
            detail=error.detail,
            title=error.title,
            errors=error.errors,
            extra=error.extra,
        )
        answer.wait = error.retry_after
        return answer


class TextField(serializers.CharField):
    """A CharField that takes JSON text only: DRF's would turn 5 into "5". With
    `null_characters=True` a NUL is the service's to judge (a promo code with one is an
    unknown code, not a bad request)."""

    def __init__(self, *, null_characters: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if null_characters:
            self.validators = [
                v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ]

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


class SlugRelatedField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """DRF's SlugRelatedField, but a slug holding a NUL "does not exist" without a query:
    DRF's passes it on to the lookup, and PostgreSQL refuses NUL in text (a 500)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


# Django's upload limits (DATA_UPLOAD_MAX_MEMORY_SIZE, ..._NUMBER_FIELDS, ..._NUMBER_FILES), which
# it raises lazily when request.body, .POST or .FILES is first read: a 413, never a 500.
UPLOAD_LIMIT_ERRORS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
PAYLOAD_TOO_LARGE_DETAIL = "The request body is larger than this server accepts."


def payload_too_large() -> ApiError:
    """413 `payload_too_large`: a body over the upload limits."""
    return ApiError(status=413, code="payload_too_large", detail=PAYLOAD_TOO_LARGE_DETAIL)


def json_object(data: Any) -> dict[str, Any]:
    """A request body that must be a JSON object (400 `validation_error` otherwise)."""
    if not isinstance(data, dict):
        raise ApiError(
            status=400,
            code="validation_error",
            title="Invalid input",
            detail="Send a JSON object.",
            errors={"non_field_errors": ["Send a JSON object."]},
        )
    return data


def problem(
    *,
    status: int,
    code: str,
    detail: str,
    title: str | None = None,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://docs.example.com/problems/{code}",
        "title": title or code.replace("_", " ").capitalize(),
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


def _flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested ValidationError detail into {"field.sub": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten_errors(value, name).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            out[prefix or "non_field_errors"] = [str(item) for item in data]
        else:
            for index, item in enumerate(data):
                name = f"{prefix}.{index}" if prefix else str(index)
                for field, messages in _flatten_errors(item, name).items():
                    out.setdefault(field, []).extend(messages)
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every error leaves as application/problem+json with a code."""
    # Imported here: rest_framework.views reads the settings that point back at this module.
    from rest_framework.views import exception_handler

    if isinstance(exc, DomainError):
        exc = ApiError.of(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, UPLOAD_LIMIT_ERRORS):
        exc = payload_too_large()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # A model's full_clean() in a service: same shape as a serializer error.
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, IntegrityError):
        # A constraint caught what validation could not see (a concurrent duplicate).
        exc = ApiError(
            status=409,
            code="conflict",
            detail="This conflicts with existing data; reload and retry.",
        )
    elif isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away mid-request (a restart, a failover, a killed backend): the
        # request's transaction rolled back with it (or, if the connection died at COMMIT,
        # may have committed), so the client is told to retry, which idempotent checkout makes
        # safe. Logged: someone should know.
        logger.warning("Database unavailable during an API request", exc_info=exc)
        unavailable = ApiError(
            status=503,
            code="service_unavailable",
            detail="We lost the connection to our database. Try again: a checkout retried "
            "with the same Idempotency-Key never makes a second order.",
        )
        unavailable.wait = 1  # DRF sends it as Retry-After
        exc = unavailable

    response = exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        body = problem(status=500, code="server_error", detail="Something went wrong on our side.")
        return Response(body, status=500, content_type=PROBLEM_CONTENT_TYPE)

    if isinstance(exc, ApiError):
        body = problem(
            status=exc.status_code,
            code=exc.problem_code,
            detail=str(exc.detail),
            title=exc.title,
            errors=exc.errors,
            extra=exc.extra,
        )
    elif isinstance(exc, exceptions.ValidationError):
        errors = _flatten_errors(exc.detail)
        body = problem(
            status=response.status_code,
            code="validation_error",
            detail="; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()),
            title="Invalid input",
            errors=errors,
        )
    else:
        assert isinstance(exc, exceptions.APIException)
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        body = problem(
            status=response.status_code,
            code=_CODE_NAMES.get(str(code), str(code)),
            detail=str(exc.detail),
        )
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(
        problem(status=status, code=code, detail=detail),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


class IsStaffOrReadOnly(permissions.BasePermission):
    """Anyone may read; only staff may write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class IsStaff(permissions.BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (max 100); a bad page number is a 400, a page past the end 404."""

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        raw = request.query_params.get(self.page_query_param, "1")
        if raw in self.last_page_strings:
            return raw
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
            raise ApiError(
                status=400,
                code="invalid_page",
                detail=f"page must be a whole number from 1, not {raw[:40]!r}.",
                errors={"page": ["Enter a whole number from 1."]},
            )
        return raw

    def get_page_size(self, request: Any) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return int(self.page_size or 20)
        digits = raw.isascii() and raw.isdigit() and len(raw) <= 9
        if not digits or not 1 <= int(raw) <= self.max_page_size:
            raise ApiError(
                status=400,
                code="invalid_page_size",
                detail=f"page_size must be a whole number from 1 to {self.max_page_size}.",
                errors={"page_size": [f"Enter a whole number from 1 to {self.max_page_size}."]},
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1, maximum=999_999_999)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as exc:
            raise ApiError(status=404, code="page_not_found", detail=str(exc.detail)) from exc
