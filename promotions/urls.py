"""The promotions app's storefront routes: giveaways, reminders and the one-click unsubscribe."""

from django.urls import path

from promotions.giveaways import views
from promotions.reminders import views as reminder_views

app_name = "promotions"

urlpatterns = [
    path("giveaways/", views.giveaway_list, name="giveaway_list"),
    path("giveaways/confirm/<str:token>/", views.entry_confirm, name="entry_confirm"),
    path("giveaways/claim/<str:token>/", views.prize_claim, name="prize_claim"),
    path("giveaways/<slug:slug>/", views.giveaway_detail, name="giveaway_detail"),
    path("giveaways/<slug:slug>/entered/", views.giveaway_entered, name="giveaway_entered"),
    path(
        "email/unsubscribe/<str:token>/",
        reminder_views.email_unsubscribe,
        name="email_unsubscribe",
    ),
    path("reminders/", reminder_views.reminder_subscribe, name="reminder_subscribe"),
    path(
        "reminders/check-your-inbox/",
        reminder_views.reminder_requested,
        name="reminder_requested",
    ),
    path(
        "reminders/confirm/<str:token>/", reminder_views.reminder_confirm, name="reminder_confirm"
    ),
    path("reminders/manage/<str:token>/", reminder_views.reminder_manage, name="reminder_manage"),
]
