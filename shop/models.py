"""The shop app's model registry: Django loads an app's models from here, so this imports each
package's models. Code imports models from their package (`shop.catalog.models`, ...), never
from here."""

from shop.accounts.routines import SavedRoutine
from shop.cart.models import Cart, CartItem
from shop.catalog.gallery import ProductImage
from shop.catalog.models import (
    CatalogVersion,
    Concern,
    Ingredient,
    Product,
    ProductIngredient,
    Step,
)
from shop.catalog.price_history import PriceChange
from shop.catalog.stock_history import StockAdjustment
from shop.catalog.transfer.models import ImportJob
from shop.checkout.low_stock import LowStockProduct
from shop.checkout.models import (
    Order,
    OrderAdjustment,
    OrderLine,
    OrderLineComponent,
    Payment,
    Refund,
)

__all__ = [
    "Cart",
    "CartItem",
    "CatalogVersion",
    "Concern",
    "ImportJob",
    "Ingredient",
    "LowStockProduct",
    "Order",
    "OrderAdjustment",
    "OrderLine",
    "OrderLineComponent",
    "Payment",
    "PriceChange",
    "Product",
    "ProductImage",
    "ProductIngredient",
    "Refund",
    "SavedRoutine",
    "Step",
    "StockAdjustment",
]
