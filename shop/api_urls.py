from django.urls import path

from . import api

urlpatterns = [
    path("steps/", api.StepListApi.as_view(), name="api-steps"),
    path("products/", api.ProductListCreateApi.as_view(), name="api-products"),
    path("products/<str:slug>/", api.ProductDetailApi.as_view(), name="api-product"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("quote/", api.QuoteApi.as_view(), name="api-quote"),
]
