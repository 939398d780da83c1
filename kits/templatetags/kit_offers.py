"""`{% load kit_offers %}{% product_in_kits product.slug as offers %}`: what a product costs
inside each kit that holds it (kits.prices.product_in_kits), for the product page, whose
package (shop.catalog) sits below kits and cannot ask for it itself."""

from __future__ import annotations

from django import template

from kits.prices import InKit, product_in_kits
from kits.selectors import kits_holding

register = template.Library()


@register.simple_tag(name="product_in_kits")
def product_in_kits_tag(product_slug: str) -> list[InKit]:
    return product_in_kits(product_slug, kits_holding(product_slug=product_slug))
