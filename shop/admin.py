"""The shop app's admin registry: Django's autodiscovery imports `shop.admin`, so this imports
each package's admin module, which registers its models."""

from shop.accounts import admin as accounts_admin
from shop.catalog import admin as catalog_admin
from shop.checkout import admin as checkout_admin
from shop.checkout import low_stock_admin

__all__ = ["accounts_admin", "catalog_admin", "checkout_admin", "low_stock_admin"]
