"""drf-spectacular's settings: the OpenAPI schema at /api/schema/ and its docs pages.

Star-imported by config/settings.py, which stays short enough to read."""

SPECTACULAR_SETTINGS = {
    "TITLE": "Routine shop API",
    "DESCRIPTION": "Catalog, routine kits, quotes, carts, checkout, promotions, giveaways.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LineKindEnum": ["product", "kit", "routine"],
        "PromotionKindEnum": "promotions.codes.models.Promotion.Kind",
        # Two `status` fields in the account API: an order's and a reminder's.
        "OrderStatusEnum": "shop.checkout.models.Order.Status",
        "ReminderStatusEnum": ["active", "paused", "awaiting_confirmation", "unsubscribed"],
        "AdjustmentSourceEnum": "shop.cart.quote_api.ADJUSTMENT_SOURCES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_problem_responses",
    ],
}
