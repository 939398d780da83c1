"""Filling a cart from a replenishment reminder's restock link: the products that are running
out, through the cart service so every price is the quote's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shop.cart import services as carts
from shop.cart.models import Cart, CartItem
from shop.catalog.models import Product
from shop.pricing import MAX_QUANTITY
from shop.quoting.services import InvalidItems


@dataclass
class RestockResult:
    added: list[str]
    already: list[str]
    unavailable: list[str]


def restock_cart_fill(*, cart: Cart, lines: Sequence[tuple[int, int]]) -> RestockResult:
    """Put the reminded products in an open cart (through the cart service, so every price
    is the quote's): products the cart already has are left as they are (following the link
    twice adds nothing twice), products no longer sold are reported."""
    result = RestockResult([], [], [])
    products = Product.objects.in_bulk([pk for pk, _ in lines])
    present = set(
        CartItem.objects.filter(cart=cart, kind=CartItem.Kind.PRODUCT).values_list("ref", flat=True)
    )
    for product_id, quantity in lines:
        product = products.get(product_id)
        if product is None:
            continue
        if product.slug in present:
            result.already.append(product.name)
            continue
        if not product.available:
            result.unavailable.append(product.name)
            continue
        try:
            carts.cart_item_add(
                cart=cart,
                item={
                    "product": product.slug,
                    "quantity": min(quantity, product.stock, MAX_QUANTITY),
                },
            )
        except (InvalidItems, carts.CartFull):
            result.unavailable.append(product.name)
            continue
        result.added.append(product.name)
    return result
