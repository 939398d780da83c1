"""The quiz's pages (under /quiz/, in config/urls.py) and API route (gathered in kits/urls.py)."""

from django.urls import path

from kits.quiz import api, views

app_name = "quiz"

urlpatterns = [
    path("", views.quiz_page, name="quiz"),
    path("<str:ref>/", views.quiz_result, name="result"),
    path("<str:ref>/cart/", views.quiz_cart_add, name="cart_add"),
]

api_urlpatterns = [
    path("quiz/", api.QuizApi.as_view(), name="api-quiz"),
]
