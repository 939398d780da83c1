"""The promotions app's API routes (giveaways, promotions and their codes, reminders)."""

from django.urls import path

from promotions.codes import api as promo_api
from promotions.giveaways import api
from promotions.reminders import api as reminder_api

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
    path("promotions/", promo_api.PromotionListApi.as_view(), name="api-promotions"),
    path(
        "promotions/<int:promotion_id>/",
        promo_api.PromotionDetailApi.as_view(),
        name="api-promotion",
    ),
    path(
        "promotions/<int:promotion_id>/codes/",
        promo_api.PromotionCodesApi.as_view(),
        name="api-promotion-codes",
    ),
    path(
        "promotions/<int:promotion_id>/codes/export/",
        promo_api.PromotionCodesExportApi.as_view(),
        name="api-promotion-codes-export",
    ),
    path(
        "promotions/<int:promotion_id>/batches/<int:batch_id>/",
        promo_api.PromotionBatchApi.as_view(),
        name="api-promotion-batch",
    ),
    path("reminders/", reminder_api.ReminderSubscribeApi.as_view(), name="api-reminders"),
]
