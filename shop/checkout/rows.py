"""The rows of an order exactly as the pricing service's Breakdown charged it: lines, their
component allocations and adjustments, written by checkout's reservation in three inserts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shop.cart.models import CartItem
from shop.checkout.models import Order, OrderAdjustment, OrderLine, OrderLineComponent
from shop.checkout.stock import StockNeed
from shop.pricing import Breakdown


def order_rows_write(
    *,
    order: Order,
    breakdown: Breakdown,
    needs: Mapping[int, StockNeed],
    items: Mapping[str, CartItem],
) -> list[OrderLineComponent]:
    """Lines, components and adjustments exactly as the breakdown charged them (3 inserts).

    Written before stock is taken, with every gift counted as given; returns the gift
    components for `order_gifts_given` to correct once the stock is known."""
    by_slug = {need.product.slug: need.product for need in needs.values()}
    lines: list[OrderLine] = []
    for position, priced in enumerate(breakdown.lines):
        item = items.get(priced.id)
        lines.append(
            OrderLine(
                order=order,
                position=position,
                line_id=priced.id,
                kind=priced.kind,
                ref=priced.ref,
                name=priced.name,
                selections=list(item.selections) if item is not None else [],
                quantity=priced.quantity,
                unit_price_amount=priced.unit_price.amount,
                subtotal_amount=priced.subtotal.amount,
                discount_amount=priced.subtotal.amount - priced.total.amount,
                total_amount=priced.total.amount,
                gift=priced.gift,
            )
        )
    OrderLine.objects.bulk_create(lines)
    components: list[OrderLineComponent] = []
    adjustments: list[OrderAdjustment] = []
    for line, priced in zip(lines, breakdown.lines, strict=True):
        for share in priced.components:
            product = by_slug.get(share.product)
            if product is None:  # a promo gift whose product was deleted (see stock_needs)
                continue
            gift = share.gift or priced.gift
            components.append(
                OrderLineComponent(
                    line=line,
                    product_id=product.id,
                    product_slug=product.slug,
                    product_name=product.name,
                    quantity=share.quantity,
                    allocated_amount=share.allocated.amount,
                    unit_allocations=[str(unit) for unit in share.unit_allocations],
                    gift=gift,
                    reserved=share.quantity,
                )
            )
        adjustments.extend(
            OrderAdjustment(
                order=order,
                line=line,
                source=a.source,
                rule=a.rule,
                label=a.label,
                amount=a.amount.amount,
            )
            for a in priced.adjustments
        )
    adjustments.extend(
        OrderAdjustment(
            order=order,
            line=None,
            source=a.source,
            rule=a.rule,
            label=a.label,
            amount=a.amount.amount,
        )
        for a in breakdown.applied
    )
    OrderLineComponent.objects.bulk_create(components)
    if adjustments:
        OrderAdjustment.objects.bulk_create(adjustments)
    return [component for component in components if component.gift]


def order_gifts_given(gifts: Sequence[OrderLineComponent], given: Mapping[int, int]) -> None:
    """Record the gifts that ran out: each gift component keeps what was left to give, in
    line order. Nothing to write in the usual case where every gift was in stock."""
    left = dict(given)
    short: list[OrderLineComponent] = []
    for component in gifts:
        reserved = min(left.get(component.product_id, 0), component.quantity)
        left[component.product_id] = left.get(component.product_id, 0) - reserved
        if reserved != component.reserved:
            component.reserved = reserved
            short.append(component)
    if short:
        OrderLineComponent.objects.bulk_update(short, ["reserved"])
