"""The catalog's pages and API routes (namespaced "shop" by shop/urls.py)."""

from django.urls import path

from shop.catalog import api, views

urlpatterns = [
    path("shop/", views.product_list, name="product_list"),
    path("products/<slug:slug>/", views.product_detail, name="product_detail"),
]

api_urlpatterns = [
    path("steps/", api.StepListApi.as_view(), name="api-steps"),
    path("products/", api.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<str:slug>/", api.ProductDetailApi.as_view(), name="api-product"),
    path("products/<str:slug>/image/", api.ProductImageApi.as_view(), name="api-product-image"),
    path("products/<str:slug>/prices/", api.ProductPricesApi.as_view(), name="api-product-prices"),
]
