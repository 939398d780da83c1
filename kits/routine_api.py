"""Routines API (build-your-own kit templates): public reads, staff writes.

Responses are built as plain dicts from prefetched objects and the pricing service's figures
(the serializers named in `extend_schema` describe them for the OpenAPI schema); requests are
validated by DRF serializers and written by `kits.services`.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ApiError
from kits import selectors, services
from kits.api import ShelfInput, WholeItems, products_by_slug, staff_request
from kits.models import Routine
from shop.catalog.models import Product, Step

# -- output ------------------------------------------------------------------------------------


def _eligible_slugs(routines: list[Routine]) -> dict[int, list[str]]:
    """Per slot id, the slugs a shopper may choose: one query for every un-narrowed slot."""
    slots = [slot for routine in routines for slot in routine.slots.all()]
    open_steps = {slot.step_id for slot in slots if not slot.products.all()}
    by_step: dict[int, list[str]] = defaultdict(list)
    if open_steps:
        for step_id, slug in (
            Product.objects.filter(active=True, step_id__in=open_steps)
            .order_by("name", "pk")
            .values_list("step_id", "slug")
        ):
            by_step[step_id].append(slug)
    result = {}
    for slot in slots:
        narrowed = slot.products.all()
        result[slot.pk] = (
            sorted(p.slug for p in narrowed if p.active and p.step_id == slot.step_id)
            if narrowed
            else by_step[slot.step_id]
        )
    return result


def routine_data(routine: Routine, eligible: dict[int, list[str]]) -> dict[str, Any]:
    """The contract's Routine, plus summary, description, active and each slot's label."""
    return {
        "slug": routine.slug,
        "name": routine.name,
        "summary": routine.summary,
        "description": routine.description,
        "active": routine.active,
        "slots": [
            {
                "step": slot.step.slug,
                "label": slot.label or slot.step.name.lower(),
                "required": slot.required,
                "min": slot.min_items,
                "max": slot.max_items,
                "products": eligible[slot.pk],
            }
            for slot in routine.slots.all()
        ],
        "tiers": [
            {"min_items": tier.min_items, "percent_off": f"{tier.percent_off:.2f}"}
            for tier in sorted(routine.tiers.all(), key=lambda t: t.min_items)
        ],
    }


# -- schema (documentation of the dicts above) --------------------------------------------------


class SlotSchema(serializers.Serializer[Any]):
    step = serializers.SlugField()
    label = serializers.CharField()  # type: ignore[assignment]
    required = serializers.BooleanField()  # type: ignore[assignment]
    min = serializers.IntegerField()
    max = serializers.IntegerField()
    products = serializers.ListField(child=serializers.SlugField())


class TierSchema(serializers.Serializer[Any]):
    min_items = serializers.IntegerField()
    percent_off = serializers.DecimalField(max_digits=5, decimal_places=2)


class RoutineSchema(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    name = serializers.CharField()
    summary = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    slots = SlotSchema(many=True)
    tiers = TierSchema(many=True)


# -- input -------------------------------------------------------------------------------------


class SlotInput(serializers.Serializer[Any]):
    # A SlugField first: a NUL byte must never reach PostgreSQL (SlugRelatedField passes it on).
    step = serializers.SlugField(max_length=40)
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    min = serializers.IntegerField(min_value=0, max_value=99, default=1)
    max = serializers.IntegerField(min_value=1, max_value=99, default=1)
    label = serializers.CharField(  # type: ignore[assignment]
        max_length=60, required=False, allow_blank=True, default=""
    )
    label_plural = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )
    products = serializers.ListField(
        child=serializers.SlugField(max_length=120), max_length=100, required=False, default=list
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        step = Step.objects.filter(slug=data["step"]).first()
        if step is None:
            raise serializers.ValidationError({"step": [f'No step is called "{data["step"]}".']})
        data["step"] = step
        errors: dict[str, list[str]] = {}
        if data["min"] > data["max"]:
            errors["min"] = ["Min cannot be more than max."]
        if data["required"] and data["min"] < 1:
            errors["min"] = ["A required step needs at least 1 product."]
        found = products_by_slug(data["products"])
        unknown = [slug for slug in data["products"] if slug not in found]
        wrong = [p.name for p in found.values() if p.step_id != data["step"].pk]
        if unknown:
            errors["products"] = [f"Unknown: {', '.join(unknown)}."]
        elif wrong:
            errors["products"] = [f"Not {data['step'].name} products: {', '.join(sorted(wrong))}."]
        if errors:
            raise serializers.ValidationError(errors)
        data["products"] = [found[slug] for slug in dict.fromkeys(data["products"])]
        return data


class TierInput(serializers.Serializer[Any]):
    min_items = serializers.IntegerField(min_value=1, max_value=99)
    percent_off = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100")
    )


class RoutineInput(ShelfInput):
    model = Routine
    noun = "routine"

    slots = WholeItems(
        item=SlotInput,
        min_length=1,
        max_length=20,
        error_messages={"min_length": "A routine needs at least one step."},
    )
    tiers = WholeItems(item=TierInput, max_length=20, required=False)

    def validate_slots(self, slots: list[dict[str, Any]]) -> list[services.SlotSpec]:
        seen: set[str] = set()
        for index, slot in enumerate(slots):
            if slot["step"].slug in seen:
                raise serializers.ValidationError(
                    {str(index): {"step": ["Each step has one slot."]}}
                )
            seen.add(slot["step"].slug)
        return [
            services.SlotSpec(
                step=slot["step"],
                required=slot["required"],
                min_items=slot["min"],
                max_items=slot["max"],
                label=slot["label"],
                label_plural=slot["label_plural"],
                products=slot["products"],
            )
            for slot in slots
        ]

    def validate_tiers(self, tiers: list[dict[str, Any]]) -> list[services.TierSpec]:
        seen: set[int] = set()
        for index, tier in enumerate(tiers):
            if tier["min_items"] in seen:
                raise serializers.ValidationError(
                    {
                        str(index): {
                            "min_items": [f"Two tiers start at {tier['min_items']} products."]
                        }
                    }
                )
            seen.add(tier["min_items"])
        return [services.TierSpec(t["min_items"], t["percent_off"]) for t in tiers]


class RoutineListCreateApi(generics.GenericAPIView[Routine]):
    serializer_class = RoutineSchema  # documents routine_data(); responses are built by hand

    @extend_schema(responses=RoutineSchema(many=True))
    def get(self, request: Request) -> Response:
        routines = list(
            self.paginate_queryset(selectors.routine_list(include_inactive=staff_request(request)))
            or []
        )
        eligible = _eligible_slugs(routines)
        return self.get_paginated_response([routine_data(r, eligible) for r in routines])

    @extend_schema(request=RoutineInput, responses={201: RoutineSchema})
    def post(self, request: Request) -> Response:
        incoming = RoutineInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        created = services.routine_create(**incoming.validated_data)
        routine = selectors.routine_get(slug=created.slug, include_inactive=True)
        assert routine is not None
        return Response(
            routine_data(routine, _eligible_slugs([routine])), status=status.HTTP_201_CREATED
        )


class RoutineDetailApi(APIView):
    def _get(self, request: Request, slug: str) -> Routine:
        routine = selectors.routine_get(slug=slug, include_inactive=staff_request(request))
        if routine is None:
            raise ApiError(status=404, code="not_found", detail=f"No routine {slug[:120]!r}.")
        return routine

    @extend_schema(responses=RoutineSchema)
    def get(self, request: Request, slug: str) -> Response:
        routine = self._get(request, slug)
        return Response(routine_data(routine, _eligible_slugs([routine])))

    @extend_schema(request=RoutineInput, responses=RoutineSchema)
    def patch(self, request: Request, slug: str) -> Response:
        routine = self._get(request, slug)
        incoming = RoutineInput(routine, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        updated = services.routine_update(routine=routine, data=dict(incoming.validated_data))
        fresh = selectors.routine_get(slug=updated.slug, include_inactive=True)
        assert fresh is not None
        return Response(routine_data(fresh, _eligible_slugs([fresh])))
