"""`{% load kit_offers %}{% product_in_kits product.slug as offers %}`: what a product costs
inside each kit that holds it (kits.prices.product_in_kits), and `{% product_pairings product
as pairings %}`: what goes well with it in each routine (kits.pairing), for the product page,
whose package (shop.catalog) sits below kits and cannot ask for it itself."""

from __future__ import annotations

from django import template

from kits.pairing import Pairing, product_pairings
from kits.prices import InKit, product_in_kits
from kits.selectors import kits_holding
from shop.catalog.models import Product

register = template.Library()


@register.simple_tag(name="product_in_kits")
def product_in_kits_tag(product_slug: str) -> list[InKit]:
    return product_in_kits(product_slug, kits_holding(product_slug=product_slug))


@register.simple_tag(name="product_pairings")
def product_pairings_tag(product: Product) -> list[Pairing]:
    """`{% product_pairings product as pairings %}`: what goes well with it in each routine."""
    return product_pairings(product)
