"""The shop app's routes: each package's pages under the "shop" namespace, and its API routes
(included under /api/ by config/urls.py)."""

from shop.accounts import urls as accounts_urls
from shop.analytics import urls as analytics_urls
from shop.cart import urls as cart_urls
from shop.catalog import urls as catalog_urls
from shop.checkout import urls as checkout_urls
from shop.storefront import urls as storefront_urls

app_name = "shop"

urlpatterns = [
    *storefront_urls.urlpatterns,
    *catalog_urls.urlpatterns,
    *cart_urls.urlpatterns,
    *checkout_urls.urlpatterns,
    *accounts_urls.urlpatterns,
]

api_urlpatterns = [
    *catalog_urls.api_urlpatterns,
    *cart_urls.api_urlpatterns,
    *checkout_urls.api_urlpatterns,
    *accounts_urls.api_urlpatterns,
    *analytics_urls.api_urlpatterns,
]
