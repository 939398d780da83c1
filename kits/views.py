"""Storefront pages: the kits list, a fixed kit, and the routine kit builder.

The builder is a plain form: a POST re-renders the page with the price, tier, hints, conflict
warnings and messages next to each step; a GET with `?select=<slug>` opens it with those products
chosen (the quiz result's "change it in the builder"). builder.js posts the same form on every
change and swaps in the summary from the JSON answer; without JavaScript the button does the
same.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from kits import claims, selectors
from kits.models import Routine
from kits.prices import BuilderResult, kit_figures, routine_build
from kits.rules import RoutineInfo
from shop.catalog.offers import catalog_offers
from shop.catalog.selectors import ProductInfo, product_infos


def kit_list(request: HttpRequest) -> HttpResponse:
    infos = [(kit, selectors.kit_info_of(kit)) for kit in selectors.kit_list()]
    raised = claims.raised_parts([info for _, info in infos])
    kits = [(kit, kit_figures(info), raised[info.id]) for kit, info in infos]
    routines = list(selectors.routine_list())
    return render(request, "kits/kit_list.html", {"kits": kits, "routines": routines})


def kit_detail(request: HttpRequest, slug: str) -> HttpResponse:
    kit = selectors.kit_get(slug=slug)
    if kit is None:
        raise Http404("No such kit")
    info = selectors.kit_info_of(kit)
    figures = kit_figures(info)
    raised = claims.raised_parts([info])[info.id]
    return render(
        request, "kits/kit_detail.html", {"kit": kit, "figures": figures, "raised": raised}
    )


def _field_name(step: str) -> str:
    return f"step-{step}"


def _chosen(request: HttpRequest, info: RoutineInfo) -> dict[str, list[str]]:
    """The form's choices per step slug; blank values ("None" radios) are no choice."""
    by_slot: dict[str, list[str]] = {}
    for slot in info.slots:
        values = [v.strip() for v in request.POST.getlist(_field_name(slot.step))]
        by_slot[slot.step] = [v for v in values if v][:50]
    return by_slot


def _preselected(request: HttpRequest) -> dict[str, list[str]] | None:
    """A selection to open the builder with (`?select=<slug>&select=...`, the quiz result's
    "change it in the builder"): each product in the slot of its step, or None."""
    slugs = [v.strip() for v in request.GET.getlist("select") if v.strip()][:50]
    if not slugs:
        return None
    infos = product_infos(slugs=slugs)
    by_slot: dict[str, list[str]] = {}
    for slug in slugs:
        info = infos.get(slug)
        by_slot.setdefault(info.step if info else "", []).append(slug)
    return by_slot


def _build(
    routine: Routine, info: RoutineInfo, by_slot: dict[str, list[str]] | None
) -> tuple[dict[str, list[Any]], BuilderResult | None]:
    """The products each step offers, and (for a posted form) the checked, priced selection:
    fetch everything (a fixed number of queries), then calculate on plain data."""
    eligible = selectors.routine_eligible_products(routine=routine)
    if by_slot is None:
        return eligible, None
    products = {p.slug: ProductInfo.of(p) for items in eligible.values() for p in items}
    # Products the form was not offering (tampered, or a product gone since the page loaded)
    # still get a message naming them.
    strangers = {slug for slugs in by_slot.values() for slug in slugs} - set(products)
    if strangers:
        products.update(product_infos(slugs=strangers))
    ingredients = {
        p.slug: [pi.ingredient.slug for pi in p.product_ingredients.all()]
        for items in eligible.values()
        for p in items
    }
    result = routine_build(
        routine=info,
        products=products,
        by_slot=by_slot,
        eligible={step: [ProductInfo.of(p) for p in items] for step, items in eligible.items()},
        ingredients=ingredients,
        conflicts=selectors.conflict_infos(),
        offers=catalog_offers(),
    )
    return eligible, result


@require_http_methods(["GET", "HEAD", "POST"])
def routine_builder(request: HttpRequest, slug: str) -> HttpResponse:
    routine = selectors.routine_get(slug=slug)
    if routine is None:
        raise Http404("No such routine")
    info = selectors.routine_info_of(routine)
    posted = _chosen(request, info) if request.method == "POST" else _preselected(request)
    eligible, result = _build(routine, info, posted)
    steps = [
        {
            "slot": slot,
            "field": _field_name(slot.step),
            "multiple": slot.max_items > 1,
            "products": eligible.get(slot.step, []),
            "posted": set((posted or {}).get(slot.step, [])),
            "errors": result.selection.problems_for(slot.step) if result else [],
        }
        for slot in info.slots
    ]
    context = {
        "routine": routine,
        "info": info,
        "steps": steps,
        "result": result,
        "general_errors": result.selection.problems_for(None) if result else [],
    }
    if request.headers.get("X-Requested-With") == "fetch" and result is not None:
        return JsonResponse(
            {
                "valid": result.selection.valid,
                "summary_html": render_to_string("kits/_builder_summary.html", context, request),
                "errors": {
                    slot.step: [
                        {"code": p.code, "message": p.message}
                        for p in result.selection.problems
                        if p.slot == slot.step
                    ]
                    for slot in info.slots
                },
                "breakdown": result.breakdown.to_dict() if result.breakdown else None,
            }
        )
    invalid = result is not None and not result.selection.valid
    status = 400 if invalid and request.method == "POST" else 200
    return render(request, "kits/routine_builder.html", context, status=status)
