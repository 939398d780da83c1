"""Making promo codes: whether a typed code can be stored, generating codes in batches (a worker
runs large ones, reporting progress on the batch), and a giveaway's consolation codes."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from promotions.codes.models import (
    BATCH_MAX,
    CODE_ALPHABET,
    CODE_MAX_LENGTH,
    CODE_MIN_LENGTH,
    GENERATED_LENGTH_MAX,
    GENERATED_LENGTH_MIN,
    GENERATED_PREFIX_MAX,
    CodeBatch,
    PromoCode,
    Promotion,
    code_validator,
)
from promotions.codes.offer_fields import AUTOMATIC_HAS_NO_CODES
from promotions.codes.selectors import promo_code_normalise

# Codes are inserted and checked for collisions this many at a time (well under SQLite's limit
# on query parameters), and a batch reports progress after each chunk.
CHUNK = 500


def promo_code_problem(code: str) -> str | None:
    """Why a (normalised) code cannot be stored, or None."""
    if not code:
        return "Enter a code."
    if len(code) > CODE_MAX_LENGTH:
        return f"A code has at most {CODE_MAX_LENGTH} characters."
    if len(code) < CODE_MIN_LENGTH:
        return f"A code has at least {CODE_MIN_LENGTH} characters."
    try:
        code_validator(code)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _prefix_problem(prefix: str) -> str | None:
    if not prefix:
        return None
    if len(prefix) > GENERATED_PREFIX_MAX:
        return f"A prefix has at most {GENERATED_PREFIX_MAX} characters."
    try:
        code_validator(prefix)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def promo_codes_generate_check(
    *, count: object, prefix: object, length: object, max_uses: object = 1
) -> dict[str, str]:
    """Field errors for a bulk generation request (empty when it is fine): the one check of
    the API's request, the admin's form and the services below."""
    errors: dict[str, str] = {}
    if max_uses is not None and (
        not isinstance(max_uses, int) or isinstance(max_uses, bool) or max_uses < 1
    ):
        errors["max_uses"] = "Give at least 1 use per code, or none for no per-code limit."
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= BATCH_MAX:
        errors["count"] = f"Give a whole number of codes from 1 to {BATCH_MAX:,}."
    if not isinstance(prefix, str):
        errors["prefix"] = "Give the prefix as text."
    else:
        problem = _prefix_problem(promo_code_normalise(prefix))
        if problem:
            errors["prefix"] = problem
    if (
        not isinstance(length, int)
        or isinstance(length, bool)
        or not GENERATED_LENGTH_MIN <= length <= GENERATED_LENGTH_MAX
    ):
        errors["length"] = (
            f"Give a length from {GENERATED_LENGTH_MIN} to {GENERATED_LENGTH_MAX} random "
            "characters (10 gives about 50 bits: guessing is hopeless)."
        )
    return errors


def _random_code(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _taken(codes: set[str]) -> set[str]:
    return set(PromoCode.objects.filter(code__in=codes).values_list("code", flat=True))


def promo_codes_generate(
    *,
    promotion: Promotion,
    count: int,
    prefix: str = "",
    length: int = 10,
    max_uses: int | None = 1,
    public: bool = False,
    batch: CodeBatch | None = None,
    issued_to: str = "",
) -> list[str]:
    """Create `count` new unique codes: the prefix, then `length` characters drawn with
    `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L). Collisions with existing
    codes are drawn again. Returns the codes; raises ValidationError for a bad request."""
    errors = promo_codes_generate_check(
        count=count, prefix=prefix, length=length, max_uses=max_uses
    )
    if promotion.automatic:
        errors["promotion"] = AUTOMATIC_HAS_NO_CODES
    if errors:
        raise ValidationError(errors)
    prefix = promo_code_normalise(prefix)
    made: list[str] = []
    now = timezone.now()
    while len(made) < count:
        need = min(count - len(made), CHUNK)
        candidates = {_random_code(prefix, length) for _ in range(need)}
        fresh = sorted(candidates - _taken(candidates))
        try:
            with transaction.atomic():
                PromoCode.objects.bulk_create(
                    PromoCode(
                        code=code,
                        promotion=promotion,
                        max_uses=max_uses,
                        public=public,
                        batch=batch,
                        issued_to=issued_to,
                        created_at=now,
                    )
                    for code in fresh
                )
        except IntegrityError:
            if issued_to:
                raise  # the issued code exists already: the caller returns that one
            continue  # another process inserted one of these just now: draw the chunk again
        made.extend(fresh)
    return made


def code_batch_create(
    *,
    promotion: Promotion,
    count: int,
    prefix: str = "",
    length: int = 10,
    max_uses: int | None = 1,
    user: Any = None,
) -> CodeBatch:
    """Record a request for `count` codes; `code_batch_run` (a Celery task) makes them."""
    errors = promo_codes_generate_check(
        count=count, prefix=prefix, length=length, max_uses=max_uses
    )
    if promotion.automatic:
        errors["promotion"] = AUTOMATIC_HAS_NO_CODES
    if errors:
        raise ValidationError(errors)
    return CodeBatch.objects.create(
        promotion=promotion,
        count=count,
        prefix=promo_code_normalise(prefix),
        length=length,
        max_uses=max_uses,
        created_by=user if getattr(user, "pk", None) else None,
    )


def code_batch_run(*, batch_id: int) -> CodeBatch | None:
    """Generate a batch's missing codes, one committed chunk at a time, updating its progress.

    Safe to run twice, even at once: each chunk locks the batch row and counts the codes that
    already exist, so a second run only makes what is still missing. None for a batch that no
    longer exists.
    """
    while True:
        with transaction.atomic():
            batch = (
                CodeBatch.objects.select_for_update()
                .select_related("promotion")
                .filter(pk=batch_id)
            ).first()
            if batch is None:
                return None
            if batch.status in (CodeBatch.Status.DONE, CodeBatch.Status.FAILED):
                return batch
            made = batch.codes.count()
            if made >= batch.count:
                batch.generated = batch.count
                batch.status = CodeBatch.Status.DONE
                batch.finished_at = timezone.now()
                batch.save(update_fields=["generated", "status", "finished_at"])
                return batch
            if batch.status == CodeBatch.Status.PENDING:
                batch.status = CodeBatch.Status.RUNNING
                batch.started_at = timezone.now()
            step = min(CHUNK * 4, batch.count - made)
            promo_codes_generate(
                promotion=batch.promotion,
                count=step,
                prefix=batch.prefix,
                length=batch.length,
                max_uses=batch.max_uses,
                batch=batch,
            )
            batch.generated = made + step
            batch.save(update_fields=["generated", "status", "started_at"])


def code_batch_fail(*, batch_id: int, error: str) -> None:
    CodeBatch.objects.filter(pk=batch_id).exclude(status=CodeBatch.Status.DONE).update(
        status=CodeBatch.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# -- giveaways ---------------------------------------------------------------------------------


def consolation_code_issue(*, promotion_id: int | None, issued_to: str) -> str | None:
    """A single-use private code of a giveaway's consolation promotion (`promotion_id`) for an
    entrant who did not win (`issued_to`: the entry's ref, "promotions.entry:<id>"), or None
    when the giveaway names none (or it is inactive or over: the thanks email then simply has
    no code). One code per entry: asking again returns the same one."""
    if promotion_id is None:
        return None
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    now = timezone.now()
    if promotion is None or not promotion.active:
        return None
    if promotion.ends_at is not None and now >= promotion.ends_at:
        return None
    existing = PromoCode.objects.filter(issued_to=issued_to).values_list("code", flat=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            (code,) = promo_codes_generate(
                promotion=promotion, count=1, prefix="THANKS", length=10, issued_to=issued_to
            )
    except IntegrityError:  # issued at the same moment by another run: that one stands
        return PromoCode.objects.filter(issued_to=issued_to).values_list("code", flat=True).first()
    return code
