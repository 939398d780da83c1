"""Storefront pages for the catalog: the product list with filters, product detail with its
gallery (`?photo=N` shows the Nth picture: thumbnails are plain links, gallery.js only spares
the page load)."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from shop.catalog import gallery, selectors


class ProductFilterForm(forms.Form):
    q = forms.CharField(label="Search", max_length=200, required=False)
    step = forms.ChoiceField(label="Step", required=False)
    concern = forms.ChoiceField(label="Concern", required=False)
    ingredient = forms.ChoiceField(label="Ingredient", required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        any_choice = [("", "Any")]
        self.fields["step"].choices = any_choice + [  # type: ignore[attr-defined]
            (s.slug, s.name) for s in selectors.step_list()
        ]
        self.fields["concern"].choices = any_choice + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in selectors.concern_list()
        ]
        self.fields["ingredient"].choices = any_choice + [  # type: ignore[attr-defined]
            (i.slug, i.name) for i in selectors.ingredient_list()
        ]


def product_list(request: HttpRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None)
    products = selectors.product_list(filters=selectors.ProductFilters())
    status = 200
    if form.is_bound:
        if form.is_valid():
            products = selectors.product_list(filters=selectors.ProductFilters(**form.cleaned_data))
        else:
            status = 400
    paginator = Paginator(products, 24)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "shop/product_list.html",
        {"form": form, "page": page, "products": page.object_list, "query": query.urlencode()},
        status=status,
    )


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = selectors.product_get(slug=slug)
    if product is None:
        raise Http404("No such product")
    photos = gallery.product_photos(product)
    raw = request.GET.get("photo", "")
    number = int(raw) if raw.isdigit() and 1 <= int(raw) <= len(photos) else 1
    return render(
        request,
        "shop/product_detail.html",
        {"product": product, "photos": photos, "photo": photos[number - 1] if photos else None},
    )
