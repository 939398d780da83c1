from django.urls import path

from . import api, reminder_api

urlpatterns = [
    path("giveaways/", api.GiveawayListApi.as_view(), name="api-giveaways"),
    path("giveaways/<str:slug>/", api.GiveawayDetailApi.as_view(), name="api-giveaway"),
    path(
        "giveaways/<str:slug>/entries/",
        api.EntryListCreateApi.as_view(),
        name="api-giveaway-entries",
    ),
    path(
        "giveaways/<str:slug>/entries/import/",
        api.EntryImportApi.as_view(),
        name="api-giveaway-import",
    ),
    path("giveaways/<str:slug>/draw/", api.DrawApi.as_view(), name="api-giveaway-draw"),
    path("reminders/", reminder_api.ReminderSubscribeApi.as_view(), name="api-reminders"),
]
