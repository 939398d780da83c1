from django.urls import path

from kits import views

app_name = "kits"

urlpatterns = [
    path("", views.kit_list, name="kit_list"),
    path("routines/<slug:slug>/", views.routine_builder, name="routine_builder"),
    path("<slug:slug>/", views.kit_detail, name="kit_detail"),
]
