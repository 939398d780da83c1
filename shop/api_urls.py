from django.urls import path

from shop.catalog import api
from shop.checkout import api as checkout_api

urlpatterns = [
    # The busiest endpoint first: URL resolution tries the patterns in order.
    path("quote/", api.QuoteApi.as_view(), name="api-quote"),
    path("steps/", api.StepListApi.as_view(), name="api-steps"),
    path("products/", api.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<str:slug>/", api.ProductDetailApi.as_view(), name="api-product"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    # Carts, checkout and orders (ids are checked in the views: a malformed one is a 404).
    path("carts/", checkout_api.CartCreateApi.as_view(), name="api-carts"),
    path("carts/<str:cart_id>/", checkout_api.CartDetailApi.as_view(), name="api-cart"),
    path("carts/<str:cart_id>/items/", checkout_api.CartItemsApi.as_view(), name="api-cart-items"),
    path(
        "carts/<str:cart_id>/items/<str:item_id>/",
        checkout_api.CartItemDetailApi.as_view(),
        name="api-cart-item",
    ),
    path("carts/<str:cart_id>/promo/", checkout_api.CartPromoApi.as_view(), name="api-cart-promo"),
    path(
        "carts/<str:cart_id>/checkout/",
        checkout_api.CartCheckoutApi.as_view(),
        name="api-cart-checkout",
    ),
    path("orders/<str:number>/", checkout_api.OrderDetailApi.as_view(), name="api-order"),
]
