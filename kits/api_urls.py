from django.urls import path

from kits import api

urlpatterns = [
    path("kits/", api.KitListCreateApi.as_view(), name="api-kits"),
    path("kits/<str:slug>/", api.KitDetailApi.as_view(), name="api-kit"),
    path("routines/", api.RoutineListCreateApi.as_view(), name="api-routines"),
    path("routines/<str:slug>/", api.RoutineDetailApi.as_view(), name="api-routine"),
]
