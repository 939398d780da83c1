"""The pricing service: pure-Python cart pricing (no Django), frozen dataclasses in and out."""

from shop.pricing.allocate import allocate
from shop.pricing.engine import price
from shop.pricing.errors import PricingError
from shop.pricing.inputs import (
    Item,
    KitLine,
    OfferRule,
    Part,
    PricingRequest,
    ProductLine,
    PromoRule,
    RoutineLine,
    ShippingPolicy,
    Tier,
    UnknownCode,
)
from shop.pricing.intake import MAX_QUANTITY
from shop.pricing.money import CurrencyMismatch, Money, format_money, round_cents
from shop.pricing.outputs import Adjustment, Breakdown, ComponentShare, PricedLine, Rejection
from shop.pricing.summary import Summary, SummaryRow, summarize

__all__ = [
    "MAX_QUANTITY",
    "Adjustment",
    "Breakdown",
    "ComponentShare",
    "CurrencyMismatch",
    "Item",
    "KitLine",
    "Money",
    "OfferRule",
    "Part",
    "PricedLine",
    "PricingError",
    "PricingRequest",
    "ProductLine",
    "PromoRule",
    "Rejection",
    "RoutineLine",
    "ShippingPolicy",
    "Summary",
    "SummaryRow",
    "Tier",
    "UnknownCode",
    "allocate",
    "format_money",
    "price",
    "round_cents",
    "summarize",
]
