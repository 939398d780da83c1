"""Kits' and routines' pages and API routes, and the quiz's API route (its pages are at /quiz/)."""

from django.urls import path

from kits import api, routine_api, views
from kits.quiz import urls as quiz_urls

app_name = "kits"

urlpatterns = [
    path("", views.kit_list, name="kit_list"),
    path("routines/<slug:slug>/", views.routine_builder, name="routine_builder"),
    path("<slug:slug>/", views.kit_detail, name="kit_detail"),
]

api_urlpatterns = [
    path("kits/", api.KitListCreateApi.as_view(), name="api-kits"),
    path("kits/<str:slug>/", api.KitDetailApi.as_view(), name="api-kit"),
    path("routines/", routine_api.RoutineListCreateApi.as_view(), name="api-routines"),
    path("routines/<str:slug>/", routine_api.RoutineDetailApi.as_view(), name="api-routine"),
    *quiz_urls.api_urlpatterns,
]
