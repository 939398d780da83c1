from django.urls import path

from . import views

app_name = "promotions"

urlpatterns = [
    path("giveaways/", views.giveaway_list, name="giveaway_list"),
    path("giveaways/confirm/<str:token>/", views.entry_confirm, name="entry_confirm"),
    path("giveaways/claim/<str:token>/", views.prize_claim, name="prize_claim"),
    path("giveaways/<slug:slug>/", views.giveaway_detail, name="giveaway_detail"),
    path("giveaways/<slug:slug>/entered/", views.giveaway_entered, name="giveaway_entered"),
    path("email/unsubscribe/<str:token>/", views.email_unsubscribe, name="email_unsubscribe"),
]
